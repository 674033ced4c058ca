"""The queue's guarantees: a sender that dies holding e-mails (its lease runs out, they go out),
an error in a batch (retried after the lease), two senders on one database (never the same
e-mail twice), letters that cannot be made (failed, never stuck), and the API's edges."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from notifier.adapters.orm import DeliveryAttempt, LetterEmail, LetterTemplate
from notifier.letter_mail import batch, store
from shared.auth import Role
from shared.testing import eventually

from .mail_servers import Mailbox
from .queued import ROUND, balance_record, email


async def test_an_email_held_by_a_crashed_sender_goes_out_when_the_lease_ends(
    letters, system_mail
) -> None:
    runtime = letters.app.state.runtime
    queued = email("muhasebe@caglarinsaat.com.tr")
    now = datetime.now(UTC)
    async with runtime.new_uow() as uow:  # queued and claimed by a sender that then died
        await store.enqueue(uow.session, letters.tenant_id, [queued.model_copy()], now=now)
        held = await store.claim(
            uow.session,
            letters.tenant_id,
            limit=10,
            now=now,
            lease_until=now + timedelta(seconds=1),
            skip_locked=runtime.engine.dialect.name == "postgresql",
        )
        await uow.commit()
    assert [c.letter_id for c in held] == [queued.letter.letter_id]
    started = time.monotonic()
    await asyncio.sleep(0.5)
    assert system_mail.received == []  # still held

    reports = await letters.settled(1)
    assert time.monotonic() - started >= 0.4
    assert len(system_mail.received) == 1
    assert [a.outcome for a in reports[queued.letter.letter_id, 1].attempts] == ["sent"]


async def test_a_batch_that_fails_is_sent_again_after_its_lease(
    make_letter_service, system_mail, monkeypatch
) -> None:
    letters = await make_letter_service(send_lease_seconds=0.5)
    real, calls = batch.deliver, []

    async def broken_once(*args, **kwargs):
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("a bug in the sender")
        return await real(*args, **kwargs)

    monkeypatch.setattr(batch, "deliver", broken_once)
    queued = email("muhasebe@caglarinsaat.com.tr")
    await letters.queue(queued)
    reports = await letters.settled(1)
    assert reports[queued.letter.letter_id, 1].outcome == "sent"
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.4
    assert len(system_mail.received) == 1


async def settled(service, count: int) -> bool:
    """Whether ``count`` e-mails are settled in the service's database. (Two services on one
    database share its outbox, and on SQLite two relays of one outbox may lose an event — one
    relay per SQLite file — so these tests read the e-mails' state, not the reports.)"""
    async with service.app.state.runtime.sessions() as session:
        done = await session.scalar(
            select(func.count()).select_from(LetterEmail).where(LetterEmail.state != "pending")
        )
    return done == count


async def test_two_senders_on_one_database_never_send_one_email_twice(
    make_letter_service, system_mail
) -> None:
    first = await make_letter_service(send_batch_size=10)
    second = await make_letter_service(send_batch_size=10)  # another replica, same database
    emails = [email(f"alici{n}@example.com") for n in range(120)]
    await first.queue(*emails)

    await eventually(lambda: settled(first, 120), what="every e-mail settled")
    await asyncio.sleep(0.2)
    received = sorted(r.rcpt_tos[0] for r in system_mail.received)
    assert received == sorted(e.recipients[0].address for e in emails)
    async with first.app.state.runtime.sessions() as session:
        attempts = await session.scalar(select(func.count()).select_from(DeliveryAttempt))
    assert attempts == 120
    if first.app.state.runtime.engine.dialect.name == "postgresql":  # see settled()

        def reported() -> int:  # by either service's relay: they share the outbox
            return len(first.reports().keys() | second.reports().keys())

        await eventually(lambda: reported() == 120, what="every e-mail reported")


class SlowMailbox(Mailbox):
    """Takes 0.4 s to accept each message."""

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        await asyncio.sleep(0.4)
        return await super().handle_DATA(server, session, envelope)


