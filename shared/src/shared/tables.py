"""Tables every service has in its own database. Each service's first migration creates them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

from .types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
SequenceId = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox",
    metadata,
    Column("seq", SequenceId, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("routing_key", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("handled_at", UtcDateTime(), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", Uuid, primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("user_email", String(320), nullable=True),
    Column("label", String(200), nullable=False, default=""),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)
