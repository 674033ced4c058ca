"""How large a grid python-calamine would allocate for an xlsx workbook, told before it reads it.

calamine holds a sheet as a dense grid from A1 (well, from its first used cell) to its last used
cell: a 5 KB workbook with values in ``A1`` and ``XFD1048576`` asks for 17 billion cells (550 GB),
and Rust aborts the whole process, not with an exception. Measured (python-calamine 0.x): the grid
is sized by the cells that hold a value, at their ``r`` reference (the last ``r`` when repeated;
lower case and leading zeros accepted), or, for a cell without one, one column right of the cell
before it in its row, in the row given by the row's ``r`` or one below the row before. The
``<dimension>`` element, empty ``<c/>`` cells and rows without cells do not count.

:func:`check_grid` streams every part of the zip through two regular expressions: a workbook whose
every cell is written as Excel and openpyxl write it (``<c r="REF" …>``, ``r`` first and once) with
its reference inside :data:`BOX_COLUMNS` x :data:`BOX_ROWS` (legitimate imports: ≤ 30 columns, a
few hundred thousand rows) is within the cap without a cell being looked at in Python (≈ 0.3 s for
100,000 rows of 16 columns, 83 MB of XML). Anything else (a reference beyond the box, a cell
without ``r`` or with two, other quoting or spacing, a namespace prefix) is read again, tag by
tag, for the exact extent. ODS is not scanned: calamine refuses an ODS sheet over 100 million cells by itself, with an
error, and its repeated cells are the only way to ask for many.
"""

from __future__ import annotations

import re
import zipfile

from shared.archive import ArchiveError

MAX_CELLS = 25_000_000
"""At ~32 bytes a cell, calamine's grid of the largest accepted sheet takes ~800 MB; the largest
legitimate import (30 columns x 300,000 rows) is 9 million cells."""
BOX_COLUMNS = 52  # A..AZ: a reference with two letters from BA, or three, is beyond the box
BOX_ROWS = 479_999  # a reference to row 480,000 or more is beyond the box
assert BOX_COLUMNS * BOX_ROWS <= MAX_CELLS

_CHUNK = 4 << 20
_MAX_TAG = 1 << 20
# A cell start tag not in the form Excel and openpyxl write: `<c r="REF"` first, REF inside the
# box, then only attributes not named r (a repeated r counts, the last one), then `>` or `/>`.
# The literal `<c` start lets the regex engine jump from cell to cell without Python.
_NOT_PLAIN_CELL = re.compile(
    rb'<c(?:[\t\n\r>]| (?!r="(?:[A-Z]|A[A-Z])(?:[1-9]\d{0,4}|[1-3]\d{5}|4[0-7]\d{4})"'
    rb'(?: [a-qs-z][a-z]?="[^"<>]*")*/?>))'
)
# A tag with a namespace prefix (`<x:c `): calamine reads those as cells too.
_PREFIXED = re.compile(rb":(?:c|row)[\s>/]")
_TAG = re.compile(rb"""<(?:[^\s<>/!?]+:)?(c|row)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_R = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"\s*([A-Za-z]*)(\d*)\s*$")


class GridTooLarge(ArchiveError):
    """The sheet spans more cells than calamine may be asked to hold."""


def check_grid(archive: zipfile.ZipFile, *, max_cells: int = MAX_CELLS) -> None:
    """Refuse a workbook any of whose parts would make calamine allocate over ``max_cells``.

    Every member is scanned, not only ``xl/worksheets/``: the workbook's relationships may put a
    sheet anywhere."""
    for member in archive.infolist():
        if member.is_dir() or member.file_size == 0:
            continue
        if not _fast_scan(archive, member):
            rows, columns = _exact_extent(archive, member)
            if rows * columns > max_cells:
                raise GridTooLarge(
                    f"the sheet spans A1:{_column_name(columns)}{rows} ({rows * columns:,} cells); "
                    f"at most {max_cells:,} are read ({member.filename!r})"
                )


def _chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo):  # -> Iterator[bytes]
    """The member in pieces that each end before a ``<``, so no tag is split between two."""
    tail = b""
    try:
        with archive.open(member) as source:
            while data := source.read(_CHUNK):
                buffer = tail + data
                cut = max(buffer.rfind(b"<"), 0)
                buffer, tail = buffer[:cut], buffer[cut:]
                if len(tail) > _MAX_TAG:
                    raise ArchiveError(f"{member.filename!r} holds an XML tag over 1 MB; refused")
                yield buffer
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
        raise ArchiveError(f"{member.filename!r} cannot be read from the zip: {exc}") from exc
    yield tail


def _fast_scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """True when every cell is placed by its own r="…" inside the box (rows then do not matter:
    a cell's reference names its row)."""
    return not any(
        _NOT_PLAIN_CELL.search(c) or _PREFIXED.search(c) for c in _chunks(archive, member)
    )


def _exact_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """(last row, last column), 1-based, of the cells with content, placed as calamine places
    them; (0, 0) when none has. A cell counts unless it is self-closing (``<c r="B2"/>``)."""
    last_row = last_column = 0
    row = column = 0  # the current row, and the column of the row's last cell, 1-based
    for chunk in _chunks(archive, member):
        for match in _TAG.finditer(chunk):
            name, attributes = match.groups()
            given = _last_r(attributes)
            if name == b"row":
                row = _number(given) if given and given.isdigit() else row + 1
                column = 0
                continue
            cell_row, cell_column = row, column + 1
            if given is not None and (ref := _REF.match(given)):
                letters, digits = ref.groups()
                if letters:
                    cell_column = _column_number(letters)
                if digits:
                    cell_row = _number(digits)
            column = cell_column
            if not attributes.rstrip().endswith(b"/"):
                last_row, last_column = max(last_row, cell_row), max(last_column, cell_column)
    return last_row, last_column


def _last_r(attributes: bytes) -> bytes | None:
    found = _R.findall(b" " + attributes)
    if not found:
        return None
    double, single = found[-1]
    return double or single


def _number(digits: bytes) -> int:
    return int(digits.lstrip(b"0")[:12] or b"0")  # 12 digits are beyond any cap already


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper()[:8]:  # more letters than 8 are beyond any cap anyway
        number = number * 26 + letter - 64
    return number


def _column_name(number: int) -> str:
    name = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name or "A"
