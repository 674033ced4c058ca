"""The bus interface both adapters implement, and the delivery semantics they share.

Semantics (checked by one contract suite for both adapters):
- a message goes to every queue bound to a matching routing-key pattern (AMQP topic rules);
- at-least-once: a handler that raises gets the message again after ``retry_delays[n]``;
- after ``len(retry_delays) + 1`` failed attempts, or at once for :class:`PermanentEventError`
  and undecodable bodies, the message goes to the queue's dead-letter store, which can be
  listed and replayed;
- a handler that raises :class:`Unavailable` (what it needs, e.g. its database, is away) gets
  the message again after the delay of its current attempt, which is not used up: an outage
  of any length parks nothing;
- every message crosses the bus as JSON bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError

from ..errors import PermanentEventError
from ..events import Envelope

Handler = Callable[[Envelope], Awaitable[None]]


class Publishable(Protocol):
    """What publishing reads of a message: an :class:`Envelope`, or one stored by the outbox."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def type(self) -> str: ...
    @property
    def correlation_id(self) -> str: ...
    def to_json(self) -> bytes: ...


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    routing_key: str
    attempts: int
    error: str
    failed_at: datetime
    body: str


class Bus(Protocol):
    """Publish envelopes, consume a queue, inspect and replay its dead letters."""

    async def start(self) -> None:
        """Connect and declare the whole topology (idempotent)."""

    async def close(self) -> None: ...

    async def publish(self, envelopes: Sequence[Publishable]) -> None:
        """Return once the broker has confirmed every envelope; raise if it did not."""

    async def consume(self, service: str, handler: Handler) -> None:
        """Start delivering the service's queue to ``handler``."""

    async def stop_consuming(self, service: str) -> None: ...

    async def dead_letters(self, service: str, *, limit: int = 100) -> list[DeadLetter]: ...

    async def dead_letter_count(self, service: str) -> int:
        """How many dead letters the service's queue holds, without reading them."""

    async def replay(self, service: str, message_ids: Sequence[str] | None = None) -> int:
        """Move dead letters (all, or the given ids) back to the service's queue; return how many."""

    def is_ready(self) -> bool: ...


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more words."""
    return _match(pattern.split("."), key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _match(rest, words[1:])


class Unavailable(Exception):  # noqa: N818 - a state, like PermanentEventError's verdict
    """The handler could not run because something it depends on (its database) does not
    answer. The message is not at fault: it is retried without using up an attempt."""


def is_permanent(exc: BaseException) -> bool:
    """Failures that no retry can fix: the handler said so, or the message cannot be decoded."""
    return isinstance(exc, (PermanentEventError, ValidationError))


def queue_name(prefix: str, service: str) -> str:
    return f"{prefix}.{service}"


def new_message_id() -> str:
    return str(uuid.uuid4())


Topology = Mapping[str, Sequence[str]]
"""Service name → routing-key patterns its queue is bound to."""
