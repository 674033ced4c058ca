"""Reading an uploaded .xlsx import file: the first sheet, in a data set's template layout.

The file is checked before python-calamine sees it: a zip (not an old .xls, a PDF or a CSV), within
the zip-bomb limits of :func:`shared.archive.guard_zip` (at the tighter
:data:`~shared.archive.SPREADSHEET_RATIO`, since calamine holds the sheet whole), an Excel workbook, and no DOCTYPE or
ENTITY in any XML part, and no sheet spanning more cells than
:data:`shared.spreadsheet.MAX_CELLS` (calamine would allocate them all). Then the header row must
be the template's, and the rows below come out in blocks, each cell as calamine gives it except
that an empty cell is None.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import BinaryIO

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from shared.archive import SPREADSHEET_RATIO, ArchiveError, guard_zip, read_member
from shared.spreadsheet import GridTooLarge, check_grid
from shared.text import fold

from .datasets import COLUMNS, Dataset

Cell = str | float | int | bool | date | datetime | time | timedelta | None
Row = tuple[int, tuple[Cell, ...]]
"""The Excel row number as the user sees it, and the cells in the template's column order."""

TITLES: dict[Dataset, str] = {
    Dataset.COUNTERPARTIES: "Cari Kayıtlar",
    Dataset.MOVEMENTS: "Hesap Hareketleri",
    Dataset.BABS: "BA-BS Hareketleri",
}
"""Each data set's name as users know it: its template's sheet name."""

_SAVE_AS = "open it in Excel and save it as .xlsx (Excel Workbook)"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # xls, and password-protected xlsx
_ENCRYPTION_STREAMS = ("EncryptedPackage", "EncryptionInfo", "\x06DataSpaces")
_HEAD = 64 * 1024  # an XML part's root element must start within this (Excel's: in 100 bytes)
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_UTF16 = {
    b"\xff\xfe": "utf-16",
    b"\xfe\xff": "utf-16",
    b"<\x00": "utf-16-le",
    b"\x00<": "utf-16-be",
}


class WorkbookError(ValueError):
    """The file as a whole cannot be read as this data set's template; the message says why in
    words a user acts on."""


def read_rows(
    source: BinaryIO, dataset: Dataset, *, block_size: int = 5000, check_cells: bool = True
) -> Iterator[list[Row]]:
    """Blocks of (excel_row_number, cells) of the first sheet, after the header row was checked.

    The file and its header are checked here, before the first block is asked for. The header is
    the first non-empty row; the rows after it with no non-empty cell in the template's columns
    (blank strings count as empty) are skipped. Each cells tuple has exactly the template's
    columns: cells right of the template's last column, whose header must be empty, are cut off
    unseen. An empty cell is None; every other cell is as calamine gives it: strings unstripped,
    numbers float (whole numbers too), bool, date, datetime, time or timedelta. A formula cell is
    its cached value; an Excel error value (``#N/A``) reads as empty, as calamine gives it.

    ``check_cells=False`` skips counting the sheet's cells before calamine sizes its grid: only
    for a process whose memory is limited (``shared.child_process``), where a sheet too large
    for the limit costs that process and nothing else.
    """
    columns = COLUMNS[dataset]
    sheet = _first_sheet(source, check_cells)
    if sheet.start is None:  # iter_rows() of an empty range would panic
        raise WorkbookError("the first sheet is empty")
    # iter_rows() pads the rows above the used range (so counting from 1 gives Excel's row
    # numbers) but starts at its first used column.
    rows = enumerate(sheet.iter_rows(), start=1)
    for number, header in rows:
        if not _blank(header):
            _check_header(header, dataset, sheet.start[1], number)
            # a header that passed has the template's columns, so no row is narrower
            return _blocks(rows, len(columns), len(header) > len(columns), block_size)
    raise WorkbookError("the first sheet is empty")


def _blocks(
    rows: Iterator[tuple[int, list[Cell]]], width: int, cut: bool, block_size: int
) -> Iterator[list[Row]]:
    # The hot loop: about 2 µs per row, against calamine's 13 µs to parse one.
    block: list[Row] = []
    for number, row in rows:
        if cut:
            del row[width:]
        first = row[0]
        if type(first) is str and (not first or first.isspace()) and _blank(row):
            continue
        if "" in row:
            row = [None if cell == "" else cell for cell in row]
        block.append((number, tuple(row)))
        if len(block) >= block_size:
            yield block
            block = []
    if block:
        yield block


def _blank(row: Sequence[Cell]) -> bool:
    return all(type(cell) is str and (not cell or cell.isspace()) for cell in row)


def _first_sheet(source: BinaryIO, check_cells: bool) -> CalamineSheet:
    source.seek(0)
    _check_container(source, check_cells)
    source.seek(0)
    try:
        book = CalamineWorkbook.from_filelike(source)
        if not book.sheet_names:
            raise WorkbookError("the workbook has no sheets")
        return book.get_sheet_by_index(0)
    except CalamineError as exc:
        raise WorkbookError(f"the workbook cannot be read ({exc}); {_SAVE_AS} again") from exc


def _check_container(source: BinaryIO, check_cells: bool = True) -> None:
    head = source.read(512)
    source.seek(0)
    if not head:
        raise WorkbookError("the file is empty")
    if head.startswith(_OLE):
        raise WorkbookError(_ole_reason(source))
    if not head.startswith(_ZIP):
        raise WorkbookError(_not_xlsx(head))
    try:
        with guard_zip(source, max_ratio=SPREADSHEET_RATIO) as archive:
            _check_parts(archive)
            if check_cells:
                check_grid(archive)
    except GridTooLarge as exc:
        raise WorkbookError(
            f"{exc}; a cell far from the data (a stray value in XFD1048576?) makes the sheet that "
            "large: delete the rows and columns beyond the data in Excel and save it again"
        ) from exc
    except ArchiveError as exc:
        raise WorkbookError(
            f"the .xlsx file cannot be opened safely: {exc}; {_SAVE_AS} again"
        ) from exc


