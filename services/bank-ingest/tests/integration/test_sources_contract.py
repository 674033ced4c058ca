"""What every statement source promises, run against a folder and a real FTP server (with and
without MLSD). A new kind of source joins by adding a ``place`` parameter."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bank_ingest.adapters.sources import RemoteFile, SourceError, open_source
from bank_ingest.adapters.sources.base import FolderSourceSettings, FtpSourceSettings
from bank_ingest.adapters.sources.testing import serve_ftp

T0 = datetime(2024, 5, 1, 10, 30, tzinfo=UTC).timestamp()


@dataclass
class Place:
    """Where a source's files lie on disk, and how to make settings for a source over them."""

    root: Path
    settings: Callable[..., FolderSourceSettings | FtpSourceSettings]
    missing: dict[str, Any] = field(default_factory=dict)

    def put(self, name: str, data: bytes = b"statement", *, at: float = T0) -> Path:
        path = self.root / name
        path.write_bytes(data)
        os.utime(path, (at, at))
        return path

    async def list(self, seen: frozenset[str] = frozenset(), **overrides: Any) -> list[RemoteFile]:
        async with open_source(self.settings(**overrides)) as source:
            return await source.list_new(seen=set(seen))


@pytest.fixture(params=["folder", "ftp", "ftp-without-mlsd"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Place]:
    root = tmp_path / "statements"
    root.mkdir()
    if request.param == "folder":
        yield Place(
            root,
            lambda **o: FolderSourceSettings(**({"path": str(root)} | o)),
            {"path": str(tmp_path / "nowhere")},
        )
        return
    with serve_ftp(root, mlsd=request.param == "ftp") as server:
        yield Place(root, server.settings, {"directory": "/nowhere"})


async def test_lists_statement_files_oldest_first_and_nothing_else(place: Place) -> None:
    place.put("b.sta", b"bb", at=T0 + 60)
    place.put("a.sta", b"a", at=T0 + 60)
    place.put("c.sta", b"ccc", at=T0)
    for temporary in (".hidden.sta", "upload.sta.part", "upload.tmp", "~$lock.xlsx"):
        place.put(temporary)
    (place.root / "archive").mkdir()
    place.put("archive/old.sta")

    files = await place.list()

    assert [(f.name, f.size) for f in files] == [("c.sta", 3), ("a.sta", 1), ("b.sta", 2)]
    assert files[0].modified == "2024-05-01T10:30:00+00:00"
    assert files[1].modified == "2024-05-01T10:31:00+00:00"


async def test_leaves_out_seen_keys_but_lists_a_rewritten_file_again(place: Place) -> None:
    place.put("a.sta", b"monday")
    place.put("b.sta", b"monday")
    seen = frozenset(f.key for f in await place.list())

    assert await place.list(seen) == []

    place.put("a.sta", b"tuesday", at=T0 + 86400)
    again = await place.list(seen)
    assert [f.name for f in again] == ["a.sta"]
    assert again[0].key not in seen


async def test_pattern_chooses_the_files_ignoring_case(place: Place) -> None:
    for name in ("a.STA", "b.xml", "c.sta", "d.sta.bak"):
        place.put(name)

    files = await place.list(pattern="*.sta")

    assert [f.name for f in files] == ["a.STA", "c.sta"]


async def test_an_empty_location_lists_nothing(place: Place) -> None:
    assert await place.list() == []


async def test_fetch_writes_the_exact_bytes_and_rewinds(place: Place) -> None:
    data = random.Random(940).randbytes(5 * 1024 * 1024)
    place.put("big.sta", data)

    async with open_source(place.settings()) as source:
        [remote] = await source.list_new(seen=set())
        with tempfile.TemporaryFile() as tmp:
            written = await source.fetch(remote, tmp)
            assert tmp.tell() == 0
            assert written == len(data) == remote.size
            assert tmp.read() == data


async def test_a_file_that_changed_after_listing_is_not_passed_off_as_whole(place: Place) -> None:
    place.put("a.sta", b"short")

    async with open_source(place.settings()) as source:
        [remote] = await source.list_new(seen=set())
        place.put("a.sta", b"much longer now")
        with tempfile.TemporaryFile() as tmp, pytest.raises(SourceError, match="a.sta"):
            await source.fetch(remote, tmp)


async def test_a_file_gone_since_listing_is_a_source_error(place: Place) -> None:
    place.put("a.sta")

    async with open_source(place.settings()) as source:
        [remote] = await source.list_new(seen=set())
        (place.root / "a.sta").unlink()
        with tempfile.TemporaryFile() as tmp, pytest.raises(SourceError, match="a.sta"):
            await source.fetch(remote, tmp)


async def test_a_missing_location_is_a_source_error(place: Place) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        async with open_source(place.settings(**place.missing)):
            pass
