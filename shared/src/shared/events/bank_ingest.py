"""Events published by bank-ingest."""

from __future__ import annotations

import uuid

from .envelope import Event
from .registry import register


@register
class BankAccountRegistered(Event):
    type = "bank_ingest.account.registered"
    account_id: uuid.UUID
    iban: str
    currency: str
    name: str
    bank_name: str = ""
    ledger_code: str = ""
    """The ERP's ledger account for this bank account (e.g. 102.01.001), used on voucher lines."""
