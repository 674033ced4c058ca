"""Counterparty rows (Cari Kayıtlar) through CounterpartyIn, reported in the template's words."""

from __future__ import annotations

import pytest
from stdnum.tr import vkn

from reconciliation.domain.datasets import COUNTERPARTY_COLUMNS, Dataset
from reconciliation.domain.rows import CounterpartyChecker, RowError, cells_from_json
from reconciliation.schemas import CounterpartyIn

EXAMPLE = {column.header: column.example for column in COUNTERPARTY_COLUMNS}
VKN = "123456789" + vkn.calc_check_digit("123456789")


def cells(**given: object) -> tuple:
    return tuple({**EXAMPLE, **given}[column.header] for column in COUNTERPARTY_COLUMNS)


def checked(**given: object) -> CounterpartyIn:
    good, errors = CounterpartyChecker().check([(2, cells(**given))])
    assert errors == []
    [(row, counterparty)] = good
    assert row == 2
    return counterparty


def errors_of(**given: object) -> list[tuple[str | None, object, str]]:
    good, errors = CounterpartyChecker().check([(6, cells(**given))])
    assert good == [] and {error.row for error in errors} == {6}
    return [(error.column, error.value, error.reason) for error in errors]


def test_the_templates_example_row_is_good_and_keeps_the_models_defaults() -> None:
    counterparty = checked()
    assert (counterparty.code, counterparty.kind, counterparty.tax_id) == (
        "120.01.005", "customer", "4540536920")  # fmt: skip
    assert counterparty.active is True
    assert (counterparty.ibans, counterparty.aliases) == ([], [])


def test_numbers_typed_where_text_belongs() -> None:
    counterparty = checked(HesapKod=120, VergiNo=float(VKN), PostaKod=34000.0, Telefon=2125551234)
    assert (counterparty.code, counterparty.tax_id) == ("120", VKN)
    assert (counterparty.postal_code, counterparty.phone) == ("34000", "2125551234")


def test_a_number_that_lost_digits() -> None:
    assert errors_of(Telefon=1.2345678901234567e16) == [
        ("Telefon", 1.2345678901234568e16,
         "was stored as a number and lost digits; format the column as text (the template does)")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("given", "active"),
    [(1, True), (0, False), ("1", True), (" 0 ", False), (True, True), (False, False),
     (1.0, True), (None, True), ("", True)],
)  # fmt: skip
def test_aktif(given: object, active: bool) -> None:
    assert checked(Aktif=given).active is active


@pytest.mark.parametrize("given", [2, "evet", "true", -1])
def test_bad_aktif(given: object) -> None:
    assert errors_of(Aktif=given) == [("Aktif", given, "must be 1 (active) or 0 (passive)")]


def test_problems_are_listed_in_column_order() -> None:
    assert [column for column, _, _ in errors_of(Aktif="x", HesapKod=None)] == ["HesapKod", "Aktif"]


def test_optional_cells_may_be_empty_and_cari_tip_defaults_to_customer() -> None:
    empty = {c.header: None for c in COUNTERPARTY_COLUMNS if not c.required}
    counterparty = checked(**empty)
    assert (counterparty.kind, counterparty.email, counterparty.tax_id) == ("customer", "", "")


def test_the_models_errors_in_the_templates_words() -> None:
    problems = errors_of(HesapKod="  ", Unvan=None, VergiNo="4540536921", Email="ali@",
                         CariTip="bayi", PostaKod="1" * 21)  # fmt: skip
    assert problems == [
        ("HesapKod", "  ", "is required"),
        ("CariTip", "bayi", "must be customer or supplier (Musteri or Satici)"),
        ("Unvan", None, "is required"),
        ("Email", "ali@", problems[3][2]),
        ("VergiNo", "4540536921", "is not a valid VKN: a check digit is wrong"),
        ("PostaKod", "1" * 21, "is longer than 20 characters"),
    ]
    assert problems[3][2].startswith("is not a valid e-mail address")


def test_a_bad_cell_is_reported_once() -> None:
    assert errors_of(HesapKod=1e16) == [
        ("HesapKod", 1e16,
         "was stored as a number and lost digits; format the column as text (the template does)")
    ]  # fmt: skip


def test_duplicates_by_hesap_kod() -> None:
    checker = CounterpartyChecker()
    good, errors = checker.check([(2, cells()), (3, cells(HesapKod=" 120.01.005 ")),
                                  (4, cells(Unvan="Başka"))])  # fmt: skip
    assert [row for row, _ in good] == [2] and checker.duplicates_dropped == 1
    assert errors == [
        RowError(4, "HesapKod", "120.01.005", "is a duplicate of row 2 with different values")
    ]
    good, errors = checker.check([(5, cells(Unvan="Yine başka"))])
    assert good == [] and errors[0].reason == "is a duplicate of row 2 with different values"


def test_json_counterparties_take_either_naming_and_the_fields_the_template_lacks() -> None:
    items = [
        {"HesapKod": "1", "Unvan": "Bir", "Aktif": 0},
        {"code": "2", "title": "İki", "ibans": ["TR33 0006 1005 1978 6457 8413 26"],
         "aliases": ["2 Ltd"]},
        {"code": "3", "title": "Üç", "ibans": ["TR00"], "Foo": 1},
        "not an object",
    ]  # fmt: skip
    block = [(n, cells_from_json(Dataset.COUNTERPARTIES, item)) for n, item in enumerate(items, 1)]
    good, errors = CounterpartyChecker().check(block)
    assert [(row, c.code, c.active) for row, c in good] == [(1, "1", False), (2, "2", True)]
    assert good[1][1].ibans == ["TR330006100519786457841326"]
    assert good[1][1].aliases == ["2 Ltd"]
    assert [(e.row, e.column, e.value) for e in errors] == [
        (3, None, "Foo"), (3, "ibans.0", "TR00"), (4, None, "not an object")
    ]  # fmt: skip
    assert errors[0].reason == "is not a column of counterparties"
    assert errors[1].reason.startswith("is not a valid IBAN")
    assert errors[2].reason == "must be an object"
