"""The tenant's letter e-mails as the operator sees them: a letter's (or a round's) e-mails with
every attempt, and the queue by state."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select, tuple_

from shared.errors import ValidationFailed

from .adapters.orm import DeliveryAttempt, LetterEmail
from .adapters.repository import NotifierUnitOfWork
from .letter_mail import store
from .schemas import DeliveryAttemptOut, EmailRecipientOut, LetterEmailOut, LetterEmailQueueOut


async def emails(
    tenant_id: uuid.UUID,
    *,
    letter_id: uuid.UUID | None,
    round_id: uuid.UUID | None,
    after: tuple[uuid.UUID, int] | None,
    limit: int,
    uow: NotifierUnitOfWork,
) -> list[LetterEmailOut]:
    """Up to ``limit`` e-mails of the letter or of the round, by letter and ``send_no``, after
    the cursor ``after``."""
    if (letter_id is None) == (round_id is None):
        raise ValidationFailed(
            "Give letter_id or round_id (one of them).",
            [{"location": "query.letter_id", "message": "letter_id or round_id is required"}],
        )
    query = select(LetterEmail).where(LetterEmail.tenant_id == tenant_id)
    if letter_id is not None:
        query = query.where(LetterEmail.letter_id == letter_id)
    else:
        query = query.where(LetterEmail.round_id == round_id)
    if after is not None:
        query = query.where(tuple_(LetterEmail.letter_id, LetterEmail.send_no) > after)
    query = query.order_by(LetterEmail.letter_id, LetterEmail.send_no).limit(limit)
    async with uow:
        rows = list(await uow.session.scalars(query))
        attempts = await _attempts(uow, tenant_id, rows)
    return [_out(row, attempts[row.letter_id, row.send_no]) for row in rows]


async def _attempts(
    uow: NotifierUnitOfWork, tenant_id: uuid.UUID, rows: list[LetterEmail]
) -> dict[tuple[uuid.UUID, int], list[DeliveryAttemptOut]]:
    found: dict[tuple[uuid.UUID, int], list[DeliveryAttemptOut]] = defaultdict(list)
    if not rows:
        return found
    query = (
        select(DeliveryAttempt)
        .where(
            DeliveryAttempt.tenant_id == tenant_id,
            DeliveryAttempt.letter_id.in_({row.letter_id for row in rows}),
        )
        .order_by(DeliveryAttempt.id)
    )
    for attempt in await uow.session.scalars(query):
        found[attempt.letter_id, attempt.send_no].append(
            DeliveryAttemptOut(
                to=attempt.recipient,
                at=attempt.at,
                outcome=attempt.outcome,  # type: ignore[arg-type]
                code=attempt.code,
                reply=attempt.reply,
            )
        )
    return found


def _out(row: LetterEmail, attempts: list[DeliveryAttemptOut]) -> LetterEmailOut:
    queued: dict[str, dict[str, Any]] = {
        r["address"].strip().lower(): r for r in row.email.get("recipients", [])
    }
    recipients = [
        EmailRecipientOut(
            address=r["address"],
            role=queued.get(r["address"].lower(), {}).get("role", ""),
            name=queued.get(r["address"].lower(), {}).get("name", ""),
            state=r["state"],
        )
        for r in row.recipients
    ]
    return LetterEmailOut(
        letter_id=row.letter_id,
        round_id=row.round_id,
        send_no=row.send_no,
        purpose=row.purpose,  # type: ignore[arg-type]
        state=row.state,  # type: ignore[arg-type]
        recipients=recipients,
        attempts=attempts,
        reason=row.reason,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        finished_at=row.finished_at,
    )


async def queue(tenant_id: uuid.UUID, *, uow: NotifierUnitOfWork) -> LetterEmailQueueOut:
    """How many of the tenant's e-mails are pending, waiting for a retry, sent, failed."""
    async with uow:
        found = await store.counts(uow.session, tenant_id)
    return LetterEmailQueueOut(**found)
