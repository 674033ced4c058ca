"""The letter e-mail queue end to end: ``reconciliation.letters.queued`` in through the bus, mail
out to real SMTP servers, ``notifier.letters.delivered`` back, every attempt kept."""

from __future__ import annotations

import asyncio
import time
import uuid

from shared.auth import Role
from shared.portal_links import letter_link
from shared.testing import eventually

from .mail_servers import BUSY_RECIPIENT, UNKNOWN_RECIPIENT, Mailbox, free_port, settings_for
from .queued import babs_record, balance_record, email


def link(service, letter_id) -> str:
    return letter_link(service.settings.portal_link_base, service.settings.secret_key, letter_id)


async def test_each_letter_goes_out_with_its_link_and_is_reported(letters, system_mail) -> None:
    tr = email("muhasebe@caglarinsaat.com.tr", "finans@caglarinsaat.com.tr")
    en = email("accounts@example.com", letter=babs_record("en"))
    await letters.queue(tr, en)
    reports = await letters.settled(2)

    assert len(system_mail.received) == 2
    got = {tuple(r.rcpt_tos): r for r in system_mail.received}
    turkish = got["muhasebe@caglarinsaat.com.tr", "finans@caglarinsaat.com.tr"]
    message = turkish.message
    assert turkish.mail_from == "sistem@mutabik.test"
    assert message["Subject"] == "2025 yıl sonu cari hesap mutabakatı"
    assert {a.addr_spec for a in message["To"].addresses} == set(turkish.rcpt_tos)
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    url = link(letters, tr.letter.letter_id)
    assert url.startswith("https://portal.mutabik.test/letters/") and len(url) > 60
    assert url in text.splitlines() and f'href="{url}"' in html
    assert "1.234,56 TL" in text and "Çağlar İnşaat Ltd. Şti." in html

    english = got[("accounts@example.com",)].message
    assert english["Subject"] == "BA/BS reconciliation – January 2025"
    english_text = english.get_body(preferencelist=("plain",)).get_content()
    assert link(letters, en.letter.letter_id) in english_text

    report = reports[tr.letter.letter_id, 1]
    assert (report.outcome, report.reason) == ("sent", "")
    assert [(a.address, a.outcome, a.code) for a in report.attempts] == [
        ("muhasebe@caglarinsaat.com.tr", "sent", 250),
        ("finans@caglarinsaat.com.tr", "sent", 250),
    ]
    assert report.finished_at >= report.attempts[-1].at
    assert reports[en.letter.letter_id, 1].outcome == "sent"
    (delivered,) = [e for e in letters.events if e.type == "notifier.letters.delivered"]
    assert delivered.tenant == letters.tenant_id
    [listed] = (await letters.emails(letter_id=str(tr.letter.letter_id)))["items"]
    assert listed["portal_link"] == url  # the operator can pass the link on


async def test_a_refused_recipient_fails_its_letter_only(letters, system_mail) -> None:
    refused = email(UNKNOWN_RECIPIENT)
    partly = email("muhasebe@caglarinsaat.com.tr", UNKNOWN_RECIPIENT)
    fine = email("finans@example.com")
    await letters.queue(refused, partly, fine)
    reports = await letters.settled(3)

    failed = reports[refused.letter.letter_id, 1]
    assert failed.outcome == "failed"
    assert failed.reason == f"not delivered to {UNKNOWN_RECIPIENT}: 550 5.1.1 No such mailbox"
    assert [(a.outcome, a.code, a.reply) for a in failed.attempts] == [
        ("permanent", 550, "5.1.1 No such mailbox")
    ]
    half = reports[partly.letter.letter_id, 1]
    assert half.outcome == "sent" and UNKNOWN_RECIPIENT in half.reason and "550" in half.reason
    assert "muhasebe@caglarinsaat.com.tr" not in half.reason
    assert reports[fine.letter.letter_id, 1].outcome == "sent"
    assert sorted(tuple(r.rcpt_tos) for r in system_mail.received) == [
        ("finans@example.com",),
        ("muhasebe@caglarinsaat.com.tr",),
    ]

    shown = await letters.emails(letter_id=str(partly.letter.letter_id))
    (one,) = shown["items"]
    assert (one["state"], one["send_no"], one["purpose"]) == ("sent", 1, "letter")
    assert [(r["address"], r["state"]) for r in one["recipients"]] == [
        ("muhasebe@caglarinsaat.com.tr", "sent"),
        (UNKNOWN_RECIPIENT, "failed"),
    ]
    assert [(a["to"], a["outcome"], a["code"]) for a in one["attempts"]] == [
        ("muhasebe@caglarinsaat.com.tr", "sent", 250),
        (UNKNOWN_RECIPIENT, "permanent", 550),
    ]
    assert one["reason"] == half.reason and one["finished_at"]
    queue = (await letters.client.get("/letter-emails/queue", headers=letters.operator)).json()
    assert queue == {"pending": 0, "retrying": 0, "sent": 2, "failed": 1}


