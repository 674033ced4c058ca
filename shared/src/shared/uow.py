"""The unit of work: one transaction, committed explicitly, rolled back otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import outbox
from .events import Envelope, Event
from .logging import current_correlation_id


class UnitOfWork:
    """``async with uow: ...; await uow.commit()``. Events emitted inside are written to the outbox
    in the same transaction, so they exist exactly when the state change does."""

    session: AsyncSession

    def __init__(
        self, sessions: async_sessionmaker, *, on_commit_events: Callable[[], None] | None = None
    ):
        self._sessions = sessions
        self._on_commit_events = on_commit_events
        self._emitted = 0

    @property
    def sessions(self) -> async_sessionmaker:
        """The factory this unit of work's sessions come from: one per service instance."""
        return self._sessions

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._emitted = 0
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # close() rolls back whatever was not committed, and unlike rollback() it leaves loaded
        # objects readable (detached, not expired) for the response.
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        if self._emitted and self._on_commit_events:
            self._on_commit_events()  # wake the relay now instead of at its next poll
        self._emitted = 0

    async def rollback(self) -> None:
        await self.session.rollback()
        self._emitted = 0

    async def emit(self, event: Event, *, tenant: uuid.UUID | None) -> Envelope:
        envelope = Envelope.wrap(event, tenant=tenant, correlation_id=current_correlation_id())
        await outbox.add(self.session, envelope)
        self._emitted += 1
        return envelope

    async def emit_payload(
        self, event: type[Event], payload: dict[str, Any], *, tenant: uuid.UUID | None
    ) -> Envelope:
        """Like :meth:`emit` for large batches whose payload is built JSON-ready by the caller:
        no model is built and dumped per item. Consumers still validate it against ``event``."""
        envelope = Envelope(
            type=event.type,
            version=event.version,
            tenant=tenant,
            correlation_id=current_correlation_id(),
            payload=payload,
        )
        await outbox.add(self.session, envelope)
        self._emitted += 1
        return envelope
