"""matcher's own tables. Vouchers and their export live in ``voucher_tables``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import NAMING_CONVENTION
from shared.types import Money, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OwnBankAccount(Base):
    """The company's own bank accounts, learned from bank-ingest: a transfer between two of them
    is a virman, not a counterparty payment."""

    __tablename__ = "own_bank_accounts"

    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    iban: Mapped[str] = mapped_column(String(34), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    ledger_code: Mapped[str] = mapped_column(String(50), default="")
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ErpBankAccount(Base):
    """A bank account as the ERP books it (its code, e.g. 102.01.003), pushed over REST. Joined to
    bank-ingest's accounts by IBAN."""

    __tablename__ = "erp_bank_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "iban", name="uq_erp_bank_accounts_iban"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    iban: Mapped[str] = mapped_column(String(34))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Counterparty(Base):
    """A counterparty (cari) replicated from reconciliation's events."""

    __tablename__ = "counterparties"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_counterparties_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    tax_id: Mapped[str] = mapped_column(String(11), default="", index=True)
    ibans: Mapped[list[str]] = mapped_column(JSON, default=list)
    """As the ERP has them; the operator's and learned ones are in ``counterparty_ibans``."""
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CounterpartyIban(Base):
    """An IBAN the operator added to a counterparty, or one learned from a confirmed match."""

    __tablename__ = "counterparty_ibans"
    __table_args__ = (
        UniqueConstraint("tenant_id", "iban", "code", name="uq_counterparty_ibans_iban_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    iban: Mapped[str] = mapped_column(String(34))
    code: Mapped[str] = mapped_column(String(50))
    origin: Mapped[str] = mapped_column(String(20))
    """``operator`` or ``learned``."""
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LedgerAccount(Base):
    """The ERP's chart of accounts (hesap planı)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_ledger_accounts_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OpenItem(Base):
    """An unpaid invoice of a counterparty, pushed by the ERP."""

    __tablename__ = "open_items"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "counterparty_code", "document_number", name="uq_open_items_document"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    counterparty_code: Mapped[str] = mapped_column(String(50))
    document_number: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MatchRule(Base):
    """An operator's rule: text contains / regex / IBAN / amount range → account and document."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    pattern: Mapped[str] = mapped_column(String(500), default="")
    target_kind: Mapped[str] = mapped_column(String(20))
    target_code: Mapped[str] = mapped_column(String(50))
    target_name: Mapped[str] = mapped_column(String(300), default="")
    document_type: Mapped[str | None] = mapped_column(String(40))
    direction: Mapped[str | None] = mapped_column(String(10))
    amount_min: Mapped[Decimal | None] = mapped_column(Money())
    amount_max: Mapped[Decimal | None] = mapped_column(Money())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LearnedRule(Base):
    """What the operator chose before for an IBAN or a description's key; the latest choice wins."""

    __tablename__ = "learned_rules"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "key", name="uq_learned_rules_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(20))
    """``iban`` or ``contains`` (the key of the description)."""
    key: Mapped[str] = mapped_column(String(500))
    target_kind: Mapped[str] = mapped_column(String(20))
    target_code: Mapped[str] = mapped_column(String(50))
    target_name: Mapped[str] = mapped_column(String(300), default="")
    document_type: Mapped[str | None] = mapped_column(String(40))
    times: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TransactionCode(Base):
    """A tenant's own mapping of a bank transaction code to a document type; codes without one
    use the built-in defaults (``domain.documents``)."""

    __tablename__ = "transaction_codes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code", "direction", name="uq_transaction_codes_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    """``incoming``, ``outgoing`` or ``any``."""
    document_type: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TenantSettings(Base):
    __tablename__ = "tenant_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_confirm_threshold: Mapped[float] = mapped_column(Float, default=0.95)
    ambiguity_margin: Mapped[float] = mapped_column(Float, default=0.05)
    directory_version: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped by every change to what matching reads except learned rules; cached matchers are
    rebuilt when it moves."""
    rules_version: Mapped[int] = mapped_column(Integer, default=0)


class Movement(Base):
    """A bank movement on the operator's worklist, from bank-ingest, with its proposal."""

    __tablename__ = "movements"
    __table_args__ = (
        Index("ix_movements_tenant_state_date", "tenant_id", "state", "booking_date"),
        Index("ix_movements_tenant_date", "tenant_id", "booking_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    """bank-ingest's movement id."""
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account_iban: Mapped[str] = mapped_column(String(34), default="")
    account_ledger_code: Mapped[str] = mapped_column(String(50), default="")
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    bank_reference: Mapped[str] = mapped_column(String(100), default="")
    transaction_code: Mapped[str] = mapped_column(String(20), default="")
    counterparty_iban: Mapped[str] = mapped_column(String(34), default="")
    counterparty_name: Mapped[str] = mapped_column(String(300), default="")
    counterparty_tax_id: Mapped[str] = mapped_column(String(11), default="")
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20))
    """``unmatched``, ``proposed``, ``confirmed`` (voucher ready), ``exported`` (the ERP
    acknowledged the voucher) or ``dropped``."""
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    proposal_note: Mapped[str] = mapped_column(String(300), default="")
    contra_kind: Mapped[str | None] = mapped_column(String(20))
    contra_code: Mapped[str | None] = mapped_column(String(50))
    contra_name: Mapped[str | None] = mapped_column(String(300))
    document_type: Mapped[str | None] = mapped_column(String(40))
    confirmed_by: Mapped[str | None] = mapped_column(String(320))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    voucher_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """The live voucher of the movement: set while one exists that is not cancelled/reversed."""
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Decision(Base):
    """Every change of a movement's booking: who, when, before → after."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_movement", "movement_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    movement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(30))
    """``auto_confirm``, ``confirm``, ``choose``, ``drop``, ``restore``, ``voucher_cancelled``,
    ``voucher_reversed``, ``exported``, ``reversal_exported``."""
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)


metadata = Base.metadata