async def test_a_server_down_then_back_gets_the_mail_once(letters, mail_server) -> None:
    port = free_port()  # nothing listens yet
    tenant_mail = settings_for(mail_server(), port=port)
    assert (await letters.put(tenant_mail)).status_code == 200
    queued = email("muhasebe@caglarinsaat.com.tr")
    await letters.queue(queued)

    async def tried() -> bool:
        items = (await letters.emails(letter_id=str(queued.letter.letter_id)))["items"]
        return bool(items) and len(items[0]["attempts"]) == 1

    await eventually(tried, what="the first attempt")
    (waiting,) = (await letters.emails(letter_id=str(queued.letter.letter_id)))["items"]
    assert waiting["state"] == "pending" and waiting["next_attempt_at"]
    assert waiting["attempts"][0]["outcome"] == "temporary"
    queue = (await letters.client.get("/letter-emails/queue", headers=letters.operator)).json()
    assert queue["retrying"] == 1

    back = mail_server(port=port)
    reports = await letters.settled(1)
    await asyncio.sleep(0.5)  # a second retry would come by now
    assert len(back.received) == 1
    report = reports[queued.letter.letter_id, 1]
    assert report.outcome == "sent"
    first, second = report.attempts
    assert (first.outcome, first.code) == ("temporary", None)
    assert first.reply.startswith("connect:")
    assert (second.outcome, second.code) == ("sent", 250) and second.at > first.at


async def test_retries_run_out(make_letter_service, mail_server) -> None:
    letters = await make_letter_service(send_retry_delays=(0.1, 0.1))
    greylisting = mail_server(mailbox=Mailbox(busy=1))
    assert (await letters.put(settings_for(greylisting))).status_code == 200
    later = email("muhasebe@caglarinsaat.com.tr")
    never = email(BUSY_RECIPIENT, "finans@example.com")
    await letters.queue(later)
    reports = await letters.settled(1)
    assert [a.outcome for a in reports[later.letter.letter_id, 1].attempts] == [
        "temporary",
        "sent",
    ]
    await letters.queue(never)
    report = (await letters.settled(2))[never.letter.letter_id, 1]
    assert report.outcome == "sent"  # finans took it at once; the busy one never did
    assert [(a.address, a.outcome) for a in report.attempts] == [
        (BUSY_RECIPIENT, "temporary"),
        ("finans@example.com", "sent"),
        (BUSY_RECIPIENT, "temporary"),
        (BUSY_RECIPIENT, "temporary"),
    ]
    assert report.reason == (
        f"not delivered to {BUSY_RECIPIENT}: 451 4.3.0 Mailbox busy, try again later "
        "(still not accepted after 3 attempts)"
    )
    assert [r.rcpt_tos for r in greylisting.received] == [
        ["muhasebe@caglarinsaat.com.tr"],
        ["finans@example.com"],
    ]


async def test_the_same_email_queued_twice_goes_out_once(letters, system_mail) -> None:
    queued = email("muhasebe@caglarinsaat.com.tr")
    envelope = await letters.queue(queued)
    await letters.bus.publish([envelope])  # the same event again (the inbox drops it)
    await letters.queue(queued)  # another event with the same (letter_id, send_no)
    await letters.settled(1)
    resend = email(
        "muhasebe@caglarinsaat.com.tr", letter=queued.letter, send_no=2, purpose="resend"
    )
    await letters.queue(resend)
    reports = await letters.settled(2)
    await asyncio.sleep(0.3)
    assert len(system_mail.received) == 2 and len(letters.reports()) == 2
    assert reports[queued.letter.letter_id, 2].outcome == "sent"
    shown = await letters.emails(letter_id=str(queued.letter.letter_id))
    assert [(e["send_no"], e["purpose"]) for e in shown["items"]] == [(1, "letter"), (2, "resend")]


async def test_a_reminder_says_so_in_its_subject(letters, system_mail) -> None:
    tr = email("a@example.com", purpose="reminder", send_no=3)
    en = email("b@example.com", letter=balance_record("en", subject="Year-end"), purpose="reminder")
    await letters.queue(tr, en)
    await letters.settled(2)
    subjects = {r.rcpt_tos[0]: r.message["Subject"] for r in system_mail.received}
    assert subjects == {
        "a@example.com": "Hatırlatma: 2025 yıl sonu cari hesap mutabakatı",
        "b@example.com": "Reminder: Year-end",
    }


async def test_each_tenant_sends_through_its_own_server_and_sees_its_own(
    letters, mail_server, system_mail
) -> None:
    own = mail_server()
    assert (await letters.put(settings_for(own))).status_code == 200
    other_tenant = uuid.uuid4()
    other = await letters.key(Role.OPERATOR, other_tenant)
    mine, theirs = email("a@example.com"), email("b@example.com")
    await letters.queue(mine)
    await letters.queue(theirs, tenant=other_tenant)
    await letters.settled(2)

    assert [r.rcpt_tos for r in own.received] == [["a@example.com"]]
    assert own.received[0].mail_from == "mutabakat@ornek.com.tr"
    assert [r.rcpt_tos for r in system_mail.received] == [["b@example.com"]]
    by_tenant = {e.tenant for e in letters.events if e.type == "notifier.letters.delivered"}
    assert by_tenant == {letters.tenant_id, other_tenant}

    assert (await letters.emails(auth=other, letter_id=str(mine.letter.letter_id)))["items"] == []
    assert len((await letters.emails(letter_id=str(mine.letter.letter_id)))["items"]) == 1
    queue = (await letters.client.get("/letter-emails/queue", headers=other)).json()
    assert queue == {"pending": 0, "retrying": 0, "sent": 1, "failed": 0}


async def test_the_tenants_rate_limit_spaces_its_emails(letters, mail_server) -> None:
    own = mail_server()
    body = settings_for(own, max_per_minute=120)  # two a second, at most two at once
    assert (await letters.put(body)).json()["max_per_minute"] == 120
    started = time.monotonic()
    await letters.queue(*(email(f"a{n}@example.com") for n in range(4)))
    await letters.settled(4)
    assert time.monotonic() - started >= 0.9
    assert len(own.received) == 4
