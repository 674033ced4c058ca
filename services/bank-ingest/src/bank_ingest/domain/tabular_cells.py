"""Spreadsheet and CSV cells to values: dates, amounts, IBANs, tax numbers, currencies.

Cells arrive as text (CSV, text cells) or as python-calamine read them: a float for every number,
whole ones too (``100000.0``), ``date``/``datetime`` for date cells, bools, times. Each reader takes
either and raises :class:`CellError` naming the value; the parser adds the row and the column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from stdnum.tr import tckimlik, vkn

Cell = str | float | int | bool | date | datetime | time | timedelta | None

MAX_AMOUNT = Decimal(10) ** 15
_YEARS = range(1950, 2100)
_CURRENCY_ALIASES = {"TL": "TRY", "YTL": "TRY", "₺": "TRY", "$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY = re.compile(r"[A-Z]{3}")
_MARKED = re.compile(
    r"(?P<pre>[A-Z]{2,3}|[₺$€£])?\s*(?P<body>.*?)\s*(?P<post>[A-Z]{2,3}|[₺$€£])?", re.S
)
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_IBAN_START = re.compile(r"[A-Z]{2}\d{2}")
_READABLE_DIRECTIVES = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy", "%H": "HH", "%M": "MM"}


class CellError(ValueError):
    """A cell that does not hold what its column promises."""


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and (not cell or cell.isspace()))


def cell_text(cell: Cell) -> str:
    """The cell as a user reads it: floats without binary noise, dates in ISO form."""
    if isinstance(cell, str):
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return f"{_from_float(cell):f}"
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


def _from_float(value: float) -> Decimal:
    # Excel keeps 15 significant digits; reading to 15 drops binary noise (0.1 + 0.2 → 0.3).
    return Decimal(format(value, ".15g"))


def readable_format(date_format: str) -> str:
    """``%d.%m.%Y`` → ``dd.mm.yyyy``, for messages."""
    for directive, word in _READABLE_DIRECTIVES.items():
        date_format = date_format.replace(directive, word)
    return date_format


class DateReader:
    """Reads date cells, and text in ``date_format`` (a trailing time of day is ignored)."""

    def __init__(self, date_format: str) -> None:
        self._format = date_format
        self._seen: dict[str, date] = {}  # statements repeat each day many times

    def __call__(self, cell: Cell) -> date:
        if isinstance(cell, datetime):
            return self._plausible(cell.date(), cell)
        if isinstance(cell, date):
            return self._plausible(cell, cell)
        if isinstance(cell, bool) or not isinstance(cell, str | int | float):
            raise CellError(f"{cell_text(cell)!r} is not a date")
        text = cell_text(cell)
        found = self._seen.get(text)
        if found is None:
            found = self._seen[text] = self._plausible(self._parse(text), text)
        return found

    def _parse(self, text: str) -> date:
        for candidate in (text, _TIME_SUFFIX.sub("", text)):
            try:
                return datetime.strptime(candidate, self._format).date()
            except ValueError:
                continue
        raise CellError(f"{text!r} is not a date like {readable_format(self._format)}")

    @staticmethod
    def _plausible(value: date, cell: Cell) -> date:
        if value.year not in _YEARS:
            raise CellError(f"{cell_text(cell)!r} is not a plausible statement date")
        return value


class AmountReader:
    """Reads amounts: numeric cells, or text such as ``1.234,56``, ``-1.234,56``, ``1.234,56-``,
    ``(1.234,56)`` and ``1.234,56 TL`` in the configured separators."""

    def __init__(self, decimal_separator: str, thousands_separator: str) -> None:
        dec = re.escape(decimal_separator)
        integer = r"\d+"
        if thousands_separator:
            integer = rf"\d{{1,3}}(?:{re.escape(thousands_separator)}\d{{3}})+|\d+"
        self._number = re.compile(rf"(-?)(?:({integer})(?:{dec}(\d+))?|{dec}(\d+))")
        self._thousands = thousands_separator
        grouped = f"1{thousands_separator}234{decimal_separator}56"
        self._example = f"{grouped} or -{grouped}"

    def __call__(self, cell: Cell, currency: str) -> Decimal:
        if isinstance(cell, str):
            value = self._text(cell, currency)
        elif isinstance(cell, float):
            value = _from_float(cell)  # below MAX_AMOUNT, never in exponent form
        elif isinstance(cell, int) and not isinstance(cell, bool):
            value = Decimal(cell)
        else:
            raise CellError(f"{cell_text(cell)!r} is not an amount")
        if not value.is_finite() or abs(value) >= MAX_AMOUNT:
            raise CellError(f"{cell_text(cell)!r} is not a plausible amount")
        return value + 0  # turns -0 into 0

    def _text(self, text: str, currency: str) -> Decimal:
        number = self._number.fullmatch(text)  # the common case: a bare number, no sign or mark
        if number is None:
            number = self._marked(text, currency)
        minus, integer, fraction, bare = number.groups()
        if bare is not None:
            integer, fraction = "0", bare
        if self._thousands:
            integer = integer.replace(self._thousands, "")
        return Decimal(f"{minus}{integer}.{fraction}" if fraction else f"{minus}{integer}")

    def _marked(self, text: str, currency: str) -> re.Match[str]:
        marked = _MARKED.fullmatch(text.replace("\u2212", "-").replace("\xa0", " ").strip().upper())
        assert marked is not None  # every part of the pattern is optional
        mark = marked["pre"] or marked["post"]
        if mark and _CURRENCY_ALIASES.get(mark, mark) != currency:
            raise CellError(f"{text.strip()!r} is not in the row's currency {currency}")
        body, negative = _unsigned(marked["body"])
        number = self._number.fullmatch(f"-{body}" if negative else body)
        if number is None or body.startswith("-"):  # two signs
            raise CellError(f"{text.strip()!r} is not an amount like {self._example}")
        return number


def _unsigned(body: str) -> tuple[str, bool]:
    """The number without its sign: ``-x``, ``+x``, ``x-`` or ``(x)``."""
    if body.startswith("(") and body.endswith(")"):
        return body[1:-1].strip(), True
    if body.endswith("-"):
        return body[:-1].rstrip(), True
    if body[:1] in ("-", "+"):
        return body[1:].lstrip(), body[0] == "-"
    return body, False


def currency_code(text: str) -> str:
    """An ISO 4217 code, upper case; ``TL``/``₺`` read as TRY."""
    code = text.strip().upper()
    code = _CURRENCY_ALIASES.get(code, code)
    if not _CURRENCY.fullmatch(code):
        raise CellError(f"{text.strip()!r} is not an ISO currency code such as TRY")
    return code


def is_iban_shaped(text: str) -> bool:
    """Starts like an IBAN (two letters, two digits), so it is checked as one."""
    return bool(_IBAN_START.match("".join(text.split()).upper()))


@lru_cache(maxsize=65536)
def normalize_iban(text: str) -> str:
    """The IBAN without spaces, upper case, its check digits verified."""
    compact = "".join(text.split()).upper()
    valid = (
        _IBAN.fullmatch(compact) is not None
        and (len(compact) == 26 or not compact.startswith("TR"))
        and int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1
    )
    if not valid:
        raise CellError(f"{text.strip()!r} is not a valid IBAN")
    return compact


def normalize_account(text: str) -> str:
    """An IBAN normalised and checked; a local account number as written."""
    return normalize_iban(text) if is_iban_shaped(text) else text.strip()


def tax_id(cell: Cell) -> str:
    """A VKN (10 digits) or TCKN (11 digits) whose check digits hold."""
    text = "".join(cell_text(cell).split())
    if isinstance(cell, float | int) and len(text) == 9:
        text = text.zfill(10)  # a number cell drops a VKN's leading zero
    return _checked_tax_id(text)


@lru_cache(maxsize=65536)
def _checked_tax_id(text: str) -> str:
    if (len(text) == 10 and vkn.is_valid(text)) or (len(text) == 11 and tckimlik.is_valid(text)):
        return text
    raise CellError(f"{text!r} is not a valid VKN (10 digits) or TCKN (11 digits)")
