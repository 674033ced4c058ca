"""Format detection goes by content: every fixture, and the awkward beginnings files have."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bank_ingest.domain.detect import HEAD_SIZE, NOT_A_STATEMENT, detect_format
from bank_ingest.domain.statement import ParseError

STATEMENTS = Path(__file__).parents[4] / "tests" / "fixtures" / "statements"
EXPECTED_RESULTS = (".json", ".pydata", ".md", ".yml")
NOT_DETECTED = {
    # Ten lines holding the numbers 1 to 10: wolph's "invalid statement" sample.
    "mt940/wolph-mt940/self-provided/invalid_statement.sta",
}


def _fixtures() -> list[str]:
    return sorted(
        str(path.relative_to(STATEMENTS))
        for path in STATEMENTS.rglob("*")
        if path.is_file() and not path.name.startswith("LICENSE")
        and path.suffix not in EXPECTED_RESULTS and path.name != "SOURCES.md"
    )  # fmt: skip


@pytest.mark.parametrize("relative", _fixtures())
def test_every_fixture_is_detected_by_its_content(relative: str) -> None:
    head = (STATEMENTS / relative).read_bytes()[:HEAD_SIZE]
    if relative in NOT_DETECTED:
        with pytest.raises(ParseError, match=NOT_A_STATEMENT):
            detect_format(head)
        return
    expected = "zip" if relative.endswith(".zip") else relative.split("/")[0]
    assert detect_format(head) == {"camt053": "camt"}.get(expected, expected)


def _workbook(rows: int) -> bytes:
    book = Workbook()
    for number in range(rows):
        book.active.append([number, "açıklama " * 3, number * 1.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("rows", [1, 5000])
def test_an_excel_workbook_is_xlsx_even_when_its_sheet_comes_first(rows: int) -> None:
    """openpyxl writes the whole sheet before xl/workbook.xml; any xl/ part will do."""
    data = _workbook(rows)
    assert detect_format(data[:HEAD_SIZE]) == "xlsx"


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return buffer.getvalue()


def test_a_zip_of_statements_is_a_zip() -> None:
    assert detect_format(_zip(["a.xml", "b.sta"])) == "zip"
    assert detect_format(_zip(["a.xml"]), "ekstre.xlsx") == "zip"


def test_the_name_breaks_a_tie_the_first_bytes_cannot_settle() -> None:
    generic = _zip(["[Content_Types].xml"])
    assert detect_format(generic, "Ekstre.XLSX") == "xlsx"
    assert detect_format(generic, "ekstre.zip") == "zip"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xef\xbb\xbf  \r\n<?xml version='1.0'?><Document/>", "camt"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>", "camt"),
        (b"<camt:Document xmlns:camt='x'>", "camt"),
        ("<?xml version='1.0' encoding='UTF-16'?><Document/>".encode("utf-16"), "camt"),
        (b"\x01{1:F01BANKBEBBAXXX0000000000}{2:O940}{4:\r\n:20:X", "mt940"),
        (b"\x00\x00\r\n:20:STARTUMS\r\n:25:1/2", "mt940"),
        (b":940:\n:20:940S130403\n", "mt940"),
        (b"ABNANL2A\n940\nABNANL2A\n:20:ABN AMRO BANK NV\n", "mt940"),
        (b"0000 01INGBNL2AXXXX00001\n940 00\n:20:P140220000000001\n", "mt940"),
        (b":60F:C140829EUR000000000147,64\n", "mt940"),
        (b"PK\x05\x06" + bytes(18), "zip"),
    ],
)
def test_awkward_beginnings(head: bytes, expected: str) -> None:
    assert detect_format(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"   \r\n",
        b"Tarih;Aciklama;Tutar\n01.03.2024;EFT;100,00\n",  # CSV: never guessed
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"<html><body>Oturum sona erdi</body></html>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"1\n2\n3\n",
    ],
)
def test_anything_else_is_not_a_statement(head: bytes) -> None:
    with pytest.raises(ParseError, match=NOT_A_STATEMENT):
        detect_format(head, "ekstre.csv")


def test_an_old_binary_excel_file_is_named_as_such() -> None:
    with pytest.raises(ParseError, match=r"old binary Excel file \(.xls\)"):
        detect_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "ekstre.xls")
