"""What bank-ingest's API takes and gives (money as decimal strings, dates ISO)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

MAX_AMOUNT = Decimal("99999999999999.9999")
"""The largest amount a filter may name: compared with stored amounts (SQLite keeps
ten-thousandths in 64 bits), a larger one or a fifth decimal would fail as a 500, not a 422."""


class BankAccountIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "iban": "TR33 0006 1005 1978 6457 8413 26",
                    "currency": "TRY",
                    "name": "Garanti TL vadesiz",
                    "bank_name": "Garanti BBVA",
                    "ledger_code": "102.01.001",
                }
            ]
        }
    )

    iban: str | None = Field(None, min_length=15, max_length=42)
    account_number: str | None = Field(
        None,
        max_length=60,
        description="The bank's local account number as its statements write it in :25:, e.g. "
        "0067-00763/93984487; needed when statements don't carry the IBAN.",
    )
    currency: str = Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217")
    name: str = Field(min_length=1, max_length=200)
    bank_name: str = Field("", max_length=200)
    ledger_code: str = Field(
        "", max_length=50, description="The ERP's ledger account, e.g. 102.01.001"
    )


class BankAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    iban: str | None
    account_number: str | None
    currency: str
    name: str
    bank_name: str
    ledger_code: str
    balance: Decimal | None = Field(description="Closing balance of the latest statement")
    balance_date: date | None
    created_at: datetime


class StatementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    import_id: uuid.UUID
    account_id: uuid.UUID
    format: str
    reference: str
    statement_number: str
    page: str
    currency: str
    opening_amount: Decimal | None
    opening_date: date | None
    closing_amount: Decimal | None
    closing_date: date | None
    first_booking_date: date | None
    last_booking_date: date | None
    movement_count: int
    movements_sum: Decimal
    new_movements: int
    balance_check: str = Field(
        description="balanced, unbalanced (see balance_difference) or unchecked"
    )
    balance_difference: Decimal | None = Field(
        description="closing − (opening + movements) when it is not zero"
    )
    continuity_issues: list[str] = Field(
        description="Breaks in the chain from the account's previous statement: opening ≠ previous "
        "closing, missing statement numbers, missing business days"
    )
    previous_statement_id: uuid.UUID | None
    information: str
    created_at: datetime


class ImportedStatement(BaseModel):
    """One statement of an uploaded file: stored, or recognised as one already imported."""

    statement_id: uuid.UUID | None
    duplicate_of: uuid.UUID | None = Field(
        description="Set when the file repeated a statement already imported; nothing was stored"
    )
    account_id: uuid.UUID
    movement_count: int
    new_movements: int
    balance_check: str
    balance_difference: Decimal | None
    continuity_issues: list[str]


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    connection_id: uuid.UUID | None
    source: str
    file_name: str
    sha256: str
    size: int
    format: str
    encoding: str
    statement_count: int
    movements_new: int
    movements_duplicate: int
    created_at: datetime
    statements: list[ImportedStatement] = []


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    statement_id: uuid.UUID
    booking_date: date
    value_date: date
    amount: Decimal = Field(description="Signed: positive incoming, negative outgoing")
    direction: str
    currency: str
    description: str
    bank_reference: str
    customer_reference: str
    transaction_code: str
    counterparty_iban: str
    counterparty_name: str
    counterparty_tax_id: str
    payment_reference: str
    processed: bool
    processing_state: str
    created_at: datetime


class MovementDetail(MovementOut):
    raw: str = Field(description="The lines (or XML element, or row) the movement came from")
    line: int


class CurrencyTotals(BaseModel):
    currency: str
    count: int
    incoming: Decimal
    outgoing: Decimal
    net: Decimal


class MovementPage(BaseModel):
    items: list[MovementOut]
    next_cursor: str | None = None
    totals: list[CurrencyTotals] = Field(
        description="Over everything the filter selects, not only this page; one per currency"
    )
