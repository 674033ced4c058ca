"""notifier's own tables (the shared outbox, inbox, idempotency and API-key tables come with them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, MetaData, String, Text, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import NAMING_CONVENTION, SequenceId
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
    max_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """At most this many letter e-mails a minute through this server; null: the system's
    ``max_per_minute``; 0: no limit."""
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


class LetterEmail(Base):
    """One e-mail of a letter (``send_no`` 1 the first, then each resend or reminder), queued by
    reconciliation and sent by the sender; one row from queued to settled."""

    __tablename__ = "letter_emails"
    __table_args__ = (
        Index("ix_letter_emails_due", "tenant_id", "next_attempt_at"),
        Index("ix_letter_emails_next_attempt_at", "next_attempt_at"),
        Index("ix_letter_emails_round", "tenant_id", "round_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    letter_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    send_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    purpose: Mapped[str] = mapped_column(String(10))
    """``letter``, ``resend`` or ``reminder``."""
    email: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The ``QueuedEmail`` as received (JSON)."""
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """``[{"address", "state"}]`` in the queued order; state ``pending`` (still to send, or to
    retry), ``sent`` or ``failed``."""
    state: Mapped[str] = mapped_column(String(10))
    """``pending`` until every recipient is settled, then ``sent`` (at least one got it) or
    ``failed``."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Sending rounds so far (each sends to the recipients still pending)."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    """When it is due; while a sender holds it, the end of that sender's lease; null once
    settled."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why it failed, or which recipients refused it; the servers' words."""


class DeliveryAttempt(Base):
    """One attempt to hand a letter's e-mail to the SMTP server for one recipient."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_delivery_attempts_email", "tenant_id", "letter_id", "send_no"),)

    id: Mapped[int] = mapped_column(SequenceId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    letter_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    send_no: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(320))
    outcome: Mapped[str] = mapped_column(String(10))
    """``sent``, ``temporary`` or ``permanent``."""
    code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reply: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime())


metadata = Base.metadata
