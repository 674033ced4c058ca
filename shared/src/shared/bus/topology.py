"""Which service consumes which events. Every service declares all of it on start, so an event
published before its consumer ever ran waits in the consumer's durable queue instead of vanishing."""

from __future__ import annotations

from .base import Topology

IDENTITY = "reconciliation.api_key.*"

SUBSCRIPTIONS: Topology = {
    "bank-ingest": (IDENTITY, "matcher.movements.processed"),
    "matcher": (
        IDENTITY,
        "bank_ingest.account.registered",
        "bank_ingest.movements.recorded",
        "reconciliation.counterparties.changed",
    ),
    "reconciliation": (
        "notifier.letters.delivered",
        "portal.letter.viewed",
        "portal.letter.answered",
    ),
    "notifier": (IDENTITY, "reconciliation.letters.queued"),
    "portal": (IDENTITY, "reconciliation.letters.issued"),
}

SERVICES: tuple[str, ...] = tuple(SUBSCRIPTIONS)
