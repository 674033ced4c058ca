"""The tenant's letter e-mails: what became of each, and the queue."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query

from shared.auth import Principal, Role
from shared.http.deps import get_runtime, get_uow, require
from shared.http.problems import PROBLEM_RESPONSES
from shared.pagination import Page, decode_cursor, page_of
from shared.portal_links import letter_link
from shared.runtime import Runtime

from .. import letter_emails
from ..adapters.repository import NotifierUnitOfWork
from ..schemas import LetterEmailOut, LetterEmailQueueOut

router = APIRouter(prefix="/letter-emails", tags=["letter e-mails"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=Page[LetterEmailOut],
    summary="A letter's (or a round's) e-mails and every attempt",
    description="Give `letter_id` (the letter's e-mails: the first, resends, reminders) or "
    "`round_id` (every e-mail of the round, paged). Each e-mail: its state, recipients, every "
    "attempt (to, when, outcome, the server's code and reply) and the reason when it failed or "
    "a recipient refused it.",
)
async def list_letter_emails(
    letter_id: uuid.UUID | None = None,
    round_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: NotifierUnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
) -> Page[LetterEmailOut]:
    after = decode_cursor(cursor, uuid.UUID, int) if cursor else None
    rows = await letter_emails.emails(
        principal.tenant_id,
        letter_id=letter_id,
        round_id=round_id,
        after=after,  # type: ignore[arg-type]
        limit=limit + 1,
        uow=uow,
    )
    settings = runtime.settings
    rows = [
        row.model_copy(update={"portal_link": letter_link(
            settings.portal_link_base, settings.secret_key, row.letter_id)})  # type: ignore[attr-defined]
        for row in rows
    ]  # fmt: skip
    return page_of(rows, limit, lambda email: (email.letter_id, email.send_no))


@router.get(
    "/queue",
    response_model=LetterEmailQueueOut,
    summary="The tenant's letter e-mails by state",
    description="`pending` (queued, not tried yet), `retrying` (some recipients wait for a "
    "retry), `sent`, `failed`.",
)
async def letter_email_queue(
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: NotifierUnitOfWork = Depends(get_uow),
) -> LetterEmailQueueOut:
    return await letter_emails.queue(principal.tenant_id, uow=uow)
