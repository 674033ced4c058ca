"""The counterparty's letter page under load, against a bare FastAPI page.

    .venv/bin/python bench/portal_page.py                      # 50 clients for 30 s
    .venv/bin/python bench/portal_page.py --clients 50 --seconds 30 --letters 1000

The portal runs as its own process (``python -m portal``, one worker) on a PostgreSQL database
of its own, fed over RabbitMQ with ``reconciliation.letters.issued`` events as in production:
``--letters`` balance letters with 20 documents each. A second process (this script with
``--load``, a bare HTTP/1.1 client on asyncio streams) opens ``--clients`` keep-alive
connections and, for ``--seconds``, each asks for a letter page after the other, letters drawn
at random. Before that every letter is opened once, one at a time (a first view marks the letter
viewed and writes its event: that time is printed apart). It prints p50 / p99 and requests/s.

Baseline: a bare FastAPI app (same uvicorn, one worker) whose one route returns a constant page
of the same size, loaded by the same client the same way. Ratio: the portal's requests/s over
the baseline's. Target: p99 < 100 ms at 50 clients, ratio ≥ 0.3.

All clients come from 127.0.0.1, so the bench raises the portal's per-address limits
(``MUTABIK_PORTAL_LOOKUPS_PER_MINUTE``): it measures the page, not the rate limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aio_pika
import httpx

from shared.bus import SUBSCRIPTIONS, RabbitMQBus
from shared.events import Envelope, LettersIssued
from shared.portal_links import letter_token

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402
from service_process import PG, admin, wait_ready  # noqa: E402

AMQP = "amqp://guest:guest@127.0.0.1:5672/"
SECRET = "bench-secret-key"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# The load (runs in its own process) -------------------------------------------------------------


async def load(urls: list[str], clients: int, seconds: float) -> dict[str, float]:
    """``clients`` keep-alive connections, each sending GET after GET for ``seconds``. A bare
    HTTP/1.1 client on asyncio streams: httpx in one process tops out near 300 requests/s here,
    which would measure the client, not the server."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    target = urlsplit(urls[0])
    paths = [urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
             for url in urls]  # fmt: skip
    host = f"{target.hostname}:{target.port}"

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(target.hostname, target.port)
        try:
            while time.perf_counter() < deadline:
                request = f"GET {random.choice(paths)} HTTP/1.1\r\nHost: {host}\r\n\r\n"
                started = time.perf_counter()
                writer.write(request.encode())
                status, length = await _response_head(reader)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                errors += status != 200
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


async def _response_head(reader: asyncio.StreamReader) -> tuple[int, int]:
    """The status and Content-Length of the next response (the servers here always send one)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            return status, int(value)
    raise RuntimeError(f"no Content-Length in {head[0]!r}")


async def run_load(urls: list[str], clients: int, seconds: float) -> dict[str, float]:
    """``load`` in a second process."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(urls, file)
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--load", file.name, "--clients", str(clients),
        "--seconds", str(seconds), stdout=subprocess.PIPE,
    )  # fmt: skip
    output, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError("the load process failed")
    return json.loads(output.decode().strip().splitlines()[-1])


# The portal and the baseline --------------------------------------------------------------------


def issued_letters(tenant: uuid.UUID, count: int) -> list[tuple[uuid.UUID, dict]]:
    round_id = uuid.uuid4()
    valid_until = (date.today() + timedelta(days=30)).isoformat()
    letters = []
    for n in range(count):
        letter_id = uuid.uuid4()
        record = {
            "letter_id": str(letter_id), "round_id": str(round_id), "language": "tr",
            "subject": "31.12.2025 tarihli cari hesap mutabakatı",
            "sender": {"name": "Demo Gıda San. ve Tic. A.Ş.", "tax_office": "Kozyatağı",
                       "tax_id": "4540536920"},
            "counterparty_code": f"120.{n:05d}", "counterparty_title": f"Müşteri {n} Tic. A.Ş.",
            "kind": "balance", "valid_until": valid_until, "as_of": "2025-12-31",
            "balances": [{"currency": "TRY", "amount": f"{n + 1}234.56", "side": "debit"}],
        }  # fmt: skip
        documents = [
            {"date": f"2025-{m % 12 + 1:02d}-15", "document_no": f"GIB2025{n:05d}{m:04d}",
             "description": f"Satış faturası {m}", "currency": "TRY", "debit": f"{m + 1}00.00"}
            for m in range(20)
        ]  # fmt: skip
        letters.append((letter_id, {"letter": record, "documents": documents}))
    return letters


async def feed(config: dict[str, str], tenant: uuid.UUID, letters: list) -> None:
    bus = RabbitMQBus(AMQP, SUBSCRIPTIONS, exchange=config["exchange"],
                      queue_prefix=config["prefix"])  # fmt: skip
    await bus.start()
    try:
        for start in range(0, len(letters), 100):
            event = {"letters": [body for _, body in letters[start : start + 100]]}
            envelope = Envelope(type=LettersIssued.type, version=LettersIssued.version,
                                tenant=tenant, correlation_id="bench", payload=event)  # fmt: skip
            await bus.publish([envelope])
    finally:
        await bus.close()


