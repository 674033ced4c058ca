"""The watched folder: statement files a bank's client program drops into a local or mounted folder."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Self

from bank_ingest.adapters.sources.base import (
    FolderSourceSettings,
    RemoteFile,
    SourceError,
    is_candidate,
    iso_utc,
    numbered_names,
    oldest_first,
)

log = logging.getLogger(__name__)

PROCESSED, FAILED = "processed", "failed"
_CHUNK = 1024 * 1024


class FolderSource:
    """A :class:`~bank_ingest.adapters.sources.base.Source` over a folder of files.

    Only regular files directly inside the folder count; sub-folders (``processed/``,
    ``failed/`` among them) and symbolic links are ignored.
    """

    def __init__(
        self, settings: FolderSourceSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._settings = settings
        self._root = Path(settings.path)
        self._clock = clock

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self._scan)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def list_new(self, seen: AbstractSet[str]) -> list[RemoteFile]:
        """Files ready to import whose key is not in ``seen``, oldest first."""
        files = await asyncio.to_thread(self._scan)
        return oldest_first([f for f in files if f.key not in seen])

    async def fetch(self, file: RemoteFile, into: BinaryIO) -> int:
        """Copy the file into ``into`` in chunks; ``into`` is rewound to where the copy starts."""
        return await asyncio.to_thread(self._copy, file, into)

    async def done(self, file: RemoteFile, *, ok: bool) -> None:
        """Move the file into ``processed/`` (ok) or ``failed/``, never overwriting a file there."""
        target = await asyncio.to_thread(self._move_aside, file, PROCESSED if ok else FAILED)
        log.info("moved %s to %s", file.name, target)

    def _scan(self) -> list[RemoteFile]:
        cutoff = self._clock() - self._settings.min_age_seconds
        with _guard(self._root, "read the folder"), os.scandir(self._root) as entries:
            return [f for e in entries if (f := self._ready(e, cutoff))]

    def _ready(self, entry: os.DirEntry[str], cutoff: float) -> RemoteFile | None:
        if not is_candidate(entry.name, self._settings.pattern):
            return None
        try:
            if not entry.is_file(follow_symlinks=False):
                return None
            stat = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # removed between listing and stat: nothing to import
            return None
        if stat.st_mtime > cutoff:
            return None
        return RemoteFile(entry.name, stat.st_size, iso_utc(stat.st_mtime))

    def _copy(self, file: RemoteFile, into: BinaryIO) -> int:
        start, written = into.tell(), 0
        with _guard(self._root, f"read {file.name}"), open(self._root / file.name, "rb") as src:
            while chunk := src.read(_CHUNK):
                into.write(chunk)
                written += len(chunk)
        into.seek(start)
        if written != file.size:
            raise SourceError(
                f"{file.name} in folder {self._root} changed while it was read "
                f"({written} bytes instead of {file.size}); it will be fetched again"
            )
        return written

    def _move_aside(self, file: RemoteFile, folder: str) -> Path:
        with _guard(self._root, f"move {file.name} to {folder}/"):
            target_dir = self._root / folder
            target_dir.mkdir(exist_ok=True)
            target = _reserve(target_dir, file.name)
            try:
                os.replace(self._root / file.name, target)
            except OSError:
                target.unlink(missing_ok=True)
                raise
            return target


@contextmanager
def _guard(root: Path, doing: str) -> Iterator[None]:
    """Turn the OS's file errors into a :class:`SourceError` an operator can act on."""
    try:
        yield
    except FileNotFoundError as exc:
        if not root.exists():
            raise SourceError(f"folder {root} does not exist") from exc
        raise SourceError(f"cannot {doing} in folder {root}: {exc.filename} is gone") from exc
    except NotADirectoryError as exc:
        raise SourceError(f"{root} is not a folder") from exc
    except PermissionError as exc:
        denied = exc.filename or root
        raise SourceError(
            f"cannot {doing} in folder {root}: permission denied on {denied}"
        ) from exc
    except OSError as exc:
        raise SourceError(f"cannot {doing} in folder {root}: {exc.strerror or exc}") from exc


def _reserve(folder: Path, name: str) -> Path:
    """Claim the first free name in ``folder`` (``a.sta``, ``a_1.sta``, ...) for ``name``."""
    return next(folder / n for n in numbered_names(name) if _claim(folder / n))


def _claim(path: Path) -> bool:
    """Create ``path`` empty unless it exists.

    O_EXCL is what makes "never overwrite" hold even when two workers move files with the same
    name at once; the caller then replaces the placeholder with the real file.
    """
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True
