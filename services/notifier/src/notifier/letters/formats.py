"""Amounts, dates and words as a letter shows them, in Turkish or English.

Turkish is what the counterparty's accountant reads every day: ``1.234,56 TL``, ``31.12.2025``,
``Ocak 2025``. English letters go abroad, so they use the ISO currency code (``1,234.56 TRY``) and
a date no reader can take for month/day (``31 Dec 2025``). Month names are spelled out here, not
taken from the process locale, so a letter reads the same on every machine.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Language = Literal["tr", "en"]
Side = Literal["debit", "credit", "zero"]

_CENT = Decimal("0.01")
_MONTHS: dict[Language, tuple[str, ...]] = {
    "tr": (
        "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran",
        "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_SIDES: dict[Language, dict[Side, str]] = {
    "tr": {"debit": "Borç", "credit": "Alacak", "zero": "Bakiye yok"},
    "en": {"debit": "Debit", "credit": "Credit", "zero": "No balance"},
}


def money(amount: Decimal | int, currency: str = "TRY", *, language: Language = "tr") -> str:
    """``1234.567`` → ``1.234,57 TL`` (tr) or ``1,234.57 TRY`` (en).

    Always two decimals, rounded half up (``0.005`` → ``0,01``); a minus sign in front of a
    negative amount; Turkish calls the lira ``TL``, other currencies keep their code. Floats are
    refused: they cannot hold an amount exactly."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"an amount must be a Decimal, not {type(amount).__name__}")
    cents = Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    if cents == 0:
        cents = abs(cents)  # no "-0,00" for a tiny negative amount
    figures = format(cents, ",.2f")  # 1,234.56
    if language == "tr":
        figures = figures.translate(str.maketrans(",.", ".,"))
        currency = "TL" if currency == "TRY" else currency
    return f"{figures} {currency}"


def day(value: date, *, language: Language = "tr") -> str:
    """``31.12.2025`` (tr) or ``31 Dec 2025`` (en)."""
    if language == "tr":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS['en'][value.month - 1][:3]} {value.year}"


def period(value: date, *, language: Language = "tr") -> str:
    """The month of a BA/BS period: ``Ocak 2025`` (tr) or ``January 2025`` (en)."""
    return f"{_MONTHS[language][value.month - 1]} {value.year}"


def side(value: Side, *, language: Language = "tr") -> str:
    """The side of a balance in our books: ``Borç`` (the counterparty owes us), ``Alacak`` (we
    owe the counterparty), or none; ``Debit``/``Credit`` in English."""
    return _SIDES[language][value]
