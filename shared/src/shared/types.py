"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

SCALE = 4
_QUANTUM = Decimal(1).scaleb(-SCALE)
_CENTS = Decimal("0.01")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp. SQLite keeps no offset, so one is put back on reading."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Money(TypeDecorator[Decimal]):
    """An exact amount with up to four decimals (ISO 4217 goes no further).

    PostgreSQL keeps ``numeric``. SQLite has no exact decimal type — it would store a float — so
    there the amount is an integer of ten-thousandths; sums and comparisons stay exact on both.
    """

    impl = Numeric(22, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(22, SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        exact = Decimal(value).quantize(_QUANTUM)
        if exact != value:
            raise ValueError(f"{value} has more than {SCALE} decimals")
        return int(exact.scaleb(SCALE)) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Decimal | int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        amount = Decimal(value).scaleb(-SCALE) if dialect.name == "sqlite" else Decimal(value)
        return tidy(amount)


def tidy(amount: Decimal) -> Decimal:
    """Two decimals when that is exact (``12.50``), otherwise as few as needed (``0.125``)."""
    cents = amount.quantize(_CENTS)
    return cents if cents == amount else amount.normalize()
