"""The watched folder beyond the shared contract: young files, moving files aside, OS errors."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bank_ingest.adapters.sources import FolderSource, FolderSourceSettings, SourceError
from bank_ingest.adapters.sources import folder as folder_module


def put(path: Path, data: bytes = b"statement", *, age: float = 3600) -> Path:
    path.write_bytes(data)
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


def contents(folder: Path) -> dict[str, bytes | None]:
    """Each entry of ``folder`` by name: a file's bytes, None for a sub-folder."""
    return {p.name: p.read_bytes() if p.is_file() else None for p in folder.iterdir()}


def source(root: Path, **overrides: object) -> FolderSource:
    return FolderSource(FolderSourceSettings(path=str(root), **overrides))  # type: ignore[arg-type]


async def test_files_still_being_written_wait_until_they_are_old_enough(tmp_path: Path) -> None:
    put(tmp_path / "old.sta", age=60)
    put(tmp_path / "fresh.sta", age=0)

    async with source(tmp_path, min_age_seconds=30) as folder:
        assert [f.name for f in await folder.list_new(seen=set())] == ["old.sta"]

    later = FolderSource(
        FolderSourceSettings(path=str(tmp_path), min_age_seconds=30), clock=lambda: time.time() + 31
    )
    async with later as folder:
        assert [f.name for f in await folder.list_new(seen=set())] == ["old.sta", "fresh.sta"]


async def test_done_moves_imported_files_to_processed_and_refused_ones_to_failed(
    tmp_path: Path,
) -> None:
    put(tmp_path / "good.sta", b"good")
    put(tmp_path / "bad.sta", b"bad")

    async with source(tmp_path) as folder:
        good, bad = sorted(await folder.list_new(seen=set()), key=lambda f: f.name != "good.sta")
        await folder.done(good, ok=True)
        await folder.done(bad, ok=False)
        assert await folder.list_new(seen=set()) == []

    assert (tmp_path / "processed" / "good.sta").read_bytes() == b"good"
    assert (tmp_path / "failed" / "bad.sta").read_bytes() == b"bad"
    assert contents(tmp_path) == {"failed": None, "processed": None}


async def test_done_never_overwrites_a_file_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "daily.sta").write_bytes(b"monday")
    (tmp_path / "processed" / "daily_1.sta").write_bytes(b"tuesday")

    for content in (b"wednesday", b"thursday"):
        put(tmp_path / "daily.sta", content)
        async with source(tmp_path) as folder:
            [remote] = await folder.list_new(seen=set())
            await folder.done(remote, ok=True)

    assert contents(tmp_path / "processed") == {
        "daily.sta": b"monday",
        "daily_1.sta": b"tuesday",
        "daily_2.sta": b"wednesday",
        "daily_3.sta": b"thursday",
    }


async def test_done_for_a_file_someone_removed_is_a_source_error(tmp_path: Path) -> None:
    put(tmp_path / "a.sta")

    async with source(tmp_path) as folder:
        [remote] = await folder.list_new(seen=set())
        (tmp_path / "a.sta").unlink()
        with pytest.raises(SourceError, match="a.sta"):
            await folder.done(remote, ok=True)

    assert contents(tmp_path / "processed") == {}  # no placeholder left behind


async def test_a_missing_folder_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"

    with pytest.raises(SourceError, match=f"^folder {missing} does not exist$"):
        async with source(missing):
            pass


async def test_a_file_where_the_folder_should_be_says_so(tmp_path: Path) -> None:
    put(tmp_path / "not-a-folder")

    with pytest.raises(SourceError, match="is not a folder"):
        async with source(tmp_path / "not-a-folder"):
            pass


async def test_permission_denied_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, whom chmod does not stop, so the OS's refusal is staged here.
    def refuse(path: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(folder_module.os, "scandir", refuse)

    with pytest.raises(SourceError, match="permission denied") as raised:
        async with source(tmp_path):
            pass
    assert str(tmp_path) in str(raised.value)


async def test_symbolic_links_are_not_followed(tmp_path: Path) -> None:
    outside = put(tmp_path / "outside.sta")
    watched = tmp_path / "watched"
    watched.mkdir()
    (watched / "link.sta").symlink_to(outside)

    async with source(watched) as folder:
        assert await folder.list_new(seen=set()) == []
