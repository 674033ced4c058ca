"""What happens when a counterparty opens a letter or answers it: the state change and the event
that tells reconciliation, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from shared.events import AttachmentRecord, LetterAnswered, LetterViewed
from shared.portal_links import token_digest

from .adapters.repository import PortalUnitOfWork, StoredLetter
from .domain.answers import Answer


@dataclass(frozen=True)
class Visitor:
    """Who opened or answered: the client's IP address and user agent."""

    address: str
    user_agent: str


@dataclass(frozen=True)
class UploadedFile:
    """An attachment that passed the checks: a plain name, its type by content, its bytes."""

    file_name: str
    content_type: str
    content: bytes


async def find(
    token: str, *, uow: PortalUnitOfWork, today: date, lifetime_days: int
) -> StoredLetter | None:
    """The letter of a link token, unless the link has outlived the letter (its validity date
    plus ``lifetime_days``): then, as for a token never issued, ``None``."""
    if not token or len(token) > 200:
        return None
    letter = await uow.letters.by_digest(token_digest(token))
    if letter is None or today > letter.valid_until + timedelta(days=lifetime_days):
        return None
    return letter


def is_open(letter: StoredLetter, today: date) -> bool:
    """Answers are taken up to and including the validity date (in the business calendar)."""
    return today <= letter.valid_until


async def mark_viewed(letter: StoredLetter, visitor: Visitor, *, uow: PortalUnitOfWork) -> bool:
    """The first view is recorded and announced once; later views change nothing."""
    if letter.viewed_at is not None:
        return False
    now = datetime.now(UTC)
    if not await uow.letters.mark_viewed(letter.letter_id, now):
        return False
    event = LetterViewed(
        letter_id=letter.letter_id,
        viewed_at=now,
        from_address=visitor.address,
        user_agent=visitor.user_agent,
    )
    await uow.emit(event, tenant=letter.tenant_id)
    await uow.commit()
    return True


Outcome = Literal["answered", "already_answered", "closed"]


async def answer(
    letter: StoredLetter,
    given: Answer,
    upload: UploadedFile | None,
    visitor: Visitor,
    *,
    uow: PortalUnitOfWork,
    today: date,
) -> Outcome:
    """Store the answer (and its file) and announce it, if the letter is still open and has no
    answer yet; otherwise nothing changes and the outcome says why."""
    if letter.answer is not None:
        return "already_answered"
    if not is_open(letter, today):
        return "closed"
    now = datetime.now(UTC)
    values = {
        "answer": given.answer,
        "reason": given.reason,
        "answered_by": given.answered_by,
        "answered_title": given.answered_title,
        "their_balance": given.their_balance,
        "answered_at": now,
        "from_address": visitor.address,
        "user_agent": visitor.user_agent,
    }
    if not await uow.letters.record_answer(letter.letter_id, values, open_on=today):
        await uow.rollback()
        return "already_answered" if is_open(letter, today) else "closed"
    record = None
    if upload is not None:
        record = AttachmentRecord(
            file_name=upload.file_name,
            content_type=upload.content_type,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
        )
        await uow.letters.add_attachment(
            {"letter_id": letter.letter_id, "tenant_id": letter.tenant_id,
             "content": upload.content, "stored_at": now, **record.model_dump()}
        )  # fmt: skip
    event = LetterAnswered(attachment=record, letter_id=letter.letter_id, **values)
    await uow.emit(event, tenant=letter.tenant_id)
    await uow.commit()
    return "answered"
