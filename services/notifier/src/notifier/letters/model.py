"""One reconciliation letter to render: plain, frozen, JSON-friendly data.

This is what the reconciliation service will send the notifier (in an event) for each letter of a
round; :func:`letter_from_json` / :func:`letter_to_json` are that wire form. Amounts are
``Decimal`` (strings in JSON, so nothing is lost), dates ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Literal

from pydantic import TypeAdapter

from shared.letter_formats import Language, Side

Kind = Literal["balance", "babs"]
"""``balance``: cari hesap bakiye mutabakatı; ``babs``: Form Ba / Form Bs mutabakatı of a month."""

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Firm:
    """Who sends the letter: the tenant's firm."""

    name: str
    tax_office: str = ""
    """Vergi dairesi."""
    tax_id: str = ""
    """VKN (10 digits) or TCKN (11 digits)."""


@dataclass(frozen=True)
class Counterparty:
    """Who the letter is for: the counterparty (cari hesap) as our books know it."""

    code: str
    """The ERP's account code, e.g. ``120.01.005``."""
    title: str
    tax_id: str = ""


@dataclass(frozen=True)
class BalanceLine:
    """The balance in one currency, as our books have it."""

    currency: str
    """ISO 4217, e.g. ``TRY``, ``USD``."""
    amount: Decimal
    """The size of the balance, never negative: ``side`` says which way it stands."""
    side: Side
    """``debit``: the counterparty owes us; ``credit``: we owe it; ``zero``: nothing."""
    amount_try: Decimal | None = None
    """The same in TRY for a foreign-currency balance, when known."""

    def __post_init__(self) -> None:
        if not _CURRENCY.match(self.currency):
            raise ValueError(f"currency {self.currency!r} is not a three-letter ISO code")
        if self.amount < 0:
            raise ValueError(
                "amount is the size of the balance: never negative; side says which way"
            )
        if (self.side == "zero") != (self.amount == 0):
            raise ValueError("side is 'zero' exactly when amount is 0")


@dataclass(frozen=True)
class FormTotal:
    """One form's line for the counterparty: documents counted and their total before VAT (TL)."""

    count: int
    total: Decimal

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("count cannot be negative")


@dataclass(frozen=True)
class LetterContent:
    """Everything one letter says. ``kind`` decides which fields matter: ``balance`` needs
    ``as_of`` and ``balances``; ``babs`` needs ``period`` (the first of the month) and ``ba``,
    ``bs`` or both (Form Ba: our purchases from the counterparty; Form Bs: our sales to it)."""

    language: Language
    subject: str
    """The round's description (mutabakat açıklaması); empty: a default subject is used."""
    sender: Firm
    recipient: Counterparty
    kind: Kind
    valid_until: date
    """The last day to answer (mutabakat geçerlilik tarihi)."""
    portal_url: str
    """Where the counterparty sees the details and answers; http(s) only."""
    as_of: date | None = None
    balances: tuple[BalanceLine, ...] = ()
    period: date | None = None
    ba: FormTotal | None = None
    bs: FormTotal | None = None
    note: str = ""
    """A few words of the sender's own, shown above the link."""

    def __post_init__(self) -> None:
        if not self.portal_url.startswith(("https://", "http://")):
            raise ValueError("portal_url must be an http(s) address")
        if self.kind == "balance":
            if self.as_of is None or not self.balances:
                raise ValueError("a balance letter needs as_of and at least one balance")
            if self.period is not None or self.ba is not None or self.bs is not None:
                raise ValueError("a balance letter has no period, ba or bs")
        else:
            if self.period is None or self.period.day != 1:
                raise ValueError("a BA/BS letter needs period: the first day of its month")
            if self.ba is None and self.bs is None:
                raise ValueError("a BA/BS letter needs ba, bs or both")
            if self.as_of is not None or self.balances:
                raise ValueError("a BA/BS letter has no as_of or balances")


@cache
def _adapter() -> TypeAdapter[LetterContent]:
    return TypeAdapter(LetterContent)


def letter_from_json(data: str | bytes) -> LetterContent:
    """Read a letter from JSON; raises ``pydantic.ValidationError`` saying what is wrong."""
    return _adapter().validate_json(data)


def letter_to_json(content: LetterContent) -> bytes:
    return _adapter().dump_json(content)
