"""Zip containers (zipped statements, and xlsx, which is a zip), opened only after a size check.

The checks themselves are :mod:`shared.archive`'s; here their :class:`~shared.archive.ArchiveError`
becomes this service's :class:`~.statement.ParseError`, with the same message.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from shared import archive as shared_archive
from shared.archive import MAX_MEMBERS, MAX_RATIO, MAX_TOTAL_BYTES, ArchiveError

from .statement import ParseError

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def guard_zip(
    stream: BinaryIO,
    *,
    max_members: int = MAX_MEMBERS,
    max_total: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> zipfile.ZipFile:
    """Open ``stream`` as a zip, refusing one that is corrupt or would inflate beyond the limits."""
    try:
        return shared_archive.guard_zip(
            stream, max_members=max_members, max_total=max_total, max_ratio=max_ratio
        )
    except ArchiveError as exc:
        raise ParseError(str(exc)) from exc


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than its declared size."""
    try:
        return shared_archive.read_member(archive, member)
    except ArchiveError as exc:
        raise ParseError(str(exc)) from exc


def iter_members(stream: BinaryIO) -> Iterator[tuple[str, BinaryIO]]:
    """The files of a zipped statement bundle, each as a seekable stream, in the zip's order.

    Folders and macOS resource forks (``__MACOSX/``) are skipped. A zip inside the zip is refused
    rather than opened: its sizes would escape the outer guard's totals. An Excel workbook is a
    zip too but a statement, so it passes (its reader guards it again). Each member is read whole
    (within :func:`guard_zip`'s limits), because parsers rewind to detect the encoding.
    """
    archive = guard_zip(stream)
    for member in archive.infolist():
        name = member.filename
        if member.is_dir() or name.startswith("__MACOSX/") or "/__MACOSX/" in name:
            continue
        data = read_member(archive, member)
        if name.lower().endswith(".zip") or (data.startswith(_ZIP_MAGIC) and not _workbook(data)):
            raise ParseError(f"{name!r} is a zip inside the zip; unpack it and send its files")
        yield name, io.BytesIO(data)


def _workbook(data: bytes) -> bool:
    try:
        return "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError):
        return False
