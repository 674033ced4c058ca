"""Turns a service's event handlers into the one bus handler of its queue, with the inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

from . import inbox
from .bus import Handler
from .errors import PermanentEventError
from .events import Envelope, parse
from .logging import correlation_id
from .uow import UnitOfWork

EventHandler = Callable[..., Awaitable[None]]
"""``async def handle(event, *, envelope, uow) -> None`` — changes state, never commits or publishes."""

log = structlog.get_logger(__name__)


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
                    return
                await handler(event, envelope=envelope, uow=uow)
                await uow.commit()
            _report(on_outcome, envelope.type, "handled")
        except Exception:
            _report(on_outcome, envelope.type, "failed")
            raise
        finally:
            correlation_id.reset(token)

    return dispatch


def _report(on_outcome: Callable[[str, str], Any] | None, event_type: str, outcome: str) -> None:
    if on_outcome:
        on_outcome(event_type, outcome)