async def start_portal(
    port: int, database: str, config: dict[str, str]
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "MUTABIK_PORTAL_DATABASE_URL": database,
        "MUTABIK_PORTAL_BUS_URL": AMQP,
        "MUTABIK_PORTAL_EXCHANGE": config["exchange"],
        "MUTABIK_PORTAL_QUEUE_PREFIX": config["prefix"],
        "MUTABIK_PORTAL_HTTP_PORT": str(port),
        "MUTABIK_PORTAL_SECRET_KEY": SECRET,
        "MUTABIK_PORTAL_LOG_LEVEL": "WARNING",
        "MUTABIK_PORTAL_LOOKUPS_PER_MINUTE": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "portal", env=env, stdout=subprocess.DEVNULL
    )
    await wait_ready(f"http://{HOST}:{port}/portal")
    return process


BARE = """
import sys
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
import uvicorn
page = open(sys.argv[1], "rb").read()
app = FastAPI()

@app.get("/page")
async def constant() -> HTMLResponse:
    return HTMLResponse(page)

@app.get("/readyz")
async def ready() -> dict:
    return {"ok": True}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


async def main(args: argparse.Namespace) -> None:
    token = uuid.uuid4().hex[:8]
    config = {"exchange": f"bench.portal.{token}.events", "prefix": f"bench.portal.{token}"}
    name = f"bench_portal_{token}"
    await admin(f'CREATE DATABASE "{name}"')
    port, bare_port = free_port(), free_port()
    tenant = uuid.uuid4()
    letters = issued_letters(tenant, args.letters)
    portal = await start_portal(port, f"{PG}/{name}", config)
    bare = None
    try:
        await feed(config, tenant, letters)
        base = f"http://{HOST}:{port}/portal/letters/"
        urls = [base + letter_token(SECRET, letter_id) for letter_id, _ in letters]
        async with httpx.AsyncClient(timeout=10) as http:
            for _ in range(300):
                if (await http.get(urls[-1])).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            page = (await http.get(urls[-1])).content
        with tempfile.NamedTemporaryFile("wb", suffix=".html", delete=False) as file:
            file.write(page)
        bare = await asyncio.create_subprocess_exec(
            sys.executable, "-c", BARE, file.name, str(bare_port)
        )
        await wait_ready(f"http://{HOST}:{bare_port}")
        await run_load([f"http://{HOST}:{bare_port}/page"], args.clients, 3)  # warm up
        baseline = await run_load([f"http://{HOST}:{bare_port}/page"], args.clients, args.seconds)
        first = await first_views(urls)
        await run_load(urls, args.clients, 3)  # warm up
        measured = await run_load(urls, args.clients, args.seconds)
    finally:
        portal.terminate()
        await portal.wait()
        if bare is not None:
            bare.terminate()
            await bare.wait()
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await drop_broker_objects(config)
    print(f"page: {len(page):,} bytes, {args.letters} letters, {args.clients} clients, "
          f"{args.seconds:.0f} s")  # fmt: skip
    print(f"{'target':<16}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}")
    for label, figures in (("bare FastAPI", baseline), ("letter page", measured)):
        print(f"{label:<16}{figures['requests']:>9}{figures['errors']:>7}{figures['rps']:>8.0f}"
              f"{figures['p50_ms']:>8.1f}{figures['p99_ms']:>8.1f}")  # fmt: skip
    print(f"ratio (letter page req/s / bare): {measured['rps'] / baseline['rps']:.2f}")
    print(f"first view of each letter (marked viewed, event written), one at a time: "
          f"{first:.1f} ms each")  # fmt: skip
    ratio, load = measured["rps"] / baseline["rps"], f"{args.clients} clients"
    write_json(args.json, "portal_page", [
        Figure(f"portal letter page, {load}", measured["rps"], "requests/s",
               "bare FastAPI page, same size", baseline["rps"], ratio, "ratio ≥ 0.3",
               ratio >= 0.3),
        Figure(f"portal letter page p99, {load}", measured["p99_ms"], "ms",
               "bare FastAPI page p99", baseline["p99_ms"], target="< 100 ms",
               met=measured["p99_ms"] < 100),
    ])  # fmt: skip


async def first_views(urls: list[str]) -> float:
    """Open every letter once, one after the other (each first view is written and announced);
    the mean milliseconds of one. The load then measures the page as it is opened again."""
    async with httpx.AsyncClient(timeout=30) as http:
        started = time.perf_counter()
        for url in urls:
            (await http.get(url)).raise_for_status()
        return (time.perf_counter() - started) / len(urls) * 1000


async def drop_broker_objects(config: dict[str, str]) -> None:
    listing = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_queues", "name", stdout=subprocess.PIPE
    )
    names = (await listing.communicate())[0].decode().split()
    connection = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel()
        for queue in names:
            if queue.startswith(config["prefix"] + "."):
                await channel.queue_delete(queue)
        await channel.exchange_delete(config["exchange"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    add_json_option(parser)
    arguments = parser.parse_args()
    if arguments.load:
        urls = json.loads(Path(arguments.load).read_text())
        print(json.dumps(asyncio.run(load(urls, arguments.clients, arguments.seconds))))
    else:
        asyncio.run(main(arguments))
