"""shared.spreadsheet: the grid a sheet would make calamine allocate, refused before it reads it.

Every refused shape here aborts the process inside calamine when read (measured in a subprocess:
"memory allocation of 549755813888 bytes failed"); none of them is read here."""

from __future__ import annotations

import io
import zipfile

import pytest

from shared.archive import ArchiveError
from shared.spreadsheet import MAX_CELLS, GridTooLarge, check_grid

FAR = "XFD1048576"


def sheet(data: str) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{data}</worksheet>",
        )
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


V = "<v>1</v>"
HOSTILE = {
    "far-row": f'<sheetData><row r="1"><c r="A1">{V}</c></row>'
    f'<row r="1048576"><c r="{FAR}">{V}</c></row></sheetData>',
    "far-cell-in-row-1": f'<sheetData><row r="1"><c r="A1">{V}</c><c r="{FAR}">{V}</c></row></sheetData>',
    "rows-without-r": f'<sheetData><row><c r="A1">{V}</c></row><row><c r="{FAR}">{V}</c></row></sheetData>',
    "lower-case": f'<sheetData><row r="1"><c r="a1">{V}</c><c r="xfd1048576">{V}</c></row></sheetData>',
    "single-quotes-and-spaces": f"<sheetData><row r='1'><c r = '{FAR}'>{V}</c></row></sheetData>",
    "second-r-wins": f'<sheetData><row r="1"><c r="A1" r="{FAR}">{V}</c></row></sheetData>',
    "r-after-a-gt": f'<sheetData><row r="1"><c t=">" r="{FAR}">{V}</c></row></sheetData>',
    "prefixed": f'<sheetData><x:row xmlns:x="urn:x" r="1"><x:c r="{FAR}">{V}</x:c></x:row></sheetData>',
    "leading-zeros": f'<sheetData><row r="1"><c r="XFD0001048576">{V}</c></row></sheetData>',
    # cells without r sit one column right of the one before: 30 of them in the last row
    "cells-without-r": f'<sheetData><row r="1048576">{"<c><v>1</v></c>" * 30}</row></sheetData>',
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_sheet_whose_grid_is_too_large_is_refused_unread(data: str) -> None:
    with pytest.raises(GridTooLarge, match=r"the sheet spans A1:\w+\d+ \([\d,]+ cells\); at most"):
        check_grid(sheet(data))


def test_the_refusal_names_the_span_and_the_cap() -> None:
    with pytest.raises(GridTooLarge) as refused:
        check_grid(sheet(HOSTILE["far-row"]))
    assert str(refused.value) == (
        f"the sheet spans A1:XFD1048576 (17,179,869,184 cells); at most {MAX_CELLS:,} are read "
        "('xl/worksheets/sheet1.xml')"
    )
    assert isinstance(refused.value, ArchiveError)


ACCEPTED = {
    # calamine sizes by cells with a value: neither <dimension>, empty cells nor empty rows count
    "dimension-only": f'<dimension ref="A1:{FAR}"/><sheetData><row r="1"><c r="A1">{V}</c></row></sheetData>',
    "empty-far-cell": f'<sheetData><row r="1"><c r="A1">{V}</c></row><row r="1048576"><c r="{FAR}"/></row></sheetData>',
    "empty-far-row": f'<sheetData><row r="1"><c r="A1">{V}</c></row><row r="1048576"/></sheetData>',
    # every row of Excel, 16 columns: 16.8 million cells
    "all-rows-16-columns": f'<sheetData><row r="1"><c r="A1">{V}</c></row>'
    f'<row r="1048576"><c r="P1048576">{V}</c></row></sheetData>',
    "column-xfd-in-two-rows": f'<sheetData><row r="2"><c r="XFD2">{V}</c></row></sheetData>',
}


@pytest.mark.parametrize("data", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_sheet_within_the_cap_passes(data: str) -> None:
    check_grid(sheet(data))


def test_an_ordinary_sheet_passes_on_the_fast_path() -> None:
    rows = "".join(
        f'<row r="{n}">'
        + "".join(f'<c r="{c}{n}"><v>{n}</v></c>' for c in "ABCDEFGHIJKLMNOP")
        + "</row>"
        for n in range(1, 2001)
    )
    check_grid(sheet(f"<sheetData>{rows}</sheetData>"))


def test_a_reference_split_between_two_chunks_is_still_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shared.spreadsheet as guard

    monkeypatch.setattr(guard, "_CHUNK", 7)  # every tag crosses a chunk boundary
    with pytest.raises(GridTooLarge):
        check_grid(sheet(HOSTILE["far-row"]))
    check_grid(sheet(ACCEPTED["all-rows-16-columns"]))
