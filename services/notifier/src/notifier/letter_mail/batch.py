"""One batch of a tenant's e-mails: claimed (a lease) and made ready, sent, recorded — the
attempts, the e-mails' new state and the reports of those settled in one transaction."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import DeliveryReport, LetterEmailsDelivered, QueuedEmail, RecipientOutcome
from shared.runtime import Runtime
from shared.secrets import SecretBox, SecretUnreadable

from ..adapters.repository import NotifierUnitOfWork
from ..delivery import Attempt, Outgoing, deliver
from ..letter_templates import override_for
from ..settings import NotifierSettings
from ..smtp import Security, tls_context
from ..smtp_settings import client_options, rate_limit, system_server, tenant_server
from . import store
from .compose import Composer
from .settle import (
    Change,
    Claimed,
    addressable,
    after_round,
    nobody_to_send,
    not_sendable,
    outcome_of,
    report,
)

log = structlog.get_logger(__name__)

YIELD_EVERY = 1
"""Letters rendered between two yields to the event loop, so the batch being sent meanwhile
keeps its SMTP sessions busy."""


@dataclass(frozen=True)
class Target:
    """Where and how a tenant's e-mails go now (read for every batch: changed settings apply to
    the next one)."""

    composer: Composer
    per_minute: int
    ssl_context: ssl.SSLContext | None
    problem: str | None = None
    """Why nothing can be sent (a password sealed under another secret key)."""


@dataclass
class Batch:
    tenant_id: uuid.UUID
    target: Target
    claimed: list[Claimed]
    lease_until: datetime
    outgoing: list[Outgoing] = field(default_factory=list)
    unsendable: dict[int, str | None] = field(default_factory=dict)
    """Index in ``claimed`` → why that e-mail cannot be made (None: no recipient is left)."""
    changes: list[Change] = field(default_factory=list)
    attempts: list[tuple[Claimed, Attempt]] = field(default_factory=list)
    lease_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while the lease is renewed or the batch recorded: both read ``lease_until``."""


def _settings(runtime: Runtime) -> NotifierSettings:
    return cast(NotifierSettings, runtime.settings)


def _uow(runtime: Runtime) -> NotifierUnitOfWork:
    return cast(NotifierUnitOfWork, runtime.new_uow())


async def load_target(runtime: Runtime, tenant_id: uuid.UUID, box: SecretBox) -> Target:
    """The tenant's server (its own, else the system's), templates and rate limit."""
    settings = _settings(runtime)
    async with _uow(runtime) as uow:
        row = await uow.smtp_settings.get(tenant_id)
    problem = None
    try:
        server = tenant_server(row, box) if row is not None else system_server(settings)
    except SecretUnreadable as exc:
        server, problem = system_server(settings), f"SMTP settings: {exc.detail}"
    tr = await override_for(tenant_id, "tr", uow=_uow(runtime))
    en = await override_for(tenant_id, "en", uow=_uow(runtime))
    composer = Composer(
        server, {"tr": tr, "en": en}, settings.portal_link_base, settings.secret_key
    )
    secure = server.security is not Security.NONE
    context = tls_context(client_options(settings)) if secure else None
    return Target(composer, rate_limit(row, settings), context, problem)


async def claim(runtime: Runtime, tenant_id: uuid.UUID, target: Target, limit: int) -> Batch | None:
    """Up to ``limit`` due e-mails of the tenant, held for ``send_lease_seconds`` and made ready
    to send; None when none are due."""
    now = datetime.now(UTC)
    lease_until = now + timedelta(seconds=_settings(runtime).send_lease_seconds)
    async with runtime.new_uow() as uow:
        claimed = await store.claim(
            uow.session,
            tenant_id,
            limit=limit,
            now=now,
            lease_until=lease_until,
            skip_locked=runtime.engine.dialect.name == "postgresql",
        )
        await uow.commit()
    if not claimed:
        return None
    batch = Batch(tenant_id, target, claimed, lease_until)
    await _compose(batch)
    return batch


