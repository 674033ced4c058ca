"""Counterparty balances at a date: the reference arithmetic, over plain rows.

``adapters/compute.py`` computes the same in SQL; the two are checked against each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from .datasets import OPENING_TYPES

Side = Literal["debit", "credit", "zero"]
BY_DOCUMENT_DATE = 12
"""The opening entry type dated by its document date; the other (13) is dated by record date."""


@dataclass(frozen=True)
class MovementRow:
    """The fields of one account movement (Hesap Hareketleri) a balance needs."""

    code: str
    movement_type: int
    balance_date: date
    document_date: date
    record_date: date
    amount: Decimal
    local_amount: Decimal
    currency: str
    odk: str
    reverses: str | None = None


@dataclass(frozen=True)
class Balance:
    """One counterparty's balance in one currency. ``debit``/``credit`` are the side totals with
    reversals netted on the side of what they reverse; the ``_try`` fields are the same in TRY."""

    code: str
    currency: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    debit_try: Decimal
    credit_try: Decimal
    balance_try: Decimal
    side: Side
    movement_count: int


def opening_date(row: MovementRow) -> date | None:
    """The date an opening entry is brought forward on (12: document date, 13: record date);
    None for a normal movement."""
    if row.movement_type not in OPENING_TYPES:
        return None
    return row.document_date if row.movement_type == BY_DOCUMENT_DATE else row.record_date


def side_of(balance: Decimal) -> Side:
    """Which side a balance stands on."""
    if balance > 0:
        return "debit"
    return "credit" if balance < 0 else "zero"


def split_sides(amount: Decimal, reversal: bool) -> tuple[Decimal, Decimal]:
    """(debit, credit) contribution of one amount. A reversal nets on the side of what it
    reverses: -100 reversing a +100 invoice lowers debit by 100 instead of adding credit."""
    debit_side = amount < 0 if reversal else amount > 0
    credit_side = amount > 0 if reversal else amount < 0
    return (amount if debit_side else Decimal(0), -amount if credit_side else Decimal(0))


def counted_rows(
    rows: list[MovementRow],
    at: date,
    *,
    odk_in: Collection[str] | None = None,
    odk_not_in: Collection[str] | None = None,
) -> list[MovementRow]:
    """The rows of one counterparty that make its balance at ``at``.

    The latest opening date on or before ``at`` is found among all its opening entries, whatever
    their currency or ÖDK: the carry-forward is one event per counterparty, and an ÖDK that had
    nothing to carry forward got no opening entry but is still closed by it."""
    openings = [d for r in rows if (d := opening_date(r)) is not None and d <= at]
    opened = max(openings, default=None)
    kept = []
    for row in rows:
        when = opening_date(row)
        if when is not None:
            keep = when == opened
        else:
            keep = row.balance_date <= at and (opened is None or row.balance_date >= opened)
        if keep and _odk_passes(row.odk, odk_in, odk_not_in):
            kept.append(row)
    return kept


def _odk_passes(
    odk: str, odk_in: Collection[str] | None, odk_not_in: Collection[str] | None
) -> bool:
    if odk_in is not None and odk not in odk_in:
        return False
    return odk_not_in is None or odk not in odk_not_in


def balances_at(
    movements: Iterable[MovementRow],
    at: date,
    *,
    odk_in: Collection[str] | None = None,
    odk_not_in: Collection[str] | None = None,
) -> list[Balance]:
    """Every counterparty's balance per currency at ``at``, sorted by (code, currency).

    ``odk_in`` keeps only rows of those ÖDK codes, ``odk_not_in`` drops rows of those; both apply
    to opening entries too. A currency with no counted row has no balance."""
    by_code: dict[str, list[MovementRow]] = defaultdict(list)
    for row in movements:
        by_code[row.code].append(row)
    by_currency: dict[tuple[str, str], list[MovementRow]] = defaultdict(list)
    for code, rows in by_code.items():
        for row in counted_rows(rows, at, odk_in=odk_in, odk_not_in=odk_not_in):
            by_currency[(code, row.currency)].append(row)
    return [
        balance_of(code, currency, rows) for (code, currency), rows in sorted(by_currency.items())
    ]


def balance_of(code: str, currency: str, rows: list[MovementRow]) -> Balance:
    """The balance of ``rows``, all of one code and currency and all counted. Each amount is put
    on its side by its own sign: the TRY totals by ``local_amount``'s, not ``amount``'s."""
    debit = credit = debit_try = credit_try = Decimal(0)
    for row in rows:
        reversal = row.reverses is not None
        row_debit, row_credit = split_sides(row.amount, reversal)
        row_debit_try, row_credit_try = split_sides(row.local_amount, reversal)
        debit, credit = debit + row_debit, credit + row_credit
        debit_try, credit_try = debit_try + row_debit_try, credit_try + row_credit_try
    balance = debit - credit
    return Balance(
        code=code,
        currency=currency,
        debit=debit,
        credit=credit,
        balance=balance,
        debit_try=debit_try,
        credit_try=credit_try,
        balance_try=debit_try - credit_try,
        side=side_of(balance),
        movement_count=len(rows),
    )
