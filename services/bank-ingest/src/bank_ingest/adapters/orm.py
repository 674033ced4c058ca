"""bank-ingest's own tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import MetaData, String, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import NAMING_CONVENTION
from shared.types import UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BankAccount(Base):
    __tablename__ = "bank_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "iban"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    iban: Mapped[str] = mapped_column(String(34))
    currency: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    ledger_code: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


metadata = Base.metadata
