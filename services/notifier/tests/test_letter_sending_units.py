"""The queue's plain parts: the token bucket (a fake clock), one round's verdict per recipient,
and what a queued e-mail becomes (content, link, reminder subject)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from notifier.delivery import Attempt
from notifier.letter_mail.bucket import TokenBucket
from notifier.letter_mail.compose import Composer, letter_content
from notifier.letter_mail.settle import (
    Claimed,
    addressable,
    after_round,
    nobody_to_send,
    not_sendable,
    recipients_of,
)
from notifier.smtp import Security, SmtpServer
from shared.portal_links import letter_link

from .queued import babs_record, email

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_lets_a_seconds_worth_through_then_a_steady_stream() -> None:
    clock = Clock()
    bucket = TokenBucket(600, clock=clock)  # ten a second
    assert bucket.take(500) == 10
    assert bucket.take(5) == 0
    assert bucket.wait_seconds() == pytest.approx(0.1)
    clock.now += 0.25
    assert bucket.take(5) == 2
    clock.now += 60  # a quiet minute fills it up to one second's worth, no more
    assert bucket.take(500) == 10


def test_tokens_not_used_go_back_and_the_rate_can_change() -> None:
    clock = Clock()
    bucket = TokenBucket(60, clock=clock)  # one a second, at most one at once
    assert bucket.take(500) == 1
    bucket.give_back(1)
    assert bucket.take(500) == 1
    assert bucket.wait_seconds() == pytest.approx(1.0)
    bucket.set_rate(0)
    assert bucket.unlimited and bucket.take(500) == 500 and bucket.wait_seconds() == 0
    bucket.set_rate(120)
    assert bucket.take(500) == 2
    with pytest.raises(ValueError):
        bucket.set_rate(-1)


def claimed(*addresses: str, rounds: int = 0, states: dict[str, str] | None = None) -> Claimed:
    states = states or {}
    return Claimed(
        uuid.uuid4(),
        1,
        {},
        [{"address": a, "state": states.get(a, "pending"), "detail": ""} for a in addresses],
        rounds,
    )


def attempt(to: str, outcome: str, code: int | None, reply: str) -> Attempt:
    return Attempt("0", to, outcome, code, reply, NOW)  # type: ignore[arg-type]


def test_a_round_settles_sent_and_refused_and_keeps_the_temporary() -> None:
    item = claimed("a@x.com", "b@x.com", "c@x.com")
    change = after_round(
        item,
        [
            attempt("a@x.com", "sent", 250, "OK"),
            attempt("b@x.com", "permanent", 550, "5.1.1 No such mailbox"),
            attempt("c@x.com", "temporary", 451, "4.3.0 Busy"),
        ],
        now=NOW,
        retry_delays=(60, 300),
    )
    assert change.state == "pending" and change.rounds == 1
    assert change.next_attempt_at == NOW + timedelta(seconds=60)
    assert [r["state"] for r in change.recipients] == ["sent", "failed", "pending"]
    assert change.reason == (
        "not delivered to b@x.com: 550 5.1.1 No such mailbox; to retry c@x.com: 451 4.3.0 Busy"
    )


def test_after_the_last_retry_a_temporary_refusal_is_a_failure() -> None:
    item = claimed("a@x.com", "c@x.com", rounds=2, states={"a@x.com": "sent"})
    change = after_round(
        item, [attempt("c@x.com", "temporary", None, "connect: refused")], now=NOW,
        retry_delays=(60, 300),
    )  # fmt: skip
    assert (change.state, change.rounds, change.next_attempt_at) == ("sent", 3, None)
    assert change.finished_at == NOW
    assert change.reason == (
        "not delivered to c@x.com: connect: refused (still not accepted after 3 attempts)"
    )


def test_no_recipient_took_it_is_a_failed_email() -> None:
    change = after_round(
        claimed("b@x.com"), [attempt("b@x.com", "permanent", 550, "No")], now=NOW,
        retry_delays=(),
    )  # fmt: skip
    assert (change.state, change.reason) == ("failed", "not delivered to b@x.com: 550 No")
    unmade = not_sendable(claimed("a@x.com"), "The letter cannot be made: boom", now=NOW)
    assert (unmade.state, unmade.reason, unmade.finished_at) == (
        "failed",
        "The letter cannot be made: boom",
        NOW,
    )


SERVER = SmtpServer(
    "127.0.0.1", 25, Security.NONE, "", SecretStr(""), "Deniz Makina", "mutabakat@deniz.com.tr"
)


def test_a_queued_email_becomes_its_letter_with_the_portal_link() -> None:
    composer = Composer(SERVER, {}, "https://portal.test/letters/", SecretStr("k"))
    queued = email("a@example.com", letter=babs_record("en"), purpose="reminder", send_no=2)
    rendered = composer.render(queued)
    url = letter_link("https://portal.test/letters/", "k", queued.letter.letter_id)
    assert rendered.subject == "Reminder: BA/BS reconciliation – January 2025"
    assert url in rendered.text and url in rendered.html
    content = letter_content(queued.letter, portal_url=url)
    assert content.bs is not None and content.bs.count == 4
    assert (content.kind, content.period) == ("babs", queued.letter.period)
    assert content.recipient.code == "120.01.005" and content.sender.tax_office == "Ümraniye"

    outgoing = composer.outgoing("7", queued, to=["a@example.com"], send_to=["a@example.com"])
    assert isinstance(outgoing.message, bytes) and outgoing.recipients == ("a@example.com",)
    unicode = ["müşteri@örnek.com.tr"]
    made = composer.outgoing("8", email(*unicode), to=unicode, send_to=unicode)
    assert not isinstance(made.message, bytes)  # an EmailMessage, sent with SMTPUTF8


def test_each_mailbox_once_and_no_header_injection() -> None:
    given = ["a@x.com", " A@X.com ", "Ali <b@x.com>", "c@x.com\r\nBcc: d@x.com", "müşteri@örnek.tr"]
    assert [(r["address"], r["state"]) for r in recipients_of(given)] == [
        ("a@x.com", "pending"),
        ("Ali <b@x.com>", "failed"),
        ("c@x.com\r\nBcc: d@x.com", "failed"),
        ("müşteri@örnek.tr", "pending"),
    ]
    assert addressable(recipients_of(given)) == ["a@x.com", "müşteri@örnek.tr"]
    nobody = Claimed(uuid.uuid4(), 1, {}, recipients_of(["not an address"]), 0)
    change = nobody_to_send(nobody, now=NOW)
    assert (change.state, change.reason) == (
        "failed",
        "not delivered to not an address: not a valid e-mail address",
    )
