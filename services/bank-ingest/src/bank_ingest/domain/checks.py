"""The ledger rules a statement must keep, as plain functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class ChainLink:
    """What continuity needs to know of a statement."""

    statement_number: str
    opening_amount: Decimal | None
    opening_date: date | None
    closing_amount: Decimal | None
    closing_date: date | None


def balance_difference(
    opening: Decimal | None, movements_sum: Decimal, closing: Decimal | None
) -> Decimal | None:
    """closing − (opening + movements); None when either balance is missing."""
    if opening is None or closing is None:
        return None
    return closing - (opening + movements_sum)


def continuity_issues(previous: ChainLink | None, current: ChainLink) -> list[str]:
    """What breaks the chain from ``previous`` (the account's last statement before this one) to
    ``current``: an opening that isn't the previous closing, skipped statement numbers, missing
    business days. An empty list means the chain holds (or there is nothing to compare with)."""
    if previous is None or current.opening_amount is None:
        return []
    issues = []
    if previous.closing_amount is not None and current.opening_amount != previous.closing_amount:
        issues.append(
            f"opening balance {current.opening_amount} differs from the previous closing balance "
            f"{previous.closing_amount} of {previous.closing_date}: difference "
            f"{current.opening_amount - previous.closing_amount}"
        )
    gap = _number_gap(previous.statement_number, current.statement_number)
    if gap:
        issues.append(gap)
    if previous.closing_date and current.opening_date:
        missing = _weekdays_between(previous.closing_date, current.opening_date)
        if missing:
            issues.append(
                f"no statement for {missing} business day(s) between {previous.closing_date} "
                f"and {current.opening_date}"
            )
    return issues


def _number_gap(previous: str, current: str) -> str | None:
    if not (previous.isdigit() and current.isdigit()):
        return None
    before, now = int(previous), int(current)
    if now in (before, before + 1) or now == 1:  # same number (pages) / next / yearly restart
        return None
    if now < before:
        return f"statement number {now} comes after {before}"
    return f"statement numbers {before + 1}–{now - 1} are missing"


def _weekdays_between(start: date, end: date) -> int:
    """Monday–Friday days strictly between ``start`` and ``end``."""
    day, count = start + timedelta(days=1), 0
    while day < end and count < 400:
        count += day.weekday() < 5
        day += timedelta(days=1)
    return count
