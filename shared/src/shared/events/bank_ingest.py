"""Events published by bank-ingest."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .envelope import Event
from .registry import register


@register
class BankAccountRegistered(Event):
    type = "bank_ingest.account.registered"
    account_id: uuid.UUID
    iban: str | None
    """None for an account known only by the bank's local number (``:25:0067-00763/93984487``)."""
    currency: str
    name: str
    bank_name: str = ""
    ledger_code: str = ""
    """The ERP's ledger account for this bank account (e.g. 102.01.001), used on voucher lines."""
    account_number: str = ""
    """The bank's own account number as statements write it, when there is one."""


class BalanceFigure(BaseModel):
    model_config = ConfigDict(frozen=True)
    amount: Decimal
    date: date


@register
class StatementImported(Event):
    type = "bank_ingest.statement.imported"
    statement_id: uuid.UUID
    import_id: uuid.UUID
    account_id: uuid.UUID
    format: str
    reference: str
    statement_number: str
    currency: str
    opening: BalanceFigure | None
    closing: BalanceFigure | None
    movement_count: int
    new_movements: int
    balance_difference: Decimal | None
    """closing - (opening + movements) when not zero; None when it reconciles or can't be checked."""
    continuity_issues: list[str]


class RecordedMovement(BaseModel):
    """Everything the matcher needs about one movement."""

    model_config = ConfigDict(frozen=True)
    id: uuid.UUID
    booking_date: date
    value_date: date
    amount: Decimal
    """Signed: positive incoming, negative outgoing."""
    currency: str
    description: str
    bank_reference: str
    customer_reference: str
    transaction_code: str
    counterparty_iban: str
    counterparty_name: str
    counterparty_tax_id: str
    payment_reference: str


@register
class MovementsRecorded(Event):
    """New movements of one statement, in batches (one event per up to ~1000 movements): one event
    per movement would cap ingest at the broker's message rate."""

    type = "bank_ingest.movements.recorded"
    account_id: uuid.UUID
    iban: str | None
    account_number: str
    ledger_code: str
    statement_id: uuid.UUID
    movements: list[RecordedMovement]


@register
class ConnectionStatusChanged(Event):
    type = "bank_ingest.connection.status_changed"
    connection_id: uuid.UUID
    name: str
    kind: str
    status: Literal["active", "disconnected"]
    error: str | None
    since: datetime
