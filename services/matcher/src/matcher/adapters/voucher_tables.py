"""Vouchers handed to the ERP, their numbering, the ERP's exchange rates and the webhooks.

On the same declarative ``Base`` as :mod:`matcher.adapters.orm`, so one metadata (and one
migration history) covers both.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.types import Money, UtcDateTime

from .orm import Base

LIVE_STATES = ("ready", "acknowledged")
_LIVE_ORIGINAL = text("state IN ('ready', 'acknowledged') AND reversal_of IS NULL")


class Voucher(Base):
    """A balanced voucher (fiş) for one confirmed movement, or the reversal of one.

    ``ready`` (the ERP may pull it) → ``acknowledged`` (booked by the ERP under
    ``erp_document_number``) → ``reversed`` (a reversal voucher undoes it); or ``ready`` →
    ``cancelled`` before the ERP acknowledged it."""

    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "series", "number", name="uq_vouchers_series_number"),
        UniqueConstraint("tenant_id", "seq", name="uq_vouchers_seq"),
        # At most one live voucher per movement, whatever the application does: a movement is
        # exported at most once. Reversal vouchers carry the movement too but are not its booking.
        Index(
            "uq_vouchers_live_movement",
            "movement_id",
            unique=True,
            postgresql_where=_LIVE_ORIGINAL,
            sqlite_where=_LIVE_ORIGINAL,
        ),
        Index("ix_vouchers_state_tenant_seq", "state", "tenant_id", "seq"),
        Index("ix_vouchers_movement", "movement_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
    """Position in the tenant's feed: allocated under a per-tenant lock held until commit, so
    vouchers become visible in ``seq`` order and a cursor over it never skips one."""
    movement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    document_type: Mapped[str] = mapped_column(String(40))
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500), default="")
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    """Positive, in ``currency``."""
    exchange_rate: Mapped[Decimal | None] = mapped_column(Money())
    """TRY per unit of ``currency`` (1 for TRY); None when the ERP pushed no rate for the date:
    the ERP then applies its own."""
    try_amount: Mapped[Decimal | None] = mapped_column(Money())
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """``account_kind`` (bank / counterparty / ledger), ``code``, ``name``, ``debit``,
    ``credit``, ``currency``, ``amount``, ``try_amount`` — amounts as decimal strings."""
    state: Mapped[str] = mapped_column(String(20))
    erp_document_number: Mapped[str | None] = mapped_column(String(60))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(320))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(320))
    reversal_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """For a reversal voucher: the voucher it undoes."""
    reversed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    """For a reversed voucher: its reversal voucher."""
    reversed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class VoucherFeed(Base):
    """The tenant's next voucher ``seq``. Its row lock serialises a tenant's voucher issuing."""

    __tablename__ = "voucher_feeds"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    next_seq: Mapped[int] = mapped_column(Integer)


class SeriesCounter(Base):
    """The next number the series would give (numbers taken explicitly are skipped)."""

    __tablename__ = "series_counters"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer)


class DocumentSeries(Base):
    """A tenant's series per document type; ``*`` is the tenant's default for the others."""

    __tablename__ = "document_series"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    document_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    series: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class ExchangeRate(Base):
    """TRY per unit of a currency on a date, as the ERP books it (pushed over REST)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "currency", "date", name="uq_exchange_rates_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Money())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class Webhook(Base):
    """An ERP endpoint that gets every ready voucher of its tenant, signed with ``secret``."""

    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret_sealed: Mapped[str] = mapped_column(Text)
    """The signing secret, encrypted with :class:`shared.secrets.SecretBox`."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    """One voucher event for one webhook, and every attempt to deliver it (the delivery log)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "voucher_id", "event", name="uq_webhook_deliveries_once"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at"),
        Index("ix_webhook_deliveries_voucher", "voucher_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    webhook_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    voucher_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event: Mapped[str] = mapped_column(String(30))
    """``voucher.ready`` or ``voucher.cancelled``."""
    status: Mapped[str] = mapped_column(String(20))
    """``pending`` (due at ``next_attempt_at``), ``delivered``, ``failed`` (attempts used up) or
    ``skipped`` (the voucher left ``ready`` or the webhook was deleted before delivery)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Every attempt: ``attempt``, ``at``, ``http_status``, ``error``, ``duration_ms``."""
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
