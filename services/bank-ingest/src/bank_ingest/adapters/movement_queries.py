"""Reading movements: the filtered, paginated listing and its totals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy import Select, and_, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.text import fold
from .orm import Movement


@dataclass(frozen=True)
class MovementFilter:
    account_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    direction: Literal["incoming", "outgoing"] | None = None
    amount_min: Decimal | None = None
    """On the absolute amount; combine with ``direction`` for the sign."""
    amount_max: Decimal | None = None
    text: str | None = None
    processed: bool | None = None
    statement_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Totals:
    currency: str
    count: int
    incoming: Decimal
    outgoing: Decimal


class MovementQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: uuid.UUID, movement_id: uuid.UUID) -> Movement | None:
        return await self.session.scalar(
            select(Movement).where(Movement.tenant_id == tenant_id, Movement.id == movement_id)
        )

    async def page(
        self,
        tenant_id: uuid.UUID,
        where: MovementFilter,
        *,
        after: tuple[date, uuid.UUID] | None,
        limit: int,
    ) -> list[Movement]:
        """Newest booking date first."""
        query = _filtered(select(Movement), tenant_id, where)
        if after is not None:
            query = query.where(tuple_(Movement.booking_date, Movement.id) < tuple_(*after))
        query = query.order_by(Movement.booking_date.desc(), Movement.id.desc()).limit(limit)
        return list(await self.session.scalars(query))

    async def totals(self, tenant_id: uuid.UUID, where: MovementFilter) -> list[Totals]:
        """Count and sums per currency of everything the filter selects (not just one page)."""
        query = _filtered(
            select(
                Movement.currency,
                func.count(),
                func.sum(Movement.amount).filter(Movement.amount > 0),
                func.sum(Movement.amount).filter(Movement.amount < 0),
            ),
            tenant_id,
            where,
        ).group_by(Movement.currency)
        rows = (await self.session.execute(query.order_by(Movement.currency))).all()
        return [
            Totals(currency, count, incoming or Decimal("0.00"), outgoing or Decimal("0.00"))
            for currency, count, incoming, outgoing in rows
        ]


def _filtered(query: Select, tenant_id: uuid.UUID, where: MovementFilter) -> Select:
    conditions = [Movement.tenant_id == tenant_id]
    if where.account_id:
        conditions.append(Movement.account_id == where.account_id)
    if where.statement_id:
        conditions.append(Movement.statement_id == where.statement_id)
    if where.date_from:
        conditions.append(Movement.booking_date >= where.date_from)
    if where.date_to:
        conditions.append(Movement.booking_date <= where.date_to)
    if where.direction == "incoming":
        conditions.append(Movement.amount > 0)
    elif where.direction == "outgoing":
        conditions.append(Movement.amount < 0)
    if where.amount_min is not None or where.amount_max is not None:
        conditions.append(_absolute_between(where.amount_min, where.amount_max))
    if where.text:
        pattern = (
            "%"
            + fold(where.text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        conditions.append(Movement.search_text.like(pattern, escape="\\"))
    if where.processed is not None:
        conditions.append(Movement.processed == where.processed)
    return query.where(*conditions)


def _absolute_between(low: Decimal | None, high: Decimal | None):
    # abs() would lose the column's type (and with it the SQLite scaling), so both signs are spelled out.
    positive, negative = [Movement.amount >= 0], [Movement.amount < 0]
    if low is not None:
        positive.append(Movement.amount >= low)
        negative.append(Movement.amount <= -low)
    if high is not None:
        positive.append(Movement.amount <= high)
        negative.append(Movement.amount >= -high)
    return or_(and_(*positive), and_(*negative))
