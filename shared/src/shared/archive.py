"""Zip containers (zipped statements, xlsx workbooks), opened only after a size check.

The sizes in a zip's directory are the sender's claims; :func:`guard_zip` refuses a container whose
claims are too large, and :func:`read_member` enforces the claim while inflating.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # real statements and spreadsheets compress 5-30x; bombs thousands of times
SPREADSHEET_RATIO = 100
"""The tighter ratio the xlsx/ods readers pass: python-calamine holds a whole sheet in memory, up to
~9x its XML (a dense grid of cells), so a sheet at 190x would cost ~1,700x its upload in memory.
Measured (docs/reconciliation.md): real sheets and shared strings inflate 8-25x."""
_SMALL = 1 << 20  # below this a high ratio is harmless (tiny XML parts of zeros or spaces)


class ArchiveError(ValueError):
    """The zip is corrupt or unsafe to inflate; the message says which member and why."""


def guard_zip(
    stream: BinaryIO,
    *,
    max_members: int = MAX_MEMBERS,
    max_total: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> zipfile.ZipFile:
    """Open ``stream`` as a zip, refusing one that is corrupt or would inflate beyond the limits.

    ``max_ratio`` applies to each member over 1 MB; spreadsheet readers pass
    :data:`SPREADSHEET_RATIO`."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"not a readable zip file: {exc}") from exc
    members = archive.infolist()
    if len(members) > max_members:
        raise ArchiveError(f"the zip holds {len(members)} files; at most {max_members} are read")
    total = sum(m.file_size for m in members)
    if total > max_total:
        raise ArchiveError(f"the zip would inflate to {total} bytes; the limit is {max_total}")
    for member in members:
        packed = max(member.compress_size, 1)
        if member.file_size > packed * max_ratio and member.file_size > _SMALL:
            raise ArchiveError(
                f"{member.filename!r} inflates {member.file_size // packed}x; refused as a zip bomb "
                f"(at most {max_ratio}x is accepted)"
            )
    return archive


def read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, limit: int | None = None
) -> bytes:
    """The member's bytes, never more than its declared size; only the first ``limit`` bytes when
    given (then only those are inflated, and the checksum of the whole is not verified)."""
    wanted = member.file_size + 1 if limit is None else min(limit, member.file_size + 1)
    try:
        with archive.open(member) as source:
            data = source.read(wanted)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
        # RuntimeError: encrypted; NotImplementedError: an unsupported compression method
        raise ArchiveError(f"{member.filename!r} cannot be read from the zip: {exc}") from exc
    if len(data) > member.file_size:
        raise ArchiveError(f"{member.filename!r} is larger than its zip entry says; refused")
    return data
