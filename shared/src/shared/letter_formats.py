"""Amounts, dates and sides as a reconciliation letter shows them — in the e-mail (notifier) and
on the counterparty's page (portal) alike — and amounts as people type them.

Turkish is what the counterparty's accountant reads every day: ``1.234,56 TL``, ``31.12.2025``,
``Ocak 2025``. English letters go abroad, so they use the ISO currency code (``1,234.56 TRY``) and
a date no reader can take for month/day (``31 Dec 2025``). Month names are spelled out here, not
taken from the process locale, so a letter reads the same on every machine. Floats are refused:
they cannot hold an amount exactly.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

Language = Literal["tr", "en"]
Side = Literal["debit", "credit", "zero"]

_CENT = Decimal("0.01")
_TR_MARKS = str.maketrans(",.", ".,")
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
_SIDES: dict[Language, dict[str, str]] = {
    "tr": {"debit": "Borç", "credit": "Alacak", "zero": "Bakiye yok"},
    "en": {"debit": "Debit", "credit": "Credit", "zero": "No balance"},
}


def money(amount: Decimal | int, currency: str = "TRY", *, language: Language = "tr") -> str:
    """``1234.567`` → ``1.234,57 TL`` (tr) or ``1,234.57 TRY`` (en); two decimals, half up."""
    return f"{figures(amount, language=language)} {currency_label(currency, language=language)}"


def figures(amount: Decimal | int, *, language: Language = "tr") -> str:
    """The number alone: ``1.234,56`` (tr) or ``1,234.56`` (en)."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"an amount must be a Decimal, not {type(amount).__name__}")
    cents = Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)
    if cents == 0:
        cents = abs(cents)  # no "-0,00" for a tiny negative amount
    text = format(cents, ",.2f")
    return text.translate(_TR_MARKS) if language == "tr" else text


def currency_label(currency: str, *, language: Language = "tr") -> str:
    """Turkish calls the lira ``TL``; other currencies, and English, keep the ISO code."""
    return "TL" if language == "tr" and currency == "TRY" else currency


def day(value: date, *, language: Language = "tr") -> str:
    """``31.12.2025`` (tr) or ``31 Dec 2025`` (en)."""
    if language == "tr":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS['en'][value.month - 1][:3]} {value.year}"


def moment(value: datetime, zone: tzinfo, *, language: Language = "tr") -> str:
    """A time in the business calendar: ``15.01.2026 14:32`` (tr), ``15 Jan 2026 14:32`` (en)."""
    local = value.astimezone(zone)
    return f"{day(local.date(), language=language)} {local:%H:%M}"


def period(value: date, *, language: Language = "tr") -> str:
    """The month of a BA/BS period: ``Ocak 2025`` (tr) or ``January 2025`` (en)."""
    return f"{_MONTHS[language][value.month - 1]} {value.year}"


def side(value: str, *, language: Language = "tr") -> str:
    """``Borç`` (the counterparty owes the sender), ``Alacak`` (the sender owes them), or none."""
    return _SIDES[language][value]


class AmountError(ValueError):
    """The text is not an amount; the message says why, in English (the page has its own words)."""


_AMOUNT = re.compile(r"[+-]?[0-9.,]+")
_LEADING_GROUP = re.compile(r"[1-9][0-9]{0,2}")
_MAX = Decimal("1e15")


def parse_amount(text: str) -> Decimal:
    """An amount as a Turkish or an English user types it: ``1.234,56``, ``1234,56``,
    ``1,234.56``, ``1234.56``, ``-12,5``.

    With both separators the last one is the decimal mark. With one kind only, a single mark
    followed by exactly three digits groups thousands (``1.234`` is 1234: an amount has at most
    two decimals), otherwise it is the decimal mark; several of one kind group thousands."""
    raw = text.strip().replace(" ", "").replace("\u00a0", "")
    if not _AMOUNT.fullmatch(raw) or not any(c.isdigit() for c in raw):
        raise AmountError("not a number")
    sign = "-" if raw.startswith("-") else ""
    raw = raw.lstrip("+-")
    whole, decimals = _split(raw)
    if len(decimals) > 2:
        raise AmountError("at most two decimals")
    try:
        value = Decimal(f"{sign}{whole or '0'}.{decimals or '0'}")
    except InvalidOperation as exc:
        raise AmountError("not a number") from exc
    if abs(value) >= _MAX:
        raise AmountError("too large")
    return value.quantize(_CENT)


def _split(raw: str) -> tuple[str, str]:
    """(whole digits, decimal digits) of an unsigned amount; separators checked."""
    marks = [c for c in raw if c in ".,"]
    if not marks:
        return raw, ""
    decimal_mark = marks[-1]
    if len(set(marks)) == 1:
        whole, _, last = raw.rpartition(decimal_mark)
        if len(marks) > 1 or (len(last) == 3 and _LEADING_GROUP.fullmatch(whole)):
            return _ungroup(raw, decimal_mark), ""
        return _digits(whole), _digits(last)
    if marks.count(decimal_mark) != 1:
        raise AmountError("the decimal mark appears more than once")
    whole, _, decimals = raw.partition(decimal_mark)
    group_mark = "," if decimal_mark == "." else "."
    return _ungroup(whole, group_mark), _digits(decimals)


def _ungroup(text: str, mark: str) -> str:
    if not re.fullmatch(rf"[1-9][0-9]{{0,2}}(?:\{mark}[0-9]{{3}})*", text):
        raise AmountError("thousands must be grouped by three")
    return text.replace(mark, "")


def _digits(text: str) -> str:
    if not text.isdigit():
        raise AmountError("not a number")
    return text