async def _compose(batch: Batch) -> None:
    for index, item in enumerate(batch.claimed):
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
        if batch.target.problem is not None:
            batch.unsendable[index] = batch.target.problem
            continue
        if not item.pending:
            batch.unsendable[index] = None
            continue
        try:
            email = QueuedEmail.model_validate(item.email)
            to = addressable(item.recipients)
            made = batch.target.composer.outgoing(str(index), email, to=to, send_to=item.pending)
            batch.outgoing.append(made)
        except Exception as exc:  # noqa: BLE001 - a letter that cannot be made fails, never sticks
            batch.unsendable[index] = f"The letter cannot be made: {exc}"
            log.warning("letter e-mail not sendable", letter_id=str(item.letter_id), error=str(exc))


async def send(runtime: Runtime, batch: Batch) -> None:
    """One round of each e-mail (to its recipients still pending); fills ``batch.changes`` and
    ``batch.attempts``."""
    settings = _settings(runtime)
    attempts = await deliver(
        batch.target.composer.server,
        batch.outgoing,
        connections=settings.send_connections,
        timeout=settings.smtp_timeout,
        ssl_context=batch.target.ssl_context,
    ) if batch.outgoing else []  # fmt: skip
    made: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        made[int(attempt.key)].append(attempt)
        runtime.metrics.smtp_attempts.labels(attempt.outcome).inc()
    now = datetime.now(UTC)
    for index, item in enumerate(batch.claimed):
        if index in batch.unsendable:
            problem = batch.unsendable[index]
            batch.changes.append(
                nobody_to_send(item, now=now)
                if problem is None
                else not_sendable(item, problem, now=now)
            )
            continue
        delays = settings.send_retry_delays
        batch.changes.append(after_round(item, made[index], now=now, retry_delays=delays))
        batch.attempts.extend((item, attempt) for attempt in made[index])


async def renew(runtime: Runtime, batch: Batch) -> None:
    """Hold the batch's e-mails for another ``send_lease_seconds`` (a slow server must not let
    the lease run out while they are still being sent)."""
    until = datetime.now(UTC) + timedelta(seconds=_settings(runtime).send_lease_seconds)
    letters = {item.letter_id for item in batch.claimed}
    async with batch.lease_lock, runtime.new_uow() as uow:
        await store.renew(
            uow.session, batch.tenant_id, letters, lease_until=batch.lease_until, until=until
        )
        await uow.commit()
        batch.lease_until = until


async def record(runtime: Runtime, batch: Batch) -> list[Change]:
    """Store the round and announce the e-mails it settled (``notifier.letters.delivered``, up
    to ``send_batch_size`` reports an event), in one transaction. Returns the changes applied."""
    size = _settings(runtime).send_batch_size
    async with batch.lease_lock, runtime.new_uow() as uow:
        applied = await store.record(
            uow.session,
            batch.tenant_id,
            lease_until=batch.lease_until,
            changes=batch.changes,
            attempts=batch.attempts,
        )
        reports = await _reports(uow.session, batch, [c for c in applied if c.settled])
        for start in range(0, len(reports), size):
            chunk = reports[start : start + size]
            await uow.emit(LetterEmailsDelivered(reports=chunk), tenant=batch.tenant_id)
        await uow.commit()
    for change in applied:
        if change.settled:
            runtime.metrics.email_settled("letter", change.state)
    return applied


async def _reports(
    session: AsyncSession, batch: Batch, settled: Sequence[Change]
) -> list[DeliveryReport]:
    """Each settled e-mail's report with all its attempts: this round's for an e-mail on its
    first round, else the stored ones (this round's included, written just before)."""
    first = {(c.letter_id, c.send_no) for c in batch.claimed if c.rounds == 0}
    this_round: dict[tuple[uuid.UUID, int], list[RecipientOutcome]] = defaultdict(list)
    for item, attempt in batch.attempts:
        this_round[item.letter_id, item.send_no].append(outcome_of(attempt))
    keys = [(change.letter_id, change.send_no) for change in settled]
    earlier = await store.earlier_attempts(
        session, batch.tenant_id, [key for key in keys if key not in first]
    )
    return [
        report(change, this_round[key] if key in first else earlier[key])
        for change, key in zip(settled, keys, strict=True)
    ]
