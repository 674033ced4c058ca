"""reconciliation's own tables. API keys live in the shared ``api_keys`` table, which here is the
master copy and elsewhere a replica."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, MetaData, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import NAMING_CONVENTION
from shared.types import UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Tenant(Base):
    """A firm using Mutabık."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Counterparty(Base):
    """A counterparty (cari hesap) as the ERP keeps it: one row of the template's Cari Kayıtlar."""

    __tablename__ = "counterparties"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_counterparties_tenant_code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(50))
    """HesapKod: the ERP's account code, e.g. ``120.01.005``."""
    kind: Mapped[str] = mapped_column(String(10))
    """CariTip: ``customer`` (Musteri) or ``supplier`` (Satici: also a supplier)."""
    title: Mapped[str] = mapped_column(String(250))
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    tax_office: Mapped[str] = mapped_column(String(100), default="")
    tax_id: Mapped[str] = mapped_column(String(11), default="")
    """VKN (10 digits) or TCKN (11 digits); empty when unknown."""
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    reconciliation_email: Mapped[str] = mapped_column(String(320), default="")
    """MutabakatSorumluEmail: the firm's own employee who reconciles with this counterparty."""
    kep_email: Mapped[str] = mapped_column(String(320), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    ibans: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")
    """Code, title, tax number and aliases folded (Turkish-aware, no accents) for text search."""
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the fields above as the ERP sent them: a row sent again with the same data is
    told from a changed one without reading (and decoding) the stored row."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


metadata = Base.metadata
