"""portal's own tables (the shared outbox, inbox, idempotency and API-key tables come with them)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import NAMING_CONVENTION
from shared.types import Money, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Letter(Base):
    """A letter as reconciliation issued it, reached by the digest of its link's token, and the
    counterparty's answer (one per letter; the answer columns stay null until then)."""

    __tablename__ = "letters"

    letter_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    round_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the link's token; the token itself is never stored."""
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The ``LetterRecord`` as issued (JSON)."""
    valid_until: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(2))
    document_count: Mapped[int] = mapped_column(Integer)
    """How many documents the letter lists: pages are counted without a ``COUNT``."""
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    viewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    """The first time the page (or the PDF) was opened."""
    answer: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """``agreed`` or ``disagreed``; null while unanswered."""
    reason: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(200), default="")
    answered_title: Mapped[str] = mapped_column(String(200), default="")
    their_balance: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    from_address: Mapped[str] = mapped_column(String(64), default="")
    """The answering client's IP address."""
    user_agent: Mapped[str] = mapped_column(String(500), default="")


class LetterDocument(Base):
    """One document behind a letter's amounts, numbered from 0 in the issued (date) order: a page
    is a range of ``position``, read along the primary key."""

    __tablename__ = "letter_documents"

    letter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("letters.letter_id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[date] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    debit: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    credit: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    form: Mapped[str | None] = mapped_column(String(2), nullable=True)
    """BA/BS letters: ``BA`` or ``BS``."""
    net: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    """BA/BS letters: the document's total excluding VAT (TL)."""


class Attachment(Base):
    """The file a counterparty attached to the answer, kept here (it never travels on the bus)."""

    __tablename__ = "answer_attachments"

    letter_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("letters.letter_id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    file_name: Mapped[str] = mapped_column(String(255))
    """As the browser sent it, reduced to a plain name (no folders, no control characters)."""
    content_type: Mapped[str] = mapped_column(String(100))
    """What the content is, by its signature, never what the sender claimed."""
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime())


metadata = Base.metadata
