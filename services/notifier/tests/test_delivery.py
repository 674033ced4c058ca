"""The delivery core against real SMTP servers (aiosmtpd on 127.0.0.1): many messages over a few
reused sessions, a refused recipient, a deferred message, a dropped line, a server that is down,
and AUTH right and wrong."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from notifier.delivery import Outgoing, deliver
from notifier.smtp import Security, SmtpServer

from .mail_servers import PASSWORD, USERNAME, Authenticator, Mailbox, free_port

SENDER = "mutabakat@ornek.com.tr"


@dataclass
class Recorder(Mailbox):
    """Keeps every message it accepts and every session that said EHLO."""

    sessions: list[Any] = field(default_factory=list)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        if not any(seen is session for seen in self.sessions):
            self.sessions.append(session)
        return responses


@dataclass
class NoSuchUser(Recorder):
    """Refuses one recipient at RCPT."""

    unknown: str = "yok@example.com"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address == self.unknown:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@dataclass
class Deferring(Recorder):
    """Answers 451 at DATA for the messages with one of ``subjects``."""

    subjects: set[str] = field(default_factory=set)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        if any(f"Subject: {subject}".encode() in envelope.content for subject in self.subjects):
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Dropping(Recorder):
    """Hangs up (no reply) at the DATA of the messages with one of ``subjects``, once each."""

    subjects: set[str] = field(default_factory=set)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        for subject in list(self.subjects):
            if f"Subject: {subject}".encode() in envelope.content:
                self.subjects.discard(subject)
                server.transport.close()
                return "250 never read"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtpd() -> Iterator[Callable[..., SmtpServer]]:
    """Serves ``handler`` on 127.0.0.1; keyword arguments go to the ``Controller``."""
    started: list[Controller] = []

    def start(handler: Recorder, **options: Any) -> SmtpServer:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return server_at(port)

    yield start
    for controller in started:
        controller.stop()


def server_at(port: int, *, username: str = "", password: str = "") -> SmtpServer:
    return SmtpServer(
        "127.0.0.1", port, Security.NONE, username, SecretStr(password), "Örnek A.Ş.", SENDER
    )


def letters(count: int, *recipients: str) -> list[Outgoing]:
    out = []
    for n in range(count):
        message = EmailMessage()
        message["Subject"] = f"Mutabakat {n}"
        message["From"] = SENDER
        message["To"] = ", ".join(recipients)
        message.set_content(f"Cari hesap mutabakatı {n}")
        out.append(Outgoing(f"letter-{n}", message, recipients))
    return out


async def test_many_messages_over_few_reused_sessions(smtpd) -> None:
    handler = Recorder()
    server = smtpd(handler)
    recipients = ("a@example.com", "b@example.com")
    attempts = await deliver(server, letters(200, *recipients), connections=4, timeout=5)
    assert len(attempts) == 400
    assert {a.outcome for a in attempts} == {"sent"}
    assert {a.code for a in attempts} == {250}
    assert [(a.key, a.recipient) for a in attempts[:2]] == [
        ("letter-0", "a@example.com"),
        ("letter-0", "b@example.com"),
    ]
    assert len(handler.received) == 200
    assert all(r.rcpt_tos == list(recipients) for r in handler.received)
    assert all(r.mail_from == SENDER for r in handler.received)
    subjects = sorted(r.message["Subject"] for r in handler.received)
    assert subjects == sorted(f"Mutabakat {n}" for n in range(200))
    assert 1 <= len(handler.sessions) <= 4


async def test_a_refused_recipient_is_permanent_for_it_alone(smtpd) -> None:
    handler = NoSuchUser()
    server = smtpd(handler)
    outgoing = letters(1, "a@example.com", "yok@example.com") + letters(3, "b@example.com")[1:]
    attempts = await deliver(server, outgoing, connections=1, timeout=5)
    other, refused, *after = attempts
    assert (refused.recipient, refused.outcome, refused.code) == (
        "yok@example.com",
        "permanent",
        550,
    )
    assert refused.reply == "5.1.1 No such user"
    assert (other.recipient, other.outcome, other.code) == ("a@example.com", "sent", 250)
    assert [(a.key, a.outcome) for a in after] == [("letter-1", "sent"), ("letter-2", "sent")]
    assert [r.rcpt_tos for r in handler.received] == [
        ["a@example.com"],
        ["b@example.com"],
        ["b@example.com"],
    ]


async def test_451_at_data_is_temporary_for_every_recipient(smtpd) -> None:
    handler = Deferring(subjects={"Mutabakat 1"})
    server = smtpd(handler)
    attempts = await deliver(server, letters(3, "a@x.com", "b@x.com"), connections=1, timeout=5)
    deferred = [a for a in attempts if a.key == "letter-1"]
    assert [(a.recipient, a.outcome, a.code) for a in deferred] == [
        ("a@x.com", "temporary", 451),
        ("b@x.com", "temporary", 451),
    ]
    assert deferred[0].reply == "4.3.0 Try again later"
    assert [a.outcome for a in attempts if a.key != "letter-1"] == ["sent"] * 4
    assert [r.message["Subject"] for r in handler.received] == ["Mutabakat 0", "Mutabakat 2"]


async def test_a_dropped_line_is_reopened_and_the_message_sent_again(smtpd) -> None:
    handler = Dropping(subjects={"Mutabakat 2"})
    server = smtpd(handler)
    attempts = await deliver(server, letters(5, "a@x.com"), connections=1, timeout=5)
    assert [a.outcome for a in attempts] == ["sent"] * 5
    assert [r.message["Subject"] for r in handler.received] == [f"Mutabakat {n}" for n in range(5)]
    assert len(handler.sessions) == 2


async def test_a_server_that_is_down(smtpd) -> None:
    started = time.monotonic()
    attempts = await deliver(server_at(free_port()), letters(20, "a@x.com", "b@x.com"), timeout=1)
    assert time.monotonic() - started < 1
    assert len(attempts) == 40
    assert {(a.outcome, a.code) for a in attempts} == {("temporary", None)}
    assert all(a.reply.startswith("connect: Error connecting to 127.0.0.1") for a in attempts)


async def test_auth_with_the_right_password(smtpd) -> None:
    handler = Recorder()
    port = smtpd(handler, authenticator=Authenticator(), auth_require_tls=False).port
    server = server_at(port, username=USERNAME, password=PASSWORD)
    attempts = await deliver(server, letters(10, "a@x.com"), connections=2, timeout=5)
    assert {a.outcome for a in attempts} == {"sent"}
    assert len(handler.received) == 10


async def test_auth_with_a_wrong_password_is_permanent(smtpd, caplog) -> None:
    echo = Authenticator(reply="535 5.7.8 Password wrong-password rejected")
    handler = Recorder()
    port = smtpd(handler, authenticator=echo, auth_require_tls=False).port
    server = server_at(port, username=USERNAME, password="wrong-password")
    attempts = await deliver(server, letters(10, "a@x.com"), connections=2, timeout=5)
    assert {(a.outcome, a.code) for a in attempts} == {("permanent", 535)}
    assert attempts[0].reply == "auth: 5.7.8 Password *** rejected"
    assert "wrong-password" not in repr(attempts) + caplog.text
    assert handler.received == []
