"""bank-ingest's own tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
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


class BankAccount(Base):
    __tablename__ = "bank_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "iban", name="uq_bank_accounts_tenant_iban"),
        UniqueConstraint("tenant_id", "account_number", name="uq_bank_accounts_tenant_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    iban: Mapped[str | None] = mapped_column(String(34))
    account_number: Mapped[str | None] = mapped_column(String(60))
    """The bank's local form as statements write it (``0067-00763/93984487``), when known."""
    currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    ledger_code: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    balance: Mapped[Decimal | None] = mapped_column(Money())
    """The latest statement's closing balance."""
    balance_date: Mapped[date | None] = mapped_column(Date)


class StatementImport(Base):
    """One file taken in: uploaded, or fetched by a connection."""

    __tablename__ = "imports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    connection_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(20))
    encoding: Mapped[str] = mapped_column(String(20))
    statement_count: Mapped[int] = mapped_column(Integer, default=0)
    movements_new: Mapped[int] = mapped_column(Integer, default=0)
    movements_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Statement(Base):
    __tablename__ = "statements"
    __table_args__ = (Index("ix_statements_account_closing", "account_id", "closing_date"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imports.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bank_accounts.id"))
    format: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(100), default="")
    statement_number: Mapped[str] = mapped_column(String(40), default="")
    page: Mapped[str] = mapped_column(String(20), default="")
    currency: Mapped[str] = mapped_column(String(3))
    opening_amount: Mapped[Decimal | None] = mapped_column(Money())
    opening_date: Mapped[date | None] = mapped_column(Date)
    closing_amount: Mapped[Decimal | None] = mapped_column(Money())
    closing_date: Mapped[date | None] = mapped_column(Date)
    first_booking_date: Mapped[date | None] = mapped_column(Date)
    last_booking_date: Mapped[date | None] = mapped_column(Date)
    movement_count: Mapped[int] = mapped_column(Integer, default=0)
    movements_sum: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    new_movements: Mapped[int] = mapped_column(Integer, default=0)
    balance_difference: Mapped[Decimal | None] = mapped_column(Money())
    balance_check: Mapped[str] = mapped_column(String(20))
    """``balanced``, ``unbalanced`` (difference set) or ``unchecked`` (no balances, e.g. MT942)."""
    continuity_issues: Mapped[list[str]] = mapped_column(JSON, default=list)
    previous_statement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    information: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Movement(Base):
    """One booking on a bank account. The id is derived from the identity rule (docs/bank-ingest.md),
    so a movement seen again in another file maps to the same row."""

    __tablename__ = "movements"
    __table_args__ = (
        Index("ix_movements_tenant_booking", "tenant_id", "booking_date", "id"),
        Index("ix_movements_account_booking", "account_id", "booking_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bank_accounts.id"))
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The statement that first brought it."""
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    bank_reference: Mapped[str] = mapped_column(String(100), default="")
    customer_reference: Mapped[str] = mapped_column(String(100), default="")
    transaction_code: Mapped[str] = mapped_column(String(60), default="")
    counterparty_iban: Mapped[str] = mapped_column(String(34), default="")
    counterparty_name: Mapped[str] = mapped_column(String(200), default="")
    counterparty_tax_id: Mapped[str] = mapped_column(String(11), default="")
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    """Description, names and references folded (Turkish-aware, no accents) for text search."""
    raw: Mapped[str] = mapped_column(Text, default="")
    line: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[bool] = mapped_column(Boolean, default=False)
    processing_state: Mapped[str] = mapped_column(String(20), default="recorded")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def direction(self) -> str:
        return "incoming" if self.amount > 0 else "outgoing"


class Connection(Base):
    """Where a bank's statements come from, and how to read them."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    """``upload`` (settings for manual uploads), ``folder`` or ``ftp``."""
    format: Mapped[str] = mapped_column(String(20), default="auto")
    encoding: Mapped[str] = mapped_column(String(20), default="auto")
    account_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    column_mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Folder or FTP settings; the FTP password is kept sealed (``password_sealed``)."""
    poll_minutes: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="new")
    last_error: Mapped[str | None] = mapped_column(Text)
    status_since: Mapped[datetime] = mapped_column(UtcDateTime())
    last_fetch_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_fetch_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FetchedFile(Base):
    """A file version a connection has taken in, so the next refresh skips it."""

    __tablename__ = "fetched_files"

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    import_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Job(Base):
    """A requested refresh of a connection, visible while it runs and after."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_requested", "state", "requested_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    trigger: Mapped[str] = mapped_column(String(20))
    """``manual`` or ``schedule``."""
    state: Mapped[str] = mapped_column(String(20))
    """``queued``, ``running``, ``succeeded`` or ``failed``."""
    files_found: Mapped[int] = mapped_column(Integer, default=0)
    files_imported: Mapped[int] = mapped_column(Integer, default=0)
    files_refused: Mapped[int] = mapped_column(Integer, default=0)
    movements_new: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


metadata = Base.metadata
