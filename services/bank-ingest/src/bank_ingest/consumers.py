"""What bank-ingest does with the events it receives."""

from __future__ import annotations

import structlog

from shared.errors import PermanentEventError
from shared.events import Envelope, MovementsProcessed
from shared.identity import IDENTITY_HANDLERS

from .adapters.repository import BankIngestUnitOfWork

log = structlog.get_logger(__name__)


async def on_movements_processed(
    event: MovementsProcessed, *, envelope: Envelope, uow: BankIngestUnitOfWork
) -> None:
    """The matcher exported or dropped movements (or brought them back): mirror the state."""
    if envelope.tenant is None:
        raise PermanentEventError("movements event without a tenant")
    await uow.movements.mark_processed(
        envelope.tenant, event.movement_ids, processed=event.processed, state=event.state[:20]
    )
    log.info(
        "movements marked processed" if event.processed else "movements marked open again",
        movements=len(event.movement_ids),
        state=event.state,
    )


HANDLERS = {**IDENTITY_HANDLERS, MovementsProcessed.type: on_movements_processed}
