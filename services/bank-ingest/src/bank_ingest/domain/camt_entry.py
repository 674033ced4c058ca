"""One CAMT ``Ntry`` (the bank's booking) to one :class:`ParsedMovement`.

Rules, where the standard leaves room:

- **Sign.** ``CdtDbtInd`` is the direction of the booking itself: CRDT is money in, DBIT money out,
  missing is a credit. ``RvslInd`` does *not* flip it: ISO 20022 says a reversal of a credit is
  reported as DBIT with ``RvslInd=true`` (the reversal already carries its own direction). The
  viafintech camt.053.001.04 fixture only reconciles that way.
- **Status.** ``BOOK`` and a missing status are kept; ``PDNG`` (pending), ``INFO`` (for information)
  and ``FUTR`` (value at a future date) are skipped: they are not in the booked balance and come
  back as ``BOOK`` in a later statement. Anything else is refused.
- **Dates.** ``BookgDt`` else ``ValDt`` else the statement's date (see :class:`EntryContext`);
  ``ValDt`` missing means the booking date.
- **Batches.** Several ``TxDtls`` (in one or several ``NtryDtls``) stay one movement; a field taken
  from them is set only when every ``TxDtls`` agrees on it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

from .camt_parties import Counterparty, counterparty
from .camt_values import Place, agreed, amount, is_credit, is_true, optional_date, text, texts
from .camt_values import transaction_code as code_of
from .details import extract_details
from .statement import ParsedMovement

KEPT_STATUSES = frozenset({"", "BOOK"})
SKIPPED_STATUSES = frozenset({"PDNG", "INFO", "FUTR"})
_NO_REFERENCE = frozenset({"", "NOTPROVIDED", "NONREF"})


@dataclass(frozen=True, slots=True)
class EntryContext:
    place: Place
    """Element path and line for errors, e.g. ``Stmt[2]/Ntry[5]``."""
    account: str = ""
    """The statement's own account: a party holding it is not the counterparty."""
    currency: str = ""
    """``Acct/Ccy``, for an ``Amt`` without ``Ccy``."""
    fallback_date: date | None = None
    """The statement's date, for an entry with neither ``BookgDt`` nor ``ValDt``."""


def read_entry(entry: ET.Element, source: str, context: EntryContext) -> ParsedMovement | None:
    """The movement an ``Ntry`` (written as ``source`` in the file) stands for, or None for a
    status that is not booked."""
    place = context.place
    status = text(entry, "Sts/Cd") or text(entry, "Sts/Prtry") or text(entry, "Sts")
    if status in SKIPPED_STATUSES:
        return None
    if status not in KEPT_STATUSES:
        raise place.child("Sts").error(f"entry status {status!r} is not BOOK, PDNG, INFO or FUTR")
    value, currency = amount(entry, place, default_currency=context.currency)
    credit = is_credit(entry, place)
    is_true(entry, "RvslInd", place)  # validated only: the indicator does not change the sign
    booked, valued = _dates(entry, context)
    details = [tx for block in entry.findall("NtryDtls") for tx in block.findall("TxDtls")]
    description = _description(entry, details)
    party = counterparty(details, credit=credit, own_account=context.account)
    movement = ParsedMovement(
        booking_date=booked,
        value_date=valued,
        amount=value if credit else -value,
        currency=currency,
        description=description,
        bank_reference=text(entry, "AcctSvcrRef"),
        customer_reference=_customer_reference(entry, details),
        transaction_code=code_of(entry) or agreed(code_of(tx) for tx in details),
        payment_reference=agreed(text(tx, "RmtInf/Strd/CdtrRefInf/Ref") for tx in details),
        raw=source,
        line=place.line or 0,
    )
    _fill_party(movement, party, context.account)
    return movement


def _dates(entry: ET.Element, context: EntryContext) -> tuple[date, date]:
    booked = optional_date(entry, "BookgDt", context.place)
    valued = optional_date(entry, "ValDt", context.place)
    booking = booked or valued or context.fallback_date
    if booking is None:
        raise context.place.error(
            "the entry has no booking date (BookgDt) or value date (ValDt), and its statement "
            "names no date (closing balance, FrToDt, CreDtTm) to book it on"
        )
    return booking, valued or booking


def _description(entry: ET.Element, details: list[ET.Element]) -> str:
    """Remittance text (``Ustrd``); without any, the additional transaction/entry information."""
    parts = [" ".join(texts(tx, "RmtInf/Ustrd")) for tx in details]
    if not any(parts):
        parts = [" ".join(texts(tx, "AddtlTxInf")) for tx in details]
        parts.append(text(entry, "AddtlNtryInf"))
    return " | ".join(dict.fromkeys(part for part in parts if part))


def _customer_reference(entry: ET.Element, details: list[ET.Element]) -> str:
    end_to_end = agreed(text(tx, "Refs/EndToEndId") for tx in details)
    if end_to_end.upper() not in _NO_REFERENCE:
        return end_to_end
    return text(entry, "NtryRef") or agreed(text(tx, "Refs/AcctSvcrRef") for tx in details)


def _fill_party(movement: ParsedMovement, party: Counterparty, own_account: str) -> None:
    """Structured parties first; the free-text reader only for what the XML leaves empty."""
    movement.counterparty_iban = party.iban
    movement.counterparty_name = party.name
    movement.counterparty_tax_id = party.tax_id
    named = bool(party.iban or party.name or party.tax_id)
    if not movement.description:
        return
    if named and movement.payment_reference:
        return
    found = extract_details(movement.description, own_account=own_account)
    if not named:
        movement.counterparty_iban = found.counterparty_iban
        movement.counterparty_name = found.counterparty_name
        movement.counterparty_tax_id = found.counterparty_tax_id
    movement.payment_reference = movement.payment_reference or found.payment_reference
