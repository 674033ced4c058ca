"""The demo's calendar, relative to the day it is loaded: the ERP's books cover the two months
before the current one, the bank statements a few business days of the last of them. So a round
created on the demo's data has a validity date in the future whenever the demo is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

TURKISH_MONTHS = (
    "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran",
    "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",
)  # fmt: skip
FIRST_STATEMENT_DAY = 10
"""Statements start at the first business day from this day of the last month."""


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _business_days_from(start: date) -> list[date]:
    """The business day before ``start`` (or on it, if ``start`` is not one), then three more."""
    days: list[date] = []
    day = start
    while len(days) < 4:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    before = days[0] - timedelta(days=1)
    while before.weekday() >= 5:
        before -= timedelta(days=1)
    return [before, *days[:3]]


@dataclass(frozen=True)
class DemoDates:
    today: date

    def month(self, m: int) -> date:
        """The first day of demo month ``m``: 1 is two months ago, 2 last month."""
        if m not in (1, 2):
            raise ValueError(f"demo months are 1 and 2, not {m}")
        return _month_start(self.today, 3 - m)

    @property
    def statement_days(self) -> list[date]:
        """d0 (the opening balance's day), d1, d2, d3: business days of the last month."""
        return _business_days_from(self.month(2).replace(day=FIRST_STATEMENT_DAY))

    def day(self, m: int, day: int | str) -> date:
        """A day of month ``m``: a number, or ``d1``/``d2``/``d3`` (the statements' days)."""
        if isinstance(day, str):
            return self.statement_days[int(day.removeprefix("d"))]
        return self.month(m).replace(day=day)

    def period(self, m: int) -> str:
        """CariDönem of month ``m``, e.g. ``2025-01-Ocak``."""
        first = self.month(m)
        return f"{first:%Y-%m}-{TURKISH_MONTHS[first.month - 1]}"

    def statement_fields(self) -> dict[str, str]:
        """What the statement files' ``${...}`` placeholders stand for."""
        fields = {"m1_year": f"{self.month(1):%Y}", "m2_year": f"{self.month(2):%Y}"}
        for n, day in enumerate(self.statement_days):
            fields[f"d{n}"] = f"{day:%y%m%d}"
            fields[f"d{n}_mmdd"] = f"{day:%m%d}"
            fields[f"d{n}_iso"] = day.isoformat()
            fields[f"d{n}_iso_compact"] = f"{day:%Y%m%d}"
        return fields
