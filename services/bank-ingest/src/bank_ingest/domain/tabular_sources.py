"""Rows out of an Excel workbook or a CSV file, each with the line number a user would look for.

Excel goes through python-calamine, which returns cached cell values and never evaluates a formula;
xlsx and ods are zips and pass :func:`~.archive.guard_zip` first, at the tighter
:data:`~shared.archive.SPREADSHEET_RATIO` (calamine holds a whole sheet in memory). CSV is decoded by
:func:`~.decoding.text_lines` and split by the csv module; its delimiter is guessed from the header
row when the mapping does not name one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import BinaryIO, Literal, NamedTuple

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, PasswordError

from shared.archive import SPREADSHEET_RATIO, ArchiveError
from shared.spreadsheet import check_grid

from .archive import guard_zip
from .decoding import text_lines
from .statement import ParseError
from .tabular_cells import Cell
from .text import fold

DELIMITERS = (";", ",", "\t", "|")
_SNIFF_ROWS = 20
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # xls, and password-protected xlsx


class Record(NamedTuple):
    line: int
    """Excel row, or the CSV line the record starts on (1-based)."""
    cells: Sequence[Cell]
    raw: str | None
    """The CSV text of the record; None for spreadsheets (the cells are joined when needed)."""


def read_records(
    stream: BinaryIO,
    *,
    kind: Literal["excel", "csv"],
    sheet: str | None,
    delimiter: str | None,
    encoding: str,
    header_row: int,
) -> Iterator[Record]:
    """Every row of the sheet or CSV file, the rows above the header included."""
    if kind == "excel":
        return _sheet_records(_open_sheet(stream, sheet))
    return _csv_records(text_lines(stream, encoding), delimiter, header_row)


def _open_sheet(stream: BinaryIO, name: str | None) -> CalamineSheet:
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(_ZIP):
        try:
            with guard_zip(stream, max_ratio=SPREADSHEET_RATIO) as archive:
                check_grid(archive)  # xlsx; an ods is held to 100 million cells by calamine
        except ParseError as exc:
            raise ParseError(f"{exc}; open it in Excel and save it again as .xlsx") from exc
        except ArchiveError as exc:
            raise ParseError(
                f"{exc}; a cell far from the data makes the sheet that large: delete the rows and "
                "columns beyond the data in Excel and save it again as .xlsx"
            ) from exc
        stream.seek(0)
    elif not head.startswith(_OLE):
        raise ParseError(f"not an Excel file (xlsx, xls or ods){_looks_like(head)}")
    try:
        book = CalamineWorkbook.from_filelike(stream)
        return _pick_sheet(book, name)
    except PasswordError as exc:
        raise ParseError("the workbook is password protected; save it without one") from exc
    except CalamineError as exc:
        raise ParseError(f"not an Excel file we can read (xlsx, xls or ods): {exc}") from exc


def _looks_like(head: bytes) -> str:
    start = head.lstrip().lower()
    if start.startswith(b"%pdf"):
        return "; it is a PDF"
    if start.startswith(b"<"):
        return "; it looks like HTML or XML, which some banks save as .xls: export xlsx or CSV"
    if head.isascii() or head.startswith(b"\xef\xbb\xbf"):
        return "; it looks like text: set the connection's format to CSV"
    return ""


def _pick_sheet(book: CalamineWorkbook, name: str | None) -> CalamineSheet:
    names = book.sheet_names
    if not names:
        raise ParseError("the workbook has no sheets")
    if name is None:
        return book.get_sheet_by_index(0)
    wanted = [n for n in names if n == name] or [n for n in names if fold(n) == fold(name)]
    if not wanted:
        found = ", ".join(repr(n) for n in names)
        raise ParseError(f"the workbook has no sheet {name!r}; its sheets are {found}")
    return book.get_sheet_by_name(wanted[0])


def _sheet_records(sheet: CalamineSheet) -> Iterator[Record]:
    # skip_empty_area=False keeps row and column positions absolute: index + 1 is the Excel row.
    for number, cells in enumerate(sheet.to_python(skip_empty_area=False), start=1):
        yield Record(number, cells, None)


def _csv_records(lines: Iterator[str], delimiter: str | None, header_row: int) -> Iterator[Record]:
    head = list(islice(lines, header_row + _SNIFF_ROWS))
    if delimiter is None:
        # A file too short for its header is refused by the caller, with a clearer message.
        delimiter = (
            sniff_delimiter(head[header_row - 1 :], header_row) if len(head) >= header_row else ","
        )
    pending: list[str] = []

    def feed() -> Iterator[str]:
        for line in chain(head, lines):
            pending.append(line)
            yield line + "\n"  # so a quoted field spanning lines keeps its line break

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    number = 0
    try:
        for cells in reader:
            yield Record(number + 1, cells, "\n".join(pending))
            number += len(pending)
            pending.clear()
    except csv.Error as exc:
        raise ParseError(f"CSV: {exc}", line=number + 1) from exc


def sniff_delimiter(lines: Sequence[str], header_row: int) -> str:
    """The candidate that splits the header into the most fields that the rows below repeat."""
    best, best_score = "", (0, 0)
    for candidate in DELIMITERS:
        counts = _field_counts(lines, candidate)
        if not counts or counts[0] < 2:
            continue
        score = (sum(1 for n in counts[1:] if n == counts[0]), counts[0])
        if score > best_score:
            best, best_score = candidate, score
    if not best:
        shown = lines[0][:80] if lines else ""
        raise ParseError(
            f"cannot tell the CSV delimiter from the header row {shown!r}; set `delimiter` in "
            "the column mapping",
            line=header_row,
        )
    return best


def _field_counts(lines: Iterable[str], delimiter: str) -> list[int]:
    try:
        return [len(row) for row in csv.reader(lines, delimiter=delimiter)]
    except csv.Error:
        return []
