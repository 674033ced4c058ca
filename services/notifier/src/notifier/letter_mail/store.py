"""The letter e-mail queue's statements: queue (idempotent), find who is due, claim with a lease,
record a round. Each works on many rows at once: a round of 5,000 letters is a few statements,
not a few per letter."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import QueuedEmail, RecipientOutcome

from ..adapters.orm import DeliveryAttempt, LetterEmail
from ..delivery import Attempt
from .settle import PENDING, Change, Claimed, recipients_of

EMAILS = cast(Table, LetterEmail.__table__)
ATTEMPTS = cast(Table, DeliveryAttempt.__table__)

_CHANGE = (
    update(EMAILS)
    .where(
        EMAILS.c.tenant_id == bindparam("k_tenant"),
        EMAILS.c.letter_id == bindparam("k_letter"),
        EMAILS.c.send_no == bindparam("k_send_no"),
    )
    .values(
        recipients=bindparam("v_recipients"),
        state=bindparam("v_state"),
        attempts=bindparam("v_attempts"),
        next_attempt_at=bindparam("v_next"),
        finished_at=bindparam("v_finished"),
        reason=bindparam("v_reason"),
    )
)


async def enqueue(
    session: AsyncSession, tenant_id: uuid.UUID, emails: Sequence[QueuedEmail], *, now: datetime
) -> None:
    """Store the e-mails, due now; an e-mail already known (``letter_id``, ``send_no``) is left
    as it is, so a redelivered event queues nothing twice."""
    if not emails:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(EMAILS).on_conflict_do_nothing(
        index_elements=["tenant_id", "letter_id", "send_no"]
    )
    await session.execute(statement, [_row(tenant_id, email, now) for email in emails])


def _row(tenant_id: uuid.UUID, email: QueuedEmail, now: datetime) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "letter_id": email.letter.letter_id,
        "send_no": email.send_no,
        "round_id": email.letter.round_id,
        "purpose": email.purpose,
        "email": email.model_dump(mode="json"),
        "recipients": recipients_of([recipient.address for recipient in email.recipients]),
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "finished_at": None,
        "reason": "",
    }


async def due_tenants(
    session: AsyncSession, *, now: datetime, limit: int = 1000
) -> list[uuid.UUID]:
    """Tenants with e-mails due (not held by a sender's lease)."""
    query = (
        select(EMAILS.c.tenant_id)
        .where(EMAILS.c.next_attempt_at <= now)
        .group_by(EMAILS.c.tenant_id)
        .limit(limit)
    )
    return list(await session.scalars(query))


async def claim(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    limit: int,
    now: datetime,
    lease_until: datetime,
    skip_locked: bool,
) -> list[Claimed]:
    """Hold up to ``limit`` of the tenant's due e-mails, oldest first, until ``lease_until``.
    On PostgreSQL rows another sender is claiming are skipped (``SKIP LOCKED``); and a row is
    only taken while still due, so two senders never hold one e-mail at once."""
    due = (
        select(EMAILS.c.letter_id, EMAILS.c.send_no)
        .where(EMAILS.c.tenant_id == tenant_id, EMAILS.c.next_attempt_at <= now)
        .order_by(EMAILS.c.next_attempt_at)
        .limit(limit)
    )
    statement = update(EMAILS).where(
        EMAILS.c.tenant_id == tenant_id, EMAILS.c.next_attempt_at <= now
    )
    if skip_locked:
        # Materialised, so the LIMIT holds: PostgreSQL may run an IN (subquery) more than once,
        # and with SKIP LOCKED each run can pick other rows.
        held = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        statement = statement.where(
            EMAILS.c.letter_id == held.c.letter_id, EMAILS.c.send_no == held.c.send_no
        )
    else:  # SQLite: one writer at a time, the subquery runs once
        statement = statement.where(tuple_(EMAILS.c.letter_id, EMAILS.c.send_no).in_(due))
    taken = await session.execute(
        statement.values(next_attempt_at=lease_until).returning(
            EMAILS.c.letter_id,
            EMAILS.c.send_no,
            EMAILS.c.email,
            EMAILS.c.recipients,
            EMAILS.c.attempts,
        )
    )
    return [Claimed(*row) for row in taken]


async def renew(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    letters: Collection[uuid.UUID],
    *,
    lease_until: datetime,
    until: datetime,
) -> int:
    """Extend the lease of e-mails still held under ``lease_until`` to ``until``; how many."""
    result = await session.execute(
        update(EMAILS)
        .where(
            EMAILS.c.tenant_id == tenant_id,
            EMAILS.c.letter_id.in_(letters),
            EMAILS.c.next_attempt_at == lease_until,
        )
        .values(next_attempt_at=until)
    )
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


async def record(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    lease_until: datetime,
    changes: Sequence[Change],
    attempts: Sequence[tuple[Claimed, Attempt]],
) -> list[Change]:
    """Store a round: every attempt, and the new state of each e-mail still held under
    ``lease_until`` (one whose lease ran out and was claimed again is the other sender's to
    record). Returns the changes applied."""
    held = await _still_held(session, tenant_id, {c.letter_id for c in changes}, lease_until)
    mine = [change for change in changes if (change.letter_id, change.send_no) in held]
    if mine:
        await session.execute(_CHANGE, [_change_params(tenant_id, change) for change in mine])
    if attempts:
        await session.execute(
            insert(ATTEMPTS),
            [_attempt_row(tenant_id, claimed, attempt) for claimed, attempt in attempts],
        )
    return mine


async def _still_held(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    letters: Collection[uuid.UUID],
    lease_until: datetime,
) -> set[tuple[uuid.UUID, int]]:
    # A write, not a read: it takes SQLite's write lock first and locks the rows on PostgreSQL.
    result = await session.execute(
        update(EMAILS)
        .where(
            EMAILS.c.tenant_id == tenant_id,
            EMAILS.c.letter_id.in_(letters),
            EMAILS.c.next_attempt_at == lease_until,
        )
        .values(next_attempt_at=lease_until)
        .returning(EMAILS.c.letter_id, EMAILS.c.send_no)
    )
    return {(letter_id, send_no) for letter_id, send_no in result}


def _change_params(tenant_id: uuid.UUID, change: Change) -> dict[str, Any]:
    return {
        "k_tenant": tenant_id,
        "k_letter": change.letter_id,
        "k_send_no": change.send_no,
        "v_recipients": change.recipients,
        "v_state": change.state,
        "v_attempts": change.rounds,
        "v_next": change.next_attempt_at,
        "v_finished": change.finished_at,
        "v_reason": change.reason,
    }


def _attempt_row(tenant_id: uuid.UUID, claimed: Claimed, attempt: Attempt) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "letter_id": claimed.letter_id,
        "send_no": claimed.send_no,
        "recipient": attempt.recipient,
        "outcome": attempt.outcome,
        "code": attempt.code,
        "reply": attempt.reply,
        "at": attempt.at,
    }


