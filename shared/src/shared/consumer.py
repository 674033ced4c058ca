"""Turns a service's event handlers into the one bus handler of its queue, with the inbox."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from sqlalchemy import text

from . import inbox
from .bus import Handler, Unavailable
from .bus.base import is_permanent
from .errors import PermanentEventError
from .events import Envelope, parse
from .logging import correlation_id
from .uow import UnitOfWork

EventHandler = Callable[..., Awaitable[None]]
"""``async def handle(event, *, envelope, uow) -> None`` — changes state, never commits or publishes."""

log = structlog.get_logger(__name__)

DATABASE_CHECK_SECONDS = 5.0
"""How long a failed handler's service waits for its database to answer ``SELECT 1``."""


def make_dispatcher(
    consumer: str,
    handlers: Mapping[str, EventHandler],
    new_uow: Callable[[], UnitOfWork],
    *,
    on_outcome: Callable[[str, str], Any] | None = None,
) -> Handler:
    """One transaction per event: claim its id in the inbox, run the handler, commit both."""

    async def dispatch(envelope: Envelope) -> None:
        token = correlation_id.set(envelope.correlation_id)
        try:
            handler = handlers.get(envelope.type)
            if handler is None:
                log.info("event ignored: no handler", consumer=consumer, type=envelope.type)
                return
            try:
                event = parse(envelope)
            except KeyError as exc:
                raise PermanentEventError(
                    f"unknown event {envelope.type} v{envelope.version}"
                ) from exc
            async with new_uow() as uow:
                if not await inbox.claim(uow.session, consumer, envelope.id):
                    _report(on_outcome, envelope.type, "duplicate")
                    log.info("event already handled", type=envelope.type, event_id=str(envelope.id))
                    return
                await handler(event, envelope=envelope, uow=uow)
                await uow.commit()
            _report(on_outcome, envelope.type, "handled")
            log.info("event handled", type=envelope.type, event_id=str(envelope.id))
        except Exception as exc:
            _report(on_outcome, envelope.type, "failed")
            if not is_permanent(exc) and not await _database_answers(new_uow):
                raise Unavailable(
                    f"the database does not answer ({type(exc).__name__}: {exc})"
                ) from exc
            raise
        finally:
            correlation_id.reset(token)

    return dispatch


async def _database_answers(new_uow: Callable[[], UnitOfWork]) -> bool:
    """Whether the service's database takes a query now. A handler that failed while it does
    not failed for that reason, not for the event's: the bus then retries without counting."""
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS), new_uow() as uow:
            await uow.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - refused, shutting down, timed out: all mean "away"
        return False
    return True


def _report(on_outcome: Callable[[str, str], Any] | None, event_type: str, outcome: str) -> None:
    if on_outcome:
        on_outcome(event_type, outcome)
