"""Zip containers (zipped statements, and xlsx, which is a zip), opened only after a size check.

The sizes in a zip's directory are the sender's claims; :func:`guard_zip` refuses a container whose
claims are too large, and :func:`read_member` enforces the claim while inflating.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from .statement import ParseError

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # real statements and spreadsheets compress 5-30x; bombs thousands of times
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
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(f"not a readable zip file: {exc}") from exc
    members = archive.infolist()
    if len(members) > max_members:
        raise ParseError(f"the zip holds {len(members)} files; at most {max_members} are read")
    total = sum(m.file_size for m in members)
    if total > max_total:
        raise ParseError(f"the zip would inflate to {total} bytes; the limit is {max_total}")
    for member in members:
        if (
            member.file_size > max(member.compress_size, 1) * max_ratio
            and member.file_size > 1 << 20
        ):
            raise ParseError(
                f"{member.filename!r} inflates {member.file_size // max(member.compress_size, 1)}x; "
                "refused as a zip bomb"
            )
    return archive


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than its declared size."""
    try:
        with archive.open(member) as source:
            data = source.read(member.file_size + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
        # RuntimeError: encrypted; NotImplementedError: an unsupported compression method
        raise ParseError(f"{member.filename!r} cannot be read from the zip: {exc}") from exc
    if len(data) > member.file_size:
        raise ParseError(f"{member.filename!r} is larger than its zip entry says; refused")
    return data


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