async def earlier_attempts(
    session: AsyncSession, tenant_id: uuid.UUID, keys: Collection[tuple[uuid.UUID, int]]
) -> dict[tuple[uuid.UUID, int], list[RecipientOutcome]]:
    """The attempts already stored of the given e-mails, in order."""
    if not keys:
        return {}
    rows = await session.execute(
        select(
            ATTEMPTS.c.letter_id,
            ATTEMPTS.c.send_no,
            ATTEMPTS.c.recipient,
            ATTEMPTS.c.outcome,
            ATTEMPTS.c.code,
            ATTEMPTS.c.reply,
            ATTEMPTS.c.at,
        )
        .where(
            ATTEMPTS.c.tenant_id == tenant_id,
            ATTEMPTS.c.letter_id.in_({letter_id for letter_id, _ in keys}),
        )
        .order_by(ATTEMPTS.c.id)
    )
    found: dict[tuple[uuid.UUID, int], list[RecipientOutcome]] = {key: [] for key in keys}
    for letter_id, send_no, address, outcome, code, reply, at in rows:
        if (letter_id, send_no) in found:
            found[letter_id, send_no].append(
                RecipientOutcome(address=address, outcome=outcome, code=code, reply=reply, at=at)
            )
    return found


async def counts(session: AsyncSession, tenant_id: uuid.UUID) -> dict[str, int]:
    """The tenant's e-mails per state; ``retrying``: pending after a first attempt."""
    retrying = EMAILS.c.attempts > 0
    rows = await session.execute(
        select(EMAILS.c.state, retrying, func.count())
        .where(EMAILS.c.tenant_id == tenant_id)
        .group_by(EMAILS.c.state, retrying)
    )
    found = {"pending": 0, "retrying": 0, "sent": 0, "failed": 0}
    for state, retried, count in rows:
        found["retrying" if state == PENDING and retried else state] += count
    return found
