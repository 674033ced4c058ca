"""Excel bank exports (written with openpyxl, read with python-calamine) through a column mapping."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from bank_ingest.domain import tabular
from bank_ingest.domain.statement import ParseError, Statement, collect
from bank_ingest.domain.tabular import ColumnMapping, parse_tabular

ACCOUNT = "TR330006100519786457841326"
TITLE_BLOCK: list[list[Any]] = [
    ["XYZ BANKASI A.Ş."],
    ["Hesap Hareketleri", "01.01.2024 - 31.01.2024"],
    ["IBAN", "TR33 0006 1005 1978 6457 8413 26"],
    [],
]
HEADER: list[Any] = ["İşlem Tarihi", "Valör", "Açıklama", "Borç", "Alacak", "Bakiye"]
MAPPING: dict[str, Any] = {
    "header_row": 5,
    "booking_date": "ISLEM TARIHI",
    "value_date": "valör",
    "description": "Açıklama",
    "debit": "BORÇ",
    "credit": "Alacak",
    "balance": "Bakiye",
}


@pytest.fixture(autouse=True)
def _without_free_text_details(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counterparty extraction from text is another module's job; tests that want it say so."""
    monkeypatch.setattr(tabular, "_details_finder", lambda: None)


def workbook(
    rows: list[Any], *, sheet: str = "Hesap Hareketleri", text: tuple[str, ...] = ()
) -> io.BytesIO:
    """An xlsx whose first sheet holds ``rows`` from A1; cells listed in ``text`` stay text."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = sheet
    for row in rows:
        first.append(row)
    for ref in text:
        first[ref].data_type = "s"
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def parse(stream: io.BytesIO, **fields: Any) -> list[Statement]:
    mapping = ColumnMapping.model_validate({**MAPPING, **fields})
    return collect(parse_tabular(stream, mapping, kind="excel", account=ACCOUNT))


def refused(stream: io.BytesIO, **fields: Any) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(stream, **fields)
    return caught.value


def test_bank_export_with_title_block_date_cells_and_float_cells() -> None:
    rows = [
        *TITLE_BLOCK,
        HEADER,
        [date(2024, 1, 2), date(2024, 1, 3), "EFT GELEN ÖRNEK A.Ş.", None, 100000.0, 100500.0],
        [datetime(2024, 1, 4, 9, 30), None, "KİRA", 1234.56, None, 99265.44],
        ["05.01.2024", "05.01.2024", "MASRAF", "12,50", None, 99252.94],
        [],
        [None, None, "Toplam", 1247.06, 100000.0, None],
    ]
    [statement] = parse(workbook(rows))
    header, movements = statement.header, statement.movements
    assert (header.format, header.account, header.currency, header.line) == (
        "excel",
        ACCOUNT,
        "TRY",
        6,
    )
    assert [m.amount for m in movements] == [
        Decimal("100000"),
        Decimal("-1234.56"),
        Decimal("-12.50"),
    ]
    assert str(movements[1].amount) == "-1234.56"
    assert [m.booking_date for m in movements] == [
        date(2024, 1, 2),
        date(2024, 1, 4),
        date(2024, 1, 5),
    ]
    assert [m.value_date for m in movements] == [
        date(2024, 1, 3),
        date(2024, 1, 4),
        date(2024, 1, 5),
    ]
    assert [m.line for m in movements] == [6, 7, 8]
    assert movements[0].raw == "2024-01-02 | 2024-01-03 | EFT GELEN ÖRNEK A.Ş. |  | 100000 | 100500"
    assert header.opening is not None and header.opening.amount == Decimal("500")
    assert statement.footer.closing is not None
    assert statement.footer.closing.amount == Decimal("99252.94")


def test_turkish_text_cells() -> None:
    rows = [["Tarih", "Tutar"], ["02.01.2024", "1.234.567,89"], ["03.01.2024", "(1.000,00)"]]
    [statement] = parse(
        workbook(rows), header_row=1, booking_date="Tarih", amount="Tutar", **_unmapped()
    )
    assert [m.amount for m in statement.movements] == [Decimal("1234567.89"), Decimal("-1000.00")]


def test_newest_first_with_balance() -> None:
    rows = [
        *TITLE_BLOCK,
        HEADER,
        [date(2024, 1, 9), None, "C", 300.0, None, 1700.0],
        [date(2024, 1, 5), None, "B", None, 1000.5, 2000.0],
        [date(2024, 1, 2), None, "A", 0.5, None, 999.5],
    ]
    [statement] = parse(workbook(rows))
    opening, closing = statement.header.opening, statement.footer.closing
    assert opening is not None and closing is not None
    assert [m.description for m in statement.movements] == ["A", "B", "C"]
    assert (opening.amount, opening.date) == (Decimal("1000"), date(2024, 1, 2))
    assert (closing.amount, closing.date) == (Decimal("1700"), date(2024, 1, 9))
    running, balances = opening.amount, [Decimal("999.5"), Decimal("2000"), Decimal("1700")]
    for movement, balance in zip(statement.movements, balances, strict=True):
        running += movement.amount
        assert running == balance
    assert opening.amount + sum(m.amount for m in statement.movements) == closing.amount


def test_columns_by_letter_keep_absolute_positions() -> None:
    rows = [[], [None, None, "x", "y"], [None, None, date(2024, 1, 2), 42.0]]
    [statement] = parse(workbook(rows), header_row=2, booking_date="C", amount="D", **_unmapped())
    [movement] = statement.movements
    assert (movement.line, movement.amount, movement.booking_date) == (
        3,
        Decimal(42),
        date(2024, 1, 2),
    )


def test_missing_column_names_it_and_the_titles_found() -> None:
    error = refused(workbook([*TITLE_BLOCK, HEADER[:3]]))
    assert "'BORÇ' (debit)" in error.reason and "'Alacak' (credit)" in error.reason
    assert "'İşlem Tarihi', 'Valör', 'Açıklama'" in error.reason
    assert error.line == 5


def test_bad_date_cell_names_row_and_column() -> None:
    rows = [*TITLE_BLOCK, HEADER, [date(2024, 1, 2), None, "A", 1.0], [45292.0, None, "B", 1.0]]
    error = refused(workbook(rows), balance=None)
    assert (error.line, error.field) == (7, "İşlem Tarihi")
    assert "'45292'" in error.reason


def test_bad_amount_cell_names_row_and_column() -> None:
    rows = [*TITLE_BLOCK, HEADER, [date(2024, 1, 2), None, "A", None, True]]
    error = refused(workbook(rows), balance=None)
    assert (error.line, error.field) == (6, "Alacak")


def test_formula_text_stays_text() -> None:
    rows = [["Tarih", "Açıklama", "Tutar"], [date(2024, 1, 2), '=HYPERLINK("http://x","y")', 1.0]]
    [statement] = parse(
        workbook(rows, text=("B2",)),
        header_row=1,
        booking_date="Tarih",
        amount="Tutar",
        description="Açıklama",
        **_unmapped(description=False),
    )
    assert statement.movements[0].description == '=HYPERLINK("http://x","y")'


def test_sheet_by_name() -> None:
    rows = [["Tarih", "Tutar"], [date(2024, 1, 2), 5.0]]
    fields = {"header_row": 1, "booking_date": "Tarih", "amount": "Tutar", **_unmapped()}
    [statement] = parse(workbook(rows, sheet="Ekstre"), sheet="EKSTRE", **fields)
    assert statement.movements[0].amount == 5
    error = refused(workbook(rows, sheet="Ekstre"), sheet="Özet", **fields)
    assert "'Özet'" in error.reason and "'Ekstre'" in error.reason


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"Tarih;Tutar\n02.01.2024;5\n", "CSV"),
        (b"%PDF-1.4 ...", "PDF"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "HTML"),
        (bytes(range(256)) * 4, "xlsx"),
        (b"", "xlsx"),
    ],
)
def test_not_an_excel_file(data: bytes, hint: str) -> None:
    error = refused(io.BytesIO(data))
    assert error.reason.startswith("not an Excel file")
    assert hint in error.reason


def test_a_zip_that_is_not_a_workbook() -> None:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("statement.txt", "hello")
    stream.seek(0)
    assert "not an Excel file" in refused(stream).reason


def test_a_zip_bomb_is_refused_before_calamine_inflates_it() -> None:
    stream = workbook([*TITLE_BLOCK, HEADER])
    stream.seek(0, io.SEEK_END)
    with zipfile.ZipFile(stream, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/image1.png", bytes(4 << 20))
    stream.seek(0)
    assert "zip bomb" in refused(stream).reason


def test_the_header_row_past_the_end() -> None:
    error = refused(workbook([["Tarih"]]), header_row=5)
    assert "row 5" in error.reason


def _unmapped(*, description: bool = True) -> dict[str, Any]:
    """MAPPING's fields this test's sheet lacks, switched off."""
    fields: dict[str, Any] = {"value_date": None, "balance": None, "debit": None, "credit": None}
    if description:
        fields["description"] = ()
    return fields
