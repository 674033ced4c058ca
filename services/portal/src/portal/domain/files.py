"""What an attached file is, by its content: PDF, XLSX, PNG or JPEG, nothing else.

The name and the browser's content type are the sender's claims; the bytes decide. An XLSX is a
zip whose ``[Content_Types].xml`` declares an Excel workbook, opened only after
:func:`shared.archive.guard_zip` found its sizes sane; a macro workbook (``.xlsm``), a Word
document or any other zip is refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from shared.archive import ArchiveError, guard_zip, read_member

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_WORKBOOK_PART = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_LIMIT = 256 * 1024
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", XLSX: ".xlsx"}


class RefusedFile(ValueError):
    """Not one of the accepted kinds; the message says what it seems to be (for the logs)."""


def sniff(content: bytes) -> str:
    """The content type of an accepted file, or :class:`RefusedFile`."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        _check_workbook(content)
        return XLSX
    raise RefusedFile("not a PDF, XLSX, PNG or JPEG file by its content")


def _check_workbook(content: bytes) -> None:
    try:
        with guard_zip(io.BytesIO(content)) as archive:
            try:
                member = archive.getinfo(_CONTENT_TYPES)
            except KeyError:
                raise RefusedFile("a zip without [Content_Types].xml") from None
            declared = read_member(archive, member, limit=_CONTENT_TYPES_LIMIT)
    except (ArchiveError, zipfile.BadZipFile) as exc:
        raise RefusedFile(f"a zip that cannot be opened safely: {exc}") from exc
    if _WORKBOOK_PART not in declared:
        raise RefusedFile("an Office file, but not an Excel workbook (.xlsx)")


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def clean_file_name(name: str | None, content_type: str) -> str:
    """A plain file name to store and show: the last path part, no control or reserved
    characters, at most 200 characters; ``ek.pdf`` (by the content's type) when nothing is left."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE.sub("_", base).strip(" ._")
    if not base:
        return "ek" + EXTENSIONS[content_type]
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 200 - len(extension) - 1] + dot + extension) if dot else base[:200]
    return base
