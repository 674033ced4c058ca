"""The transactional outbox and its relay to the bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .bus import Bus
from .events import Envelope
from .tables import outbox

log = structlog.get_logger(__name__)


async def add(session: AsyncSession, envelope: Envelope) -> None:
    await add_encoded(session, envelope, envelope.model_dump_json())


async def add_encoded(session: AsyncSession, envelope: Envelope, body: str) -> None:
    """Store ``envelope`` as ``body``, its JSON built by the caller (see :func:`spliced`)."""
    await session.execute(
        insert(outbox).values(
            event_id=envelope.id,
            routing_key=envelope.type,
            body=body,
            created_at=datetime.now(UTC),
        )
    )


def spliced(envelope: Envelope, key: str, items: Sequence[str]) -> str:
    """``envelope``'s JSON with the empty list at ``payload[key]`` (the payload's last key)
    replaced by ``items``, each already a JSON value: a batch event's thousand items are
    encoded where they are made, not dumped again here."""
    body = envelope.model_dump_json()
    empty = f'"{key}":[]}}}}'
    if not body.endswith(empty) or envelope.payload.get(key) != []:
        raise ValueError(f"payload[{key!r}] must be an empty list, and the payload's last key")
    return f'{body[: -len(empty)]}"{key}":[{",".join(items)}]}}}}'


async def backlog(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(outbox))).scalar_one()


class OutboxRelay:
    """Moves committed outbox rows to the bus in batches; a row is deleted only after the broker
    confirmed it. A crash after the confirm and before the delete republishes it: consumers'
    inboxes make that harmless."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        bus: Bus,
        *,
        skip_locked: bool,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        on_published: Callable[[int], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._bus = bus
        self._skip_locked = skip_locked
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._on_published = on_published
        self._wakeup = asyncio.Event()
        self._more = False  # the last batch was cut short by MAX_BATCH_BYTES: rows are waiting
        self.last_error: str | None = None

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                published = await self.relay_once()
                failures, self.last_error = 0, None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the broker or database is away: keep the rows
                failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                delay = min(0.2 * 2**failures, 5.0)
                log.warning("outbox relay failed; retrying", error=self.last_error, retry_in=delay)
                await asyncio.sleep(delay)
                continue
            if published < self._batch_size and not self._more:
                await self._wait()

    async def _wait(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_seconds)
        self._wakeup.clear()

    async def relay_once(self) -> int:
        """Publish one batch; return how many rows it moved."""
        self._more = False
        async with self._sessions() as session, session.begin():
            # PostgreSQL's octet_length is read from the stored value's header: a large body is
            # not decompressed just to be measured (SQLite may lack the function).
            postgres = session.bind.dialect.name == "postgresql"
            size = func.octet_length if postgres else func.length
            query = select(outbox.c.seq, size(outbox.c.body).label("size"))
            query = query.order_by(outbox.c.seq).limit(self._batch_size)
            if self._skip_locked:  # several relays of one service share the table safely
                query = query.with_for_update(skip_locked=True)
            candidates = (await session.execute(query)).all()
            seqs = _within_budget(candidates, MAX_BATCH_BYTES)
            if not seqs:
                return 0
            self._more = len(seqs) < len(candidates)
            rows = await session.execute(
                select(outbox.c.event_id, outbox.c.routing_key, outbox.c.body)
                .where(outbox.c.seq.in_(seqs))
                .order_by(outbox.c.seq)
            )
            envelopes = [StoredEnvelope.of(*row) for row in rows]
            await self._bus.publish(envelopes)
            await session.execute(delete(outbox).where(outbox.c.seq.in_(seqs)))
        if self._on_published:
            self._on_published(len(seqs))
        _log_published(envelopes)
        return len(seqs)


def _log_published(envelopes: Sequence[StoredEnvelope]) -> None:
    """One line per correlation id in the batch, under that id: a request's events can be
    followed from the request to the consumers."""
    by_correlation: dict[str, Counter[str]] = defaultdict(Counter)
    for envelope in envelopes:
        by_correlation[envelope.correlation_id][envelope.type] += 1
    for correlation_id, types in by_correlation.items():
        log.info(
            "events published",
            correlation_id=correlation_id,
            events=sum(types.values()),
            types=dict(types),
        )


MAX_BATCH_BYTES = 8 * 1024 * 1024
"""A batch stops growing past this many bytes of bodies: a few large events (a thousand
movements each) must not be held in memory a hundred at a time."""


def _within_budget(rows: Sequence[Row], budget: int) -> list[int]:
    chosen, total = [], 0
    for seq, size in rows:
        if chosen and total + size > budget:
            break
        chosen.append(seq)
        total += size
    return chosen


_CORRELATION = re.compile(r'"correlation_id":("(?:[^"\\]|\\.)*")')


@dataclass(frozen=True)
class StoredEnvelope:
    """An envelope as the outbox stored it, published without decoding and re-encoding its body
    (which can be a thousand movements long). Has what the bus adapters read of an envelope."""

    id: uuid.UUID
    type: str
    correlation_id: str
    body: bytes

    @classmethod
    def of(cls, event_id: uuid.UUID, routing_key: str, body: str) -> StoredEnvelope:
        # The body is Envelope.model_dump_json(): correlation_id comes before the payload.
        found = _CORRELATION.search(body, 0, 2000)
        correlation_id = json.loads(found.group(1)) if found else ""
        return cls(event_id, routing_key, correlation_id, body.encode())

    def to_json(self) -> bytes:
        return self.body
