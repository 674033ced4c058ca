"""A gigabyte sent to the upload routes of a real server: the cap holds while the body streams,
the answer is a 413 problem, and neither the memory nor the bytes read grow with what was sent."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from .conftest import Served, served
from .hostile import MemoryWatch

CAP = 8 << 20
GIGABYTE = 1 << 30
CHUNK = bytes(256 << 10)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    caps = {
        "MUTABIK_BANK_INGEST_MAX_UPLOAD_BYTES": str(CAP),
        "MUTABIK_RECONCILIATION_MAX_IMPORT_BYTES": str(CAP),
    }
    with served(tmp_path_factory.mktemp("limits"), caps) as running:
        yield running


async def stream(
    system: Served, path: str, *, declared: int | None = None
) -> tuple[int, dict, int]:
    """POSTs a multipart body of a gigabyte (chunked, or with ``declared`` as Content-Length),
    stopping as soon as the server answers or drops the connection; the status, the JSON body,
    and how many bytes went out."""
    host, port = system.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    boundary = uuid.uuid4().hex
    length = f"Content-Length: {declared}" if declared else "Transfer-Encoding: chunked"
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{length}\r\n"
        f"Authorization: Bearer {system.api_key}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode()
    )
    preamble = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.sta"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    answer = asyncio.create_task(reader.read(65536))
    sent = 0
    try:
        for piece in (preamble, *(CHUNK for _ in range(GIGABYTE // len(CHUNK)))):
            if answer.done():
                break
            writer.write(piece if declared else b"%x\r\n%b\r\n" % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(0)  # let the answer in, as a client watching for one does
            sent += len(piece)
    except (ConnectionResetError, BrokenPipeError):
        pass
    head = await asyncio.wait_for(answer, 30)
    while b"\r\n\r\n" in head and len(head.split(b"\r\n\r\n", 1)[1]) < _length(head):
        more = await asyncio.wait_for(reader.read(65536), 10)
        if not more:
            break
        head += more
    writer.close()
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(head.split(b"\r\n\r\n", 1)[1]), sent


def _length(head: bytes) -> int:
    for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            return int(value)
    return 0


@pytest.mark.parametrize("path", ["/bank-ingest/statements", "/reconciliation/imports/movements"])
async def test_a_gigabyte_is_refused_at_the_cap_while_it_streams(
    system: Served, path: str, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    with MemoryWatch() as memory:
        status, problem, sent = await stream(system, path)
    assert status == 413, problem
    assert problem["status"] == 413 and problem["max_bytes"] == CAP, problem
    assert "nothing was stored" in problem["detail"]
    assert sent < CAP + (16 << 20), f"{sent >> 20} MB went out before the answer"
    assert memory.grew_mb < 48, memory.grew_mb

    # A declared gigabyte is refused before its body is read at all.
    status, problem, sent = await stream(system, path, declared=GIGABYTE)
    assert status == 413 and problem["max_bytes"] == CAP, problem
    assert sent < 16 << 20, sent

    logged = capfd.readouterr()
    assert "Traceback" not in logged.out + logged.err, "an upload over the cap is no error"

    # A client that sends everything before it reads (httpx) gets the same answer.
    async def body() -> AsyncIterator[bytes]:
        boundary = b"--b\r\nContent-Disposition: form-data; name=file; filename=big.sta\r\n\r\n"
        yield boundary
        for _ in range((6 * CAP) // len(CHUNK)):
            yield CHUNK

    service = path.split("/")[1]
    async with httpx.AsyncClient(base_url=system.url, headers=system.headers) as client:
        whole = await client.post(
            path, content=body(), headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert whole.status_code == 413 and whole.json()["max_bytes"] == CAP, whole.text
        imports = await client.get(f"/{service}/imports")
    assert imports.status_code == 200 and imports.json()["items"] == [], imports.text
