"""Cell readers: Turkish number and date formats, calamine's floats and dates, IBANs, tax numbers."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from stdnum.tr import vkn

from bank_ingest.domain.tabular_cells import (
    AmountReader,
    CellError,
    DateReader,
    cell_text,
    currency_code,
    normalize_account,
    normalize_iban,
    tax_id,
)

TURKISH = AmountReader(",", ".")
DOTTED = AmountReader(".", ",")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("-1.234,56", "-1234.56"),
        ("1.234,56-", "-1234.56"),
        ("(1.234,56)", "-1234.56"),
        ("+1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234.567,8", "1234567.8"),
        ("12", "12"),
        (",50", "0.50"),
        ("  -7,00 ", "-7.00"),
        ("\u22121.000,00", "-1000.00"),
        ("1.000,00 TL", "1000.00"),
        ("₺1.000,00", "1000.00"),
        ("-0,00", "0.00"),
    ],
)
def test_turkish_amount_text(text: str, expected: str) -> None:
    value = TURKISH(text, "TRY")
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("1234.56", "1234.56"), ("1,234.56", "1234.56"), ("-0.5", "-0.5")]
)
def test_dot_decimal_amount_text(text: str, expected: str) -> None:
    assert str(DOTTED(text, "USD")) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1.5",
        "12.34,56",
        "1,234.56",
        "abc",
        "",
        "--5",
        "+-5",
        "(-5)",
        "1 234,56",
        "1.234,56 B",
        "1\n2",
    ],
)
def test_amount_text_that_does_not_fit_the_separators_is_refused(text: str) -> None:
    with pytest.raises(CellError) as caught:
        TURKISH(text, "TRY")
    assert repr(text.strip()) in str(caught.value)


def test_amount_in_another_currency_than_the_row_is_refused() -> None:
    with pytest.raises(CellError, match="currency TRY"):
        TURKISH("100,00 USD", "TRY")
    assert TURKISH("100,00 USD", "USD") == Decimal("100.00")


def test_space_grouping_when_configured() -> None:
    assert AmountReader(",", " ")("1 234 567,89", "TRY") == Decimal("1234567.89")
    assert AmountReader(",", "")("1234567,89", "TRY") == Decimal("1234567.89")
    with pytest.raises(CellError):
        AmountReader(",", "")("1.234,56", "TRY")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1234.56, "1234.56"),
        (100000.0, "100000"),
        (-0.1 - 0.2, "-0.3"),
        (1234.5600000000002, "1234.56"),
        (1e14, "100000000000000"),
        (-0.0, "0"),
        (7, "7"),
    ],
)
def test_numeric_cells_become_exact_decimals(number: float, expected: str) -> None:
    value = TURKISH(number, "TRY")
    assert str(value) == expected


@pytest.mark.parametrize(
    "cell", [1e15, float("nan"), float("inf"), True, date(2024, 1, 1), "9" * 40]
)
def test_implausible_or_non_numeric_amounts_are_refused(cell: object) -> None:
    with pytest.raises(CellError):
        TURKISH(cell, "TRY")  # type: ignore[arg-type]


def test_dates_from_text_real_cells_and_numbers() -> None:
    read = DateReader("%d.%m.%Y")
    assert read("02.01.2024") == date(2024, 1, 2)
    assert read("2.1.2024") == date(2024, 1, 2)
    assert read("02.01.2024 14:35:10") == date(2024, 1, 2)
    assert read(date(2024, 1, 2)) == date(2024, 1, 2)
    assert read(datetime(2024, 1, 2, 23, 59)) == date(2024, 1, 2)
    assert DateReader("%Y%m%d")(20240102.0) == date(2024, 1, 2)
    assert DateReader("%Y-%m-%d")("2024-01-02") == date(2024, 1, 2)


@pytest.mark.parametrize(
    "cell", ["2024-01-02", "31.02.2024", "Toplam", 45292.0, time(10, 0), True, date(1899, 12, 31)]
)
def test_bad_dates_are_refused_naming_the_value(cell: object) -> None:
    with pytest.raises(CellError) as caught:
        DateReader("%d.%m.%Y")(cell)  # type: ignore[arg-type]
    assert cell_text(cell) in str(caught.value)  # type: ignore[arg-type]


def test_date_error_shows_the_format_readably() -> None:
    with pytest.raises(CellError, match="dd.mm.yyyy"):
        DateReader("%d.%m.%Y")("2024/01/02")


def test_cell_text() -> None:
    assert cell_text(None) == ""
    assert cell_text("  x ") == "x"
    assert cell_text(100000.0) == "100000"
    assert cell_text(0.1 + 0.2) == "0.3"
    assert cell_text(date(2024, 1, 2)) == "2024-01-02"
    assert cell_text(False) == "FALSE"


def test_iban_normalised_and_checked() -> None:
    assert normalize_iban(" tr33 0006 1005 1978 6457 8413 26 ") == "TR330006100519786457841326"
    assert normalize_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    for bad in ("TR330006100519786457841327", "TR3300061005197864578413", "TR33-0006", "XX"):
        with pytest.raises(CellError, match="not a valid IBAN"):
            normalize_iban(bad)


def test_account_is_an_iban_when_it_looks_like_one() -> None:
    assert normalize_account("TR33 0006 1005 1978 6457 8413 26") == "TR330006100519786457841326"
    assert normalize_account(" 0067-00763/93984487 ") == "0067-00763/93984487"
    with pytest.raises(CellError):
        normalize_account("TR00 0006 1005 1978 6457 8413 26")


def test_tax_ids() -> None:
    assert tax_id("1234567890") == "1234567890"
    assert tax_id(1234567890.0) == "1234567890"
    assert tax_id("10000000146") == "10000000146"
    leading_zero = "012345678" + vkn.calc_check_digit("012345678")
    assert tax_id(float(leading_zero)) == leading_zero
    for bad in ("1234567891", "12345", "10000000147", "abcdefghij"):
        with pytest.raises(CellError, match="VKN"):
            tax_id(bad)


def test_currency_codes() -> None:
    assert currency_code(" usd ") == "USD"
    assert currency_code("TL") == "TRY"
    assert currency_code("₺") == "TRY"
    with pytest.raises(CellError):
        currency_code("Lira")
