"""Date cells of the templates: BelgeTarih and its kin (``dd.mm.yyyy``), and the BA/BS CariDönem
(``2025-01-Ocak``)."""

from __future__ import annotations

import re
from datetime import date, datetime

from shared.text import fold

from .cells import REQUIRED, TEXT_OF, Convert

NOT_A_DATE = "must be a date like 31.12.2025"
FIRST_YEAR, LAST_YEAR = 1900, 2100
MONTHS = (
    "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran",
    "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",
)  # fmt: skip
"""The Turkish month names, January first."""

_TURKISH = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PERIOD = re.compile(r"(\d{4})-(\d{1,2})-(.+)")
_MONTH_NUMBER = {fold(name): number for number, name in enumerate(MONTHS, 1)}
NOT_A_PERIOD = "must be a period like 2025-01-Ocak: year, month and the month's Turkish name"


def parse_date(value: object) -> date | None:
    """A date cell (its time dropped), or text ``dd.mm.yyyy``, ``d.m.yyyy`` or ISO ``yyyy-mm-dd``
    (what JSON clients send); None when empty. Years outside 1900–2100 are refused."""
    found: date | None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    elif type(value) is str:
        found = _date_of_text(value.strip())
        if found is None:
            return None
    elif value is None:
        return None
    else:
        raise ValueError(NOT_A_DATE)
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise ValueError(NOT_A_DATE)
    TEXT_OF.setdefault(found, found.isoformat())  # at most the 73,000 days of 1900–2100
    return found


def _date_of_text(text: str) -> date | None:
    if not text:
        return None
    match = _TURKISH.fullmatch(text)
    if match:
        day, month, year = match.groups()
    else:
        match = _ISO.fullmatch(text)
        if match is None:
            raise ValueError(NOT_A_DATE)
        year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 30.02.2025
        raise ValueError(NOT_A_DATE) from None


def date_cell(*, required: bool = False) -> Convert:
    """A date (see :func:`parse_date`), refused when empty if ``required``."""

    def convert(value: object) -> date | None:
        found = parse_date(value)
        if found is None and required:
            raise ValueError(REQUIRED)
        return found

    return convert


def parse_period(value: object) -> date:
    """CariDönem ``yyyy-mm-MonthName`` as the first day of that month; the Turkish month name must
    be the month's (compared folded: ``Subat`` and ``ŞUBAT`` are Şubat)."""
    if value is None or (type(value) is str and not value.strip()):
        raise ValueError(REQUIRED)
    match = _PERIOD.fullmatch(value.strip()) if type(value) is str else None
    if match is None:
        raise ValueError(NOT_A_PERIOD)
    year, month, name = int(match[1]), int(match[2]), match[3].strip()
    named = _MONTH_NUMBER.get(fold(name))
    if named is None or not 1 <= month <= 12 or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(NOT_A_PERIOD)
    if named != month:
        raise ValueError(f"says month {month:02d} but names {name}")
    first = date(year, month, 1)
    TEXT_OF.setdefault(first, first.isoformat())
    return first
