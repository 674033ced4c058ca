"""Which reader a file needs, decided from its first bytes.

Statements often arrive without a telling name (OCA's CAMT files have no extension; MT940 comes
as ``.sta``, ``.940``, ``.swi``, ``.txt`` or nothing), so the content decides and the name only
breaks a tie the first bytes cannot settle. CSV is never guessed: without a column mapping it is
just text, and the caller decides.
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

from .statement import ParseError

Detected = Literal["mt940", "camt", "zip", "xlsx"]
HEAD_SIZE = 8192
"""How much of the file :func:`detect_format` needs to see."""
NOT_A_STATEMENT = (
    "not a statement we can read: expected MT940, MT942, CAMT.05x XML, a zip of those, "
    "or an Excel/CSV file with a column mapping"
)

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_LOCAL_HEADER = b"PK\x03\x04"
_OFFICE_PARTS = (b"[Content_Types].xml", b"_rels/", b"docProps/")
_OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls, and .doc
# Byte-order marks, whitespace, and the NUL/SOH/STX/ETX/EOT/FF/SUB framing of SWIFT transmissions.
_LEADING = b" \t\r\n\x00\x01\x02\x03\x04\x0c\x1a"
_XML = re.compile(rb"<\?xml[\s?]|<(?:[A-Za-z_][\w.-]*:)?Document[\s>/]")
# A SWIFT block ({1:, {4:), a field tag at a line start (:20:, :25:, :60F:, the :NS: of German
# banks) or the old Rabobank :940: header. Preambles (ABNANL2A / 940 / 0000 01INGB...) precede
# a :20: line and need no rule of their own.
_MT940 = re.compile(r"^[ \t]*(?:\{[14]:|:(?:\d{2}[A-Z]?|NS|940):)", re.MULTILINE)


def detect_format(head: bytes, filename: str = "") -> Detected:
    """``mt940``, ``camt``, ``zip`` or ``xlsx`` for a file starting with ``head`` (its first
    :data:`HEAD_SIZE` bytes, or all of it); :class:`ParseError` for anything else."""
    content = _without_leading(_as_utf8(head[:HEAD_SIZE]))
    if content.startswith(_ZIP):
        return "xlsx" if _is_workbook(content, filename) else "zip"
    if content.startswith(b"<") and _XML.search(content):
        return "camt"
    if _MT940.search(content.decode("latin-1")):
        return "mt940"
    if content.startswith(_OLD_EXCEL):
        raise ParseError(f"{NOT_A_STATEMENT}; this is an old binary Excel file (.xls)")
    raise ParseError(NOT_A_STATEMENT)


def _as_utf8(head: bytes) -> bytes:
    """UTF-16 text (it has a byte-order mark) re-encoded, so the checks below see ASCII."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            usable = len(head[len(bom) :]) // 2 * 2
            return head[len(bom) : len(bom) + usable].decode(codec, errors="replace").encode()
    return head


def _without_leading(head: bytes) -> bytes:
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    return head.lstrip(_LEADING)


def _is_workbook(head: bytes, filename: str) -> bool:
    """An Excel workbook keeps its parts under ``xl/``; writers differ in which part comes first
    (openpyxl puts the whole sheet before ``xl/workbook.xml``), so any ``xl/`` name will do.
    When the first bytes name no part, or only parts every Office file has, the extension
    decides."""
    names = _member_names(head)
    if any(name.startswith(b"xl/") for name in names):
        return True
    if all(name.startswith(_OFFICE_PARTS) for name in names):  # none, or only generic parts
        return filename.lower().endswith((".xlsx", ".xlsm"))
    return False


def _member_names(head: bytes) -> list[bytes]:
    """The file names in the zip's local headers that fit in ``head``."""
    names = []
    position = head.find(_LOCAL_HEADER)
    while position >= 0 and position + 30 <= len(head):
        length = int.from_bytes(head[position + 26 : position + 28], "little")
        names.append(head[position + 30 : position + 30 + length])
        position = head.find(_LOCAL_HEADER, position + 30 + length)
    return names
