"""BA/BS rows (Form Ba/Bs documents): the period, the form, the base amount and its sign."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reconciliation.domain.datasets import BABS_COLUMNS, BABS_FIELDS
from reconciliation.domain.rows import BabsChecker, RowError

EXAMPLE = {column.header: column.example for column in BABS_COLUMNS}


def cells(**given: object) -> tuple:
    return tuple({**EXAMPLE, **given}[column.header] for column in BABS_COLUMNS)


def checked(**given: object) -> dict[str, object]:
    good, errors = BabsChecker().check([(2, cells(**given))])
    assert errors == []
    return dict(zip(BABS_FIELDS, good[0][1], strict=True))


def errors_of(**given: object) -> list[tuple[str | None, object, str]]:
    good, errors = BabsChecker().check([(4, cells(**given))])
    assert good == [] and {error.row for error in errors} == {4}
    return [(error.column, error.value, error.reason) for error in errors]


def test_the_templates_example_row_is_good() -> None:
    assert checked() == {
        "control_key": "20250115120010050GIB2025000000123",
        "code": "120.01.005",
        "kind": "customer",
        "period": date(2025, 1, 1),
        "document_date": date(2025, 1, 15),
        "record_date": date(2025, 1, 15),
        "entry_date": date(2025, 1, 16),
        "document_no": "GIB2025000000123",
        "base_amount": Decimal("1046.24"),
        "system_document_no": "57000023461",
        "reverses": None,
        "form": "BS",
    }


@pytest.mark.parametrize("header", [c.header for c in BABS_COLUMNS if c.required])
def test_required_cells_are_required(header: str) -> None:
    assert (header, None, "is required") in errors_of(**{header: None})


@pytest.mark.parametrize(
    ("given", "period"),
    [("2016-01-Ocak", date(2016, 1, 1)), ("2025-02-Şubat", date(2025, 2, 1)),
     ("2025-02-Subat", date(2025, 2, 1)), ("2025-02-ŞUBAT", date(2025, 2, 1)),
     ("2025-8-agustos", date(2025, 8, 1)), (" 2024-12-Aralık ", date(2024, 12, 1)),
     ("2024-05-MAYIS", date(2024, 5, 1)), ("2024-10-Ekim", date(2024, 10, 1))],
)  # fmt: skip
def test_periods(given: str, period: date) -> None:
    assert checked(**{"CariDönem": given})["period"] == period


def test_a_period_naming_another_month() -> None:
    assert errors_of(**{"CariDönem": "2025-02-Ocak"}) == [
        ("CariDönem", "2025-02-Ocak", "says month 02 but names Ocak")
    ]


@pytest.mark.parametrize(
    "given", ["2025-01", "2025-13-Ocak", "2025-00-Ocak", "25-01-Ocak", "2025-01-January",
              "Ocak 2025", "1899-12-Aralık", 202501, "2025/01/Ocak"],
)  # fmt: skip
def test_bad_periods(given: object) -> None:
    reason = "must be a period like 2025-01-Ocak: year, month and the month's Turkish name"
    assert errors_of(**{"CariDönem": given}) == [("CariDönem", given, reason)]


@pytest.mark.parametrize(("given", "form"), [("BA", "BA"), ("bs", "BS"), (" Ba ", "BA")])
def test_forms(given: str, form: str) -> None:
    assert checked(Tip=given)["form"] == form


@pytest.mark.parametrize("given", ["B", "BAS", "Form Ba", 1])
def test_bad_forms(given: object) -> None:
    assert errors_of(Tip=given) == [("Tip", given, "must be BA or BS")]


def test_base_amount_is_an_exact_decimal() -> None:
    assert str(checked(Matrah=1046.24)["base_amount"]) == "1046.24"
    assert str(checked(Matrah="1.046,24")["base_amount"]) == "1046.24"
    assert checked(Matrah=0)["base_amount"] == 0


def test_a_negative_base_amount_only_on_a_reversal() -> None:
    reason = "must not be negative unless the row is a reversal (TersKayit)"
    assert errors_of(Matrah=-5.5) == [("Matrah", -5.5, reason)]
    assert errors_of(Matrah=-5.5, TersKayit="0") == [("Matrah", -5.5, reason)]
    assert checked(Matrah=-5.5, TersKayit="57000000001")["base_amount"] == Decimal("-5.5")
    assert checked(Matrah=5.5, TersKayit="57000000001")["reverses"] == "57000000001"


def test_a_row_cant_reverse_itself() -> None:
    assert errors_of(TersKayit="57000023461", Matrah=-1) == [
        ("TersKayit", "57000023461", "is the row's own SistemEvrakNo: a row can't reverse itself")
    ]


def test_record_date_defaults_to_the_document_date() -> None:
    assert checked(KayitTarih=None)["record_date"] == date(2025, 1, 15)


def test_many_problems_and_duplicates() -> None:
    checker = BabsChecker()
    block = [(2, cells()), (3, cells()), (4, cells(Matrah=1)),
             (5, cells(KontrolKey="X", Tip="BB", Matrah="1,2,3", BelgeTarih="32.01.2025"))]  # fmt: skip
    good, errors = checker.check(block)
    assert [row for row, _ in good] == [2] and checker.duplicates_dropped == 1
    assert errors == [
        RowError(4, "KontrolKey", "20250115120010050GIB2025000000123",
                 "is a duplicate of row 2 with different values"),
        RowError(5, "BelgeTarih", "32.01.2025", "must be a date like 31.12.2025"),
        RowError(5, "Matrah", "1,2,3", "must be a number like 1234.56 or 1.234,56"),
        RowError(5, "Tip", "BB", "must be BA or BS"),
    ]  # fmt: skip