def _not_xlsx(head: bytes) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"%pdf"):
        return "this is a PDF, not an .xlsx file: upload the filled-in template"
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start:
        return f"this is a web page (HTML), not an .xlsx file, whatever its name: {_SAVE_AS}"
    if start.startswith(b"<"):
        return f"this is an XML file, not an .xlsx file: {_SAVE_AS}"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or not any(b < 9 or 13 < b < 32 for b in head):
        return f"this is a text file (CSV?), not an .xlsx file: {_SAVE_AS}"
    return f"this is not an .xlsx file: {_SAVE_AS}"


def _ole_reason(source: BinaryIO) -> str:
    """Why an OLE compound file (Office 97-2003) is refused, told by its first directory sector."""
    header = source.read(512)
    shift, first = int.from_bytes(header[30:32], "little"), int.from_bytes(header[48:52], "little")
    names = b""
    if shift in (9, 12) and first < 0xFFFFFFFA:
        source.seek((first + 1) << shift)
        names = source.read(1 << shift)
    source.seek(0)
    if any(part.encode("utf-16-le") in names for part in _ENCRYPTION_STREAMS):
        return "the workbook is password protected: remove the password in Excel and save it again"
    if "Workbook".encode("utf-16-le") in names or "Book".encode("utf-16-le") in names:
        return f"this is an old Excel 97-2003 workbook (.xls): {_SAVE_AS}"
    return f"this is an old Office 97-2003 file or a password-protected workbook: {_SAVE_AS}"


def _check_parts(archive: zipfile.ZipFile) -> None:
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        kind = (
            "an Excel binary workbook (.xlsb)"
            if "xl/workbook.bin" in names
            else "an OpenDocument file (.ods?)"
            if "content.xml" in names
            else "a zip, but not an Excel workbook"
        )
        raise WorkbookError(f"this is {kind}: {_SAVE_AS}")
    for member in archive.infolist():
        if not member.is_dir():
            _check_xml_start(member.filename, read_member(archive, member, limit=_HEAD))


def _check_xml_start(name: str, head: bytes) -> None:
    """Refuse an XML part with a DOCTYPE (entity expansion: billion laughs, external entities).

    Excel never writes one; quick-xml would not expand entities either, but no parser of ours has
    to be trusted on that. The prolog, where a DOCTYPE must be, has to end within ``_HEAD``."""
    if codec := _UTF16.get(head[:2]):
        head = head.decode(codec, "replace").encode()
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"<"):
        return  # not XML: an image, a vbaProject.bin
    if _DECLARATION.search(head):
        raise WorkbookError(
            f"{name!r} in the workbook declares a DOCTYPE or ENTITY, which Excel never writes; "
            "refused as unsafe (save the file from Excel again, as .xlsx)"
        )
    position = 0
    while match := _PROLOG_ITEM.match(head, position):
        position = match.end()
    if not re.match(rb"\s*<[^!?]", head[position : position + 64]):
        raise WorkbookError(f"{name!r} in the workbook does not start like XML; refused")


def _check_header(header: list[Cell], dataset: Dataset, first_column: int, number: int) -> None:
    found = [_header_text(cell) for cell in header]
    while found and not found[-1]:
        found.pop()
    expected = [column.header for column in COLUMNS[dataset]]
    if [_key(text) for text in found] == [_key(text) for text in expected]:
        return
    problem = _other_template(found, dataset) or _first_mismatch(found, expected, first_column)
    raise WorkbookError(
        f"the header row (row {number}) is not the {TITLES[dataset]} template's: {problem}"
    )


def _first_mismatch(found: list[str], expected: list[str], first_column: int) -> str:
    for index in range(max(len(found), len(expected))):
        letter = column_letter(first_column + index)
        if index >= len(found):
            return f'column {letter} "{expected[index]}" is missing'
        if index >= len(expected):
            return f'column {letter} "{found[index]}" is not in the template'
        if _key(found[index]) != _key(expected[index]):
            shown = f'"{found[index]}"' if found[index] else "empty"
            problem = f'column {letter} is {shown}; the template has "{expected[index]}" there'
            return problem + _belongs(found[index], expected, first_column)
    raise AssertionError("called for a header that differs")


def _belongs(text: str, expected: list[str], first_column: int) -> str:
    keys = [_key(name) for name in expected]
    if not text or _key(text) not in keys:
        return ""
    letter = column_letter(first_column + keys.index(_key(text)))
    return f' ("{text}" belongs in column {letter}: keep the template\'s column order)'


def _other_template(found: list[str], dataset: Dataset) -> str:
    keys = [_key(text) for text in found]
    for other, columns in COLUMNS.items():
        if other is not dataset and keys == [_key(column.header) for column in columns]:
            return f"it is the {TITLES[other]} template; import it as {TITLES[other]}"
    return ""


def _header_text(cell: Cell) -> str:
    return "" if cell is None else str(cell).strip()


def _key(text: str) -> str:
    # CariDonem for CariDönem, HESAPKOD for HesapKod, "Hesap Kod" for HesapKod
    return fold(text).replace(" ", "")


def column_letter(index: int) -> str:
    """Excel's name of the 0-based column ``index``: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
