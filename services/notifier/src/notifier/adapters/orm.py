"""notifier's own tables (the shared outbox, inbox, idempotency and API-key tables come with them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, MetaData, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import NAMING_CONVENTION
from shared.types import UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SmtpSettings(Base):
    """A tenant's own SMTP server (Mikro's "SMTP Bilgileri"); without a row the system's is used."""

    __tablename__ = "smtp_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(10))
    """``none``, ``starttls`` or ``tls`` (implicit TLS, usually port 465)."""
    username: Mapped[str] = mapped_column(String(320), default="")
    """Empty: the server is used without AUTH."""
    password_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The password encrypted with :class:`shared.secrets.SecretBox`; never in the clear."""
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sender_address: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(32))
    """The API key id of whoever saved these settings last."""


class LetterTemplate(Base):
    """A tenant's own letter template in one language; a part left null uses the default."""

    __tablename__ = "letter_templates"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    """``tr`` or ``en``."""
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(32))
    """The API key id of whoever saved the template last."""


metadata = Base.metadata
