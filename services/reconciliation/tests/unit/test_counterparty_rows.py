"""Row checks of the counterparty import, without a database."""

from __future__ import annotations

import json

import pytest
from stdnum.tr import tckimlik, vkn

from reconciliation.counterparties import parse_rows
from reconciliation.domain import identifiers
from shared.errors import PayloadTooLarge, ValidationFailed

VKN = "123456789" + vkn.calc_check_digit("123456789")
TCKN = "100000000" + tckimlik.calc_check_digits("100000000")


@pytest.mark.parametrize(
    ("given", "kind"),
    [("customer", "customer"), ("Musteri", "customer"), ("MÜŞTERİ", "customer"),
     ("supplier", "supplier"), ("Satici", "supplier"), ("satıcı", "supplier")],
)  # fmt: skip
def test_kind_takes_english_and_the_templates_turkish(given: str, kind: str) -> None:
    assert identifiers.kind(given) == kind


def test_kind_refuses_anything_else() -> None:
    with pytest.raises(ValueError, match="customer or supplier"):
        identifiers.kind("bayi")


def test_tax_id_checks_vkn_and_tckn_digits() -> None:
    assert identifiers.tax_id(f" {VKN[:3]} {VKN[3:]} ") == VKN
    assert identifiers.tax_id(TCKN) == TCKN
    assert identifiers.tax_id("") == ""
    wrong = VKN[:-1] + str((int(VKN[-1]) + 1) % 10)
    with pytest.raises(ValueError, match="not a valid VKN: a check digit is wrong"):
        identifiers.tax_id(wrong)
    with pytest.raises(ValueError, match="not a valid TCKN"):
        identifiers.tax_id("0" + TCKN[1:])  # a TCKN never starts with 0
    with pytest.raises(ValueError, match="digits only"):
        identifiers.tax_id("12345678AB")
    with pytest.raises(ValueError, match="has 12 digits"):
        identifiers.tax_id("123456789012")


def test_iban_is_checked_and_normalised() -> None:
    assert identifiers.iban("tr33 0006 1005 1978 6457 8413 26") == "TR330006100519786457841326"
    with pytest.raises(ValueError, match="not a valid IBAN"):
        identifiers.iban("TR33 0006 1005 1978 6457 8413 27")


def test_email_syntax_only() -> None:
    assert identifiers.email(" Ali@ORNEK.com.tr ") == "Ali@ornek.com.tr"
    assert identifiers.email("") == ""
    with pytest.raises(ValueError, match="not a valid e-mail"):
        identifiers.email("ali@")


def test_rows_take_numbers_as_text_and_null_as_absent() -> None:
    body = [{"code": 120, "title": " Örnek ", "tax_id": int(VKN), "postal_code": 34000,
             "email": None, "active": 0, "ibans": None}]  # fmt: skip
    [counterparty] = parse_rows(json.dumps(body).encode())
    assert (counterparty.code, counterparty.title, counterparty.tax_id) == ("120", "Örnek", VKN)
    assert (counterparty.postal_code, counterparty.email, counterparty.active) == (
        "34000",
        "",
        False,
    )
    assert counterparty.ibans == [] and counterparty.kind == "customer"


def test_every_bad_row_is_reported_with_totals() -> None:
    body = json.dumps([{"code": str(n)} for n in range(1, 1201)]).encode()
    with pytest.raises(ValidationFailed) as refused:
        parse_rows(body)
    extra = refused.value.extra
    assert (extra["error_count"], extra["rows_refused"]) == (1200, 1200)
    assert len(extra["errors"]) == 1000  # the listing is capped; the counts are not
    assert "1200 of 1200 rows" in refused.value.detail


def test_long_values_are_cut_in_the_report() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_rows(json.dumps([{"code": "1", "title": "x" * 300}]).encode())
    [error] = refused.value.extra["errors"]
    assert error["field"] == "title" and len(error["value"]) == 201


def test_too_many_rows_are_refused_before_any_check() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_rows(b"[" + b",".join([b"1"] * 50_001) + b"]")
