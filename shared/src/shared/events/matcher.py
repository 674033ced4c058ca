"""Events published by the matcher."""

from __future__ import annotations

import uuid

from .envelope import Event
from .registry import register


@register
class MovementsProcessed(Event):
    """Movements that left (``processed=True``: exported to the ERP or dropped for good) or came
    back to (``processed=False``) the operator's worklist."""

    type = "matcher.movements.processed"
    movement_ids: list[uuid.UUID]
    processed: bool
    state: str
    """The matcher's state for them, e.g. ``exported``, ``dropped``, ``proposed``."""
