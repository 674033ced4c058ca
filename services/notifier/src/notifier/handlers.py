"""What notifier does with the events it receives (run in the inbox's transaction)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event as orm_event

from shared.errors import PermanentEventError
from shared.events import Envelope, LetterEmailsQueued
from shared.uow import UnitOfWork

from .letter_mail import store, wake


async def on_letters_queued(
    event: LetterEmailsQueued, *, envelope: Envelope, uow: UnitOfWork
) -> None:
    """Queue the letters' e-mails (one already known is left alone) and wake the sender once the
    transaction is committed."""
    if envelope.tenant is None:
        raise PermanentEventError("letter e-mails without a tenant")
    await store.enqueue(uow.session, envelope.tenant, event.emails, now=datetime.now(UTC))
    sessions = uow.sessions
    orm_event.listen(
        uow.session.sync_session, "after_commit", lambda _session: wake(sessions), once=True
    )
