"""The inbox: a handled event's id is stored in the same transaction as the handler's effect."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import inbox


async def claim(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    """Record the event as handled by ``consumer``; False if it already was (a redelivery)."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(inbox)
        .values(consumer=consumer, event_id=event_id, handled_at=datetime.now(UTC))
        .on_conflict_do_nothing()
    )
    result = await session.execute(statement)
    return result.rowcount == 1
