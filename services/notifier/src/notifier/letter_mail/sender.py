"""The sender: a background job that sends every tenant's due letter e-mails.

Per tenant, a queue in the database (``letter_emails``, due by ``next_attempt_at``), drained in
batches: claim (a lease) and render, send over a few SMTP sessions, record — a batch is sent
while the one before is recorded and the next one claimed and rendered. At most
``send_tenants`` tenants at once, ``send_connections`` sessions each, and each tenant at most its
``max_per_minute`` (a token bucket in this process). A queued event wakes it at once; otherwise
it looks every ``send_poll_seconds``.

Delivery is at least once: a sender that dies after sending and before recording leaves its
e-mails leased; when the lease ends they are due again and sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from weakref import WeakKeyDictionary

import structlog
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker

from shared.runtime import Runtime
from shared.secrets import SecretBox

from ..settings import NotifierSettings
from . import batch, store
from .bucket import TokenBucket

log = structlog.get_logger(__name__)

TURN_BATCHES = 20
"""Batches a tenant sends before it makes way for the others (then it queues up again)."""

_wakeups: WeakKeyDictionary[async_sessionmaker, asyncio.Event] = WeakKeyDictionary()
"""The running senders, by their service instance's session factory (several apps may run in
one process: embedded mode, tests)."""


def wake(sessions: async_sessionmaker) -> None:
    """Tell the sender of the service instance behind ``sessions`` that e-mails are due."""
    wakeup = _wakeups.get(sessions)
    if wakeup is not None:
        wakeup.set()


async def letter_sender(runtime: Runtime) -> None:
    """Background job: send due letter e-mails until cancelled; never dies of an error."""
    sender = Sender(runtime)
    _wakeups[runtime.sessions] = sender.wakeup
    try:
        await sender.run()
    finally:
        _wakeups.pop(runtime.sessions, None)


class Sender:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings: NotifierSettings = runtime.settings  # type: ignore[assignment]
        self.box = SecretBox(self.settings.secret_key)
        self.wakeup = asyncio.Event()
        self.running: dict[uuid.UUID, asyncio.Task[bool]] = {}
        self.buckets: dict[uuid.UUID, TokenBucket] = {}
        self.last_turn: dict[uuid.UUID, float] = {}

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self._start_due()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - the database is away: look again later
                    log.exception("letter sender: looking for due e-mails failed")
                await self._wait()
        finally:
            for task in self.running.values():
                task.cancel()
            await asyncio.gather(*self.running.values(), return_exceptions=True)

    async def _wait(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wakeup.wait(), timeout=self.settings.send_poll_seconds)
        self.wakeup.clear()

    async def _start_due(self) -> None:
        free = self.settings.send_tenants - len(self.running)
        if free <= 0:
            return
        async with self.runtime.sessions() as session:
            due = await store.due_tenants(session, now=datetime.now(UTC))
        waiting = [tenant for tenant in due if tenant not in self.running]
        waiting.sort(key=lambda tenant: self.last_turn.get(tenant, 0.0))  # the longest idle first
        for tenant in waiting[:free]:
            task = asyncio.create_task(self._tenant(tenant), name=f"letter-sender-{tenant}")
            self.running[tenant] = task
            task.add_done_callback(partial(self._finished, tenant))

    def _finished(self, tenant: uuid.UUID, task: asyncio.Task[bool]) -> None:
        self.running.pop(tenant, None)
        self.last_turn[tenant] = time.monotonic()
        if not task.cancelled() and task.result():
            self.wakeup.set()  # more may be due, of this tenant or another

    async def _tenant(self, tenant: uuid.UUID) -> bool:
        """A turn of the tenant's due e-mails; whether any were sent. A batch that failed is
        sent again when its lease ends."""
        try:
            return await self._turn(tenant)
        except asyncio.CancelledError:
            raise
        except OperationalError as exc:  # SQLite busy, PostgreSQL restarting
            log.warning("letter batch postponed", tenant=str(tenant), error=str(exc)[:300])
        except Exception:  # noqa: BLE001 - never let the sender die
            log.exception("letter batch failed; sent again after its lease", tenant=str(tenant))
        return False

    async def _turn(self, tenant: uuid.UUID) -> bool:
        """Up to ``TURN_BATCHES`` batches, each sent while the one before is recorded and the
        one after is claimed and rendered (the SMTP sessions wait on the server most of the
        time; that time is used)."""
        held: list[batch.Batch] = []
        keeper = asyncio.create_task(self._keep_leases(held))
        try:
            ready = await self._claim(tenant, held)
            sent: batch.Batch | None = None
            turns = 0
            while ready is not None:
                turns += 1
                sending = asyncio.create_task(batch.send(self.runtime, ready))
                try:
                    if sent is not None:
                        await self._record(sent, held)
                    upcoming = await self._claim(tenant, held) if turns < TURN_BATCHES else None
                except BaseException:
                    sending.cancel()
                    await asyncio.gather(sending, return_exceptions=True)
                    raise
                await sending
                sent, ready = ready, upcoming
            if sent is not None:
                await self._record(sent, held)
            return turns > 0
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _record(self, done: batch.Batch, held: list[batch.Batch]) -> None:
        held.remove(done)
        await batch.record(self.runtime, done)

    async def _keep_leases(self, held: list[batch.Batch]) -> None:
        """Renew the leases of the batches in hand every third of a lease."""
        while True:
            await asyncio.sleep(self.settings.send_lease_seconds / 3)
            for each in list(held):
                try:
                    await batch.renew(self.runtime, each)
                except Exception as exc:  # noqa: BLE001 - the next round tries again
                    log.warning("letter lease not renewed", error=str(exc)[:300])

    async def _claim(self, tenant: uuid.UUID, held: list[batch.Batch]) -> batch.Batch | None:
        """The tenant's next batch, as large as its rate limit allows now (waiting for at least
        one e-mail's worth); None when nothing is due."""
        target = await batch.load_target(self.runtime, tenant, self.box)
        bucket = self.buckets.setdefault(tenant, TokenBucket(target.per_minute))
        bucket.set_rate(target.per_minute)
        wanted = await _tokens(bucket, self.settings.send_batch_size)
        ready = await batch.claim(self.runtime, tenant, target, wanted)
        bucket.give_back(wanted - (len(ready.claimed) if ready is not None else 0))
        if ready is not None:
            held.append(ready)
        return ready


async def _tokens(bucket: TokenBucket, wanted: int) -> int:
    """At least one token and up to ``wanted``, waiting for the first when the bucket is dry."""
    while True:
        taken = bucket.take(wanted)
        if taken:
            return taken
        await asyncio.sleep(bucket.wait_seconds())
