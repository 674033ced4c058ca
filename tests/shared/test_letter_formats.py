"""Amounts, dates, periods and sides as the letters show them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.letter_formats import day, money, period, side


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.56"), "TRY", "1.234,56 TL"),
        (Decimal(0), "TRY", "0,00 TL"),
        (0, "TRY", "0,00 TL"),
        (Decimal(-5), "TRY", "-5,00 TL"),
        (Decimal("-1234.56"), "TRY", "-1.234,56 TL"),
        (Decimal("1234567.891"), "TRY", "1.234.567,89 TL"),
        (Decimal("1234.5"), "USD", "1.234,50 USD"),
        (Decimal("999.999"), "EUR", "1.000,00 EUR"),
        (Decimal("0.005"), "TRY", "0,01 TL"),  # half up, not half even
        (Decimal("2.675"), "TRY", "2,68 TL"),  # a float would say 2.67499…
        (Decimal("0.125"), "TRY", "0,13 TL"),
        (Decimal("-0.005"), "TRY", "-0,01 TL"),  # half away from zero
        (Decimal("-0.004"), "TRY", "0,00 TL"),  # never "-0,00"
        (Decimal("1E+3"), "TRY", "1.000,00 TL"),
    ],
)
def test_turkish_money(amount, currency, shown) -> None:
    assert money(amount, currency) == shown


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("1234.56"), "TRY", "1,234.56 TRY"),
        (Decimal("-1234567.891"), "USD", "-1,234,567.89 USD"),
        (Decimal("0.005"), "EUR", "0.01 EUR"),
        (Decimal(0), "TRY", "0.00 TRY"),
    ],
)
def test_english_money(amount, currency, shown) -> None:
    assert money(amount, currency, language="en") == shown


@pytest.mark.parametrize("amount", [1234.56, 0.0, True])
def test_money_refuses_floats_and_booleans(amount) -> None:
    with pytest.raises(TypeError, match="must be a Decimal"):
        money(amount)


def test_dates() -> None:
    assert day(date(2025, 12, 31)) == "31.12.2025"
    assert day(date(2025, 1, 5)) == "05.01.2025"
    assert day(date(2025, 12, 31), language="en") == "31 Dec 2025"
    assert day(date(2025, 1, 5), language="en") == "5 Jan 2025"


def test_periods() -> None:
    assert period(date(2025, 1, 1)) == "Ocak 2025"
    assert [period(date(2025, m, 1)).split()[0] for m in (2, 5, 8, 9, 11, 12)] == [
        "Şubat", "Mayıs", "Ağustos", "Eylül", "Kasım", "Aralık",
    ]  # fmt: skip
    assert period(date(2025, 1, 1), language="en") == "January 2025"
    assert period(date(2024, 12, 1), language="en") == "December 2024"


def test_sides() -> None:
    assert [side(s) for s in ("debit", "credit", "zero")] == ["Borç", "Alacak", "Bakiye yok"]
    assert [side(s, language="en") for s in ("debit", "credit", "zero")] == [
        "Debit", "Credit", "No balance",
    ]  # fmt: skip
