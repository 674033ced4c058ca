"""Amount cells (Tutar, YerelTutar, Matrah) to ``Decimal``: never a float on the way out.

Amounts come out in one form per value (``1234.5``, not ``1234.50``; ``1500``, not ``1.5E+3``;
never ``-0``), so equal amounts print alike."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal

from .cells import REQUIRED, Convert

NOT_AN_AMOUNT = "must be a number like 1234.56 or 1.234,56"
TOO_MANY_DECIMALS = "has more than 4 decimals"
TOO_LARGE = "is too large: at most 18 digits before the decimal point"
DECIMALS = 4
LIMIT = Decimal(10) ** 18
"""The stored amounts are NUMERIC(22, 4)."""

_ZERO = Decimal(0)
_ONE = Decimal(1)
_QUANTUM = _ONE.scaleb(-DECIMALS)
_PLAIN = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
_TURKISH_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+", re.ASCII)
_TURKISH_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){2,}", re.ASCII)
_FIVE_DECIMALS = re.compile(r"\.\d{5}", re.ASCII)


def parse_amount(value: object) -> Decimal | None:
    """A numeric cell, or text ``1234.56``/``-1234.56`` or Turkish ``1.234,56``/``-1.234,56`` (a
    comma makes it Turkish: its dots group thousands; so do two or more dots, ``1.234.567``). At most
    4 decimals. None when empty."""
    if type(value) is float:
        return _of_float(value)
    if type(value) is int:
        return _bounded(Decimal(value))
    if type(value) is str:
        return _of_text(value.strip())
    if type(value) is Decimal and value.is_finite():
        return _canonical(_at_most_4_decimals(_bounded(value)))
    if value is None:
        return None
    raise ValueError(NOT_AN_AMOUNT)


def _of_float(number: float) -> Decimal:
    if not math.isfinite(number):
        raise ValueError(NOT_AN_AMOUNT)
    if abs(number) >= 1e18:
        raise ValueError(TOO_LARGE)
    if number.is_integer():
        return Decimal(int(number))
    written = repr(number)
    if "e" not in written and len(written) - written.index(".") <= DECIMALS + 1:
        return Decimal(written)
    # Excel holds 15 significant digits; what repr shows beyond them is binary noise of a sum
    # (0.1 + 0.2 is 0.30000000000000004), not a digit anyone typed.
    return _canonical(_at_most_4_decimals(Decimal(format(number, ".15g"))))


def _of_text(text: str) -> Decimal | None:
    if not text:
        return None
    if "," in text:
        if not _TURKISH_COMMA.fullmatch(text):
            raise ValueError(NOT_AN_AMOUNT)
        text = text.replace(".", "").replace(",", ".")
    elif _TURKISH_THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    elif not _PLAIN.fullmatch(text):
        raise ValueError(NOT_AN_AMOUNT)
    return _canonical(_at_most_4_decimals(_bounded(Decimal(text))))


def _at_most_4_decimals(amount: Decimal) -> Decimal:
    if amount.as_tuple().exponent < -DECIMALS:  # type: ignore[operator]  # int when finite
        shortened = amount.quantize(_QUANTUM)
        if shortened != amount:
            raise ValueError(TOO_MANY_DECIMALS)
        return shortened  # 1.50000 is 1.5
    return amount


def _bounded(amount: Decimal) -> Decimal:
    if not -LIMIT < amount < LIMIT:
        raise ValueError(TOO_LARGE)
    return amount


def _canonical(amount: Decimal) -> Decimal:
    if not amount:
        return _ZERO
    amount = amount.normalize()  # strips trailing zeros, and may write 1500 as 1.5E+3
    return amount.quantize(_ONE) if amount.as_tuple().exponent > 0 else amount  # type: ignore[operator]


def decimals(numbers: Sequence[int | float]) -> list[Decimal] | None:
    """Many ``int``/``float`` cells at once, as :func:`parse_amount` would give them, or None when
    one of them needs a closer look (over 4 decimals, too large, inf/nan, -0.0): then take them one
    by one. The common case stays in C: one ``repr`` each, a few scans of them all, one ``Decimal``
    each."""
    if not numbers:
        return []
    written = "\n".join(map(repr, numbers))
    if (
        "e" in written  # 1e+16, 1e-05; and inf and nan, with the next
        or "n" in written
        or _FIVE_DECIMALS.search(written)
        or "\n-0.0\n" in f"\n{written}\n"
        or not -LIMIT < max(numbers) < LIMIT
        or not -LIMIT < min(numbers) < LIMIT
    ):
        return None
    # repr writes an integral float as 1500.0; the canonical form is 1500
    texts = (written + "\n").replace(".0\n", "\n").split("\n")
    texts.pop()
    return list(map(Decimal, texts))


def amount_cell(*, required: bool = False) -> Convert:
    """An amount (see :func:`parse_amount`), refused when empty if ``required``."""

    def convert(value: object) -> Decimal | None:
        found = parse_amount(value)
        if found is None and required:
            raise ValueError(REQUIRED)
        return found

    return convert
