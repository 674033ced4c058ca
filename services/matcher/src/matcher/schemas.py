"""Request and response bodies of matcher's API (vouchers have theirs next to their routes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .domain.documents import DocumentType
from .domain.model import AccountKind, RuleKind

Direction = Literal["incoming", "outgoing"]

MAX_AMOUNT = Decimal("99999999999999.9999")
"""The largest amount stored exactly on both databases (SQLite keeps ten-thousandths in 64
bits); with at most four decimals, an amount in a request beyond it is a 422, not a 500."""
State = Literal["unmatched", "proposed", "confirmed", "exported", "dropped"]


class CandidateOut(BaseModel):
    kind: AccountKind
    code: str
    name: str
    confidence: float = Field(description="0..1")
    evidence: list[str]
    document_type: str | None = None
    rule_id: int | None = None


class WorklistMovement(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    account_id: uuid.UUID
    statement_id: uuid.UUID
    account_iban: str
    booking_date: date
    value_date: date
    amount: Decimal = Field(description="Signed: positive incoming, negative outgoing")
    currency: str
    description: str
    bank_reference: str
    transaction_code: str
    counterparty_iban: str
    counterparty_name: str
    counterparty_tax_id: str
    payment_reference: str
    state: State
    candidates: list[CandidateOut]
    proposal_note: str = Field(description="Why the proposal was (not) auto-confirmed")
    contra_kind: AccountKind | None
    contra_code: str | None
    contra_name: str | None
    document_type: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    voucher_id: uuid.UUID | None


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str
    actor: str
    at: datetime
    before: dict[str, Any]
    after: dict[str, Any]


class WorklistMovementDetail(WorklistMovement):
    decisions: list[DecisionOut]


class WorklistPage(BaseModel):
    items: list[WorklistMovement]
    next_cursor: str | None = None
    counts: dict[str, int] = Field(description="Movements per state under the same filters")


class VoucherOptions(BaseModel):
    document_type: DocumentType | None = Field(
        None,
        description="Default: the rule's, else the transaction code's (see /transaction-codes)",
    )
    series: str | None = Field(None, max_length=20, description="Default: the document type's")
    number: int | None = Field(
        None, ge=1, description="Default: the next free number of the series"
    )


class ConfirmIn(VoucherOptions):
    model_config = ConfigDict(json_schema_extra={"examples": [{"candidate": 0}]})
    candidate: int = Field(0, ge=0, description="Index in the movement's candidates; 0 = best")


class ChooseIn(VoucherOptions):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"kind": "counterparty", "code": "120.01.005"}]}
    )
    kind: AccountKind
    code: str = Field(min_length=1, max_length=50)


class BulkIn(BaseModel):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class BulkConfirmIn(BulkIn):
    document_type: DocumentType | None = None
    series: str | None = Field(None, max_length=20)


class BulkChooseIn(BulkConfirmIn):
    kind: AccountKind
    code: str = Field(min_length=1, max_length=50)


class BulkOutcome(BaseModel):
    id: uuid.UUID
    ok: bool
    state: str | None = None
    voucher_id: uuid.UUID | None = None
    error: str | None = None


class LedgerAccountIn(BaseModel):
    code: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=300)
    active: bool = True


class LedgerAccountOut(LedgerAccountIn):
    model_config = ConfigDict(from_attributes=True)


class ErpBankAccountIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "iban": "TR330006100519786457841326",
                    "code": "102.01.001",
                    "name": "Garanti TL",
                    "currency": "TRY",
                }
            ]  # fmt: skip
        }
    )
    iban: str = Field(min_length=15, max_length=42)
    code: str = Field(min_length=1, max_length=50)
    name: str = Field("", max_length=200)
    currency: str = Field("TRY", pattern=r"^[A-Z]{3}$")


class ErpBankAccountOut(ErpBankAccountIn):
    model_config = ConfigDict(from_attributes=True)


class OpenItemIn(BaseModel):
    counterparty_code: str = Field(min_length=1, max_length=50)
    document_number: str = Field(min_length=1, max_length=60)
    amount: Decimal = Field(
        ge=0, le=MAX_AMOUNT, decimal_places=4, description="Still open; 0 closes the item"
    )
    currency: str = Field("TRY", pattern=r"^[A-Z]{3}$")
    due_date: date | None = None


class OpenItemOut(OpenItemIn):
    model_config = ConfigDict(from_attributes=True)


class UpsertSummary(BaseModel):
    created: int
    updated: int
    unchanged: int
    removed: int = 0


class CounterpartyOut(BaseModel):
    code: str
    kind: str
    title: str
    tax_id: str
    ibans: list[str] = Field(description="From the ERP")
    operator_ibans: list[str] = Field(description="Added by an operator")
    learned_ibans: list[str] = Field(description="Learned from confirmed matches")
    aliases: list[str]
    active: bool


class IbanIn(BaseModel):
    iban: str = Field(min_length=15, max_length=42)


class AccountHit(BaseModel):
    kind: AccountKind
    code: str
    name: str


class RuleIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "contains",
                    "pattern": "SGK",
                    "target_kind": "ledger",
                    "target_code": "361.01",
                    "document_type": "tax_payment",
                    "direction": "outgoing",
                }
            ]  # fmt: skip
        }
    )
    kind: RuleKind
    pattern: str = Field("", max_length=500)
    target_kind: AccountKind
    target_code: str = Field(min_length=1, max_length=50)
    document_type: DocumentType | None = None
    direction: Direction | None = None
    amount_min: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=4)
    amount_max: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=4)


class RuleOut(RuleIn):
    model_config = ConfigDict(from_attributes=True)
    id: int
    target_name: str
    active: bool
    created_by: str
    created_at: datetime


class LearnedRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    key: str
    target_kind: str
    target_code: str
    target_name: str
    document_type: str | None
    times: int
    updated_at: datetime


class TransactionCodeOut(BaseModel):
    code: str
    direction: Literal["incoming", "outgoing", "any"]
    document_type: str
    source: Literal["default", "tenant"]


class TransactionCodeIn(BaseModel):
    direction: Literal["incoming", "outgoing", "any"] = "any"
    document_type: DocumentType


class DocumentTypeOut(BaseModel):
    code: DocumentType
    title: str


class SettingsIO(BaseModel):
    auto_confirm: bool = Field(True, description="Auto-confirm sure proposals at all")
    auto_confirm_threshold: float = Field(0.95, ge=0.5, le=1.0)
    ambiguity_margin: float = Field(0.05, ge=0.0, le=0.5)