async def test_a_slow_server_keeps_its_emails_held_while_they_are_sent(
    make_letter_service, mail_server
) -> None:
    slow = mail_server(mailbox=SlowMailbox())
    quick = {"send_lease_seconds": 0.6, "send_connections": 1}
    first = await make_letter_service(smtp_port=slow.port, **quick)
    await make_letter_service(smtp_port=slow.port, **quick)  # a replica, waiting for due e-mails
    emails = [email(f"alici{n}@example.com") for n in range(4)]  # 1.6 s on one connection
    await first.queue(*emails)

    await eventually(lambda: settled(first, 4), what="every e-mail settled")
    assert sorted(r.rcpt_tos[0] for r in slow.received) == sorted(
        e.recipients[0].address for e in emails
    )


async def test_a_letter_that_cannot_be_made_fails_with_the_reason(letters, system_mail) -> None:
    runtime = letters.app.state.runtime
    async with runtime.sessions() as session, session.begin():  # stored before checks existed
        session.add(
            LetterTemplate(
                tenant_id=letters.tenant_id,
                language="tr",
                text="Sayın {{ nmae }},\n{{ portal_url }}",
                updated_at=datetime.now(UTC),
                updated_by="test",
            )
        )
    broken = email("a@example.com")
    empty = email("b@example.com", letter=balance_record("en", balances=[]))
    fine = email("c@example.com", letter=balance_record("en"))
    await letters.queue(broken, empty, fine)
    reports = await letters.settled(3)

    failed = reports[broken.letter.letter_id, 1]
    assert failed.outcome == "failed" and failed.attempts == []
    assert "text template, line 1" in failed.reason and "'nmae' is undefined" in failed.reason
    assert "at least one balance" in reports[empty.letter.letter_id, 1].reason
    assert reports[fine.letter.letter_id, 1].outcome == "sent"
    assert [r.rcpt_tos for r in system_mail.received] == [["c@example.com"]]
    (shown,) = (await letters.emails(letter_id=str(broken.letter.letter_id)))["items"]
    assert shown["state"] == "failed" and shown["reason"] == failed.reason


async def test_a_rounds_emails_page_by_page(letters) -> None:
    other_round = balance_record(round_id=uuid.uuid4())
    queued = [email(f"a{n}@example.com") for n in range(3)] + [email(letter=other_round)]
    await letters.queue(*queued)
    await letters.settled(4)
    first = await letters.emails(round_id=str(ROUND), limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = await letters.emails(round_id=str(ROUND), limit=2, cursor=first["next_cursor"])
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    seen = {item["letter_id"] for item in first["items"] + rest["items"]}
    assert seen == {str(e.letter.letter_id) for e in queued[:3]}


@pytest.mark.parametrize(
    "params",
    [{}, {"letter_id": str(uuid.uuid4()), "round_id": str(uuid.uuid4())}],
)
async def test_letter_or_round_is_required(letters, params) -> None:
    response = await letters.client.get("/letter-emails", params=params, headers=letters.operator)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_erp_key_sees_no_emails(letters) -> None:
    erp = await letters.key(Role.ERP)
    for path in ("/letter-emails/queue", f"/letter-emails?letter_id={uuid.uuid4()}"):
        response = await letters.client.get(path, headers=erp)
        assert response.status_code == 403, response.text
    assert (await letters.client.get("/letter-emails/queue")).status_code == 401


async def test_the_rate_limit_is_part_of_the_smtp_settings(letters, mail_server) -> None:
    body = {
        "host": "127.0.0.1",
        "port": 2525,
        "security": "none",
        "sender_address": "mutabakat@ornek.com.tr",
    }
    assert (await letters.put({**body, "max_per_minute": 600})).json()["max_per_minute"] == 600
    assert (await letters.get()).json()["max_per_minute"] == 600
    assert (await letters.put(body)).json()["max_per_minute"] is None  # the system's applies
    assert (await letters.put({**body, "max_per_minute": -1})).status_code == 422
