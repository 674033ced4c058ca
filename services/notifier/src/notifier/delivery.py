"""Delivery: many messages through one SMTP server over a few reused sessions, and what became of
each recipient.

No database here: the caller hands over messages and gets one :class:`Attempt` per (message,
recipient) back, to record and to retry later (with backoff) where the outcome is ``temporary``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Literal

import aiosmtplib

from .smtp import (
    SESSION_ERRORS,
    Security,
    SessionError,
    SmtpServer,
    close_session,
    describe_failure,
    mask_password,
    open_session,
)

__all__ = ["Attempt", "Outcome", "Outgoing", "deliver"]

log = logging.getLogger(__name__)

Outcome = Literal["sent", "temporary", "permanent"]


@dataclass(frozen=True)
class Outgoing:
    """One message to send."""

    key: str
    """The caller's id of the message (a letter id)."""
    message: EmailMessage | bytes
    """From, To and Subject set; it is sent as it is (no Bcc stripping). Bytes are the message
    already in its wire form (7-bit, CRLF), e.g. from ``letters.message_bytes``."""
    recipients: tuple[str, ...]
    """Who gets it (RCPT TO), whatever the headers say."""


@dataclass(frozen=True)
class Attempt:
    """What became of one recipient of one message."""

    key: str
    recipient: str
    outcome: Outcome
    code: int | None
    """The server's reply code; None when it never answered."""
    reply: str
    """The server's answer in its words, or what went wrong ("connect: … Connect call failed")."""
    at: datetime
    """When the outcome was known (UTC)."""


async def deliver(
    server: SmtpServer,
    outgoing: Sequence[Outgoing],
    *,
    connections: int = 4,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
) -> list[Attempt]:
    """Send ``outgoing`` through ``server``: one :class:`Attempt` per (message, recipient), in the
    order given. Never raises for what the server or the network does.

    Up to ``connections`` sessions (connect, TLS, AUTH) are opened, each sending message after
    message (MAIL FROM, one RCPT TO per recipient, DATA; RSET after a failed transaction).
    ``timeout`` is seconds for each step; ``ssl_context`` defaults to the system's CAs.

    Outcomes — the caller retries ``temporary`` later, with backoff, and never ``permanent``:

    - a 2xx reply to DATA is ``sent`` for every recipient the server took at RCPT;
    - a 4xx reply (MAIL, RCPT or DATA) is ``temporary``, a 5xx ``permanent``: at RCPT for that
      recipient only, at MAIL or DATA for every recipient still in the transaction;
    - a dropped connection (or timeout, or 421) during a transaction: a new session is opened and
      the message sent once more; a second drop makes it ``temporary``. A server that took DATA
      and then dropped the line may get the message twice: delivery is at least once;
    - a session that cannot be opened (refused, unreachable, TLS, STARTTLS or AUTH not offered,
      4xx at AUTH) is ``temporary`` for its message and every one no session could take; a 5xx
      at AUTH (535 wrong credentials) is ``permanent`` — retrying will not fix the settings.
      The reply then names the step: ``connect: …``, ``tls: …``, ``auth: …``.

    The password is never part of a reply or of the log.
    """
    if connections < 1:
        raise ValueError("connections must be at least 1")
    if ssl_context is None and server.security is not Security.NONE:
        ssl_context = ssl.create_default_context()
    run = _Run(server, timeout, ssl_context, iter(enumerate(outgoing)), [[] for _ in outgoing])
    async with asyncio.TaskGroup() as group:
        for _ in range(min(connections, len(outgoing))):
            group.create_task(_Worker(run).work())
    if run.failure is not None:  # every session failed: the rest share the last one's fate
        for index, item in enumerate(outgoing):
            if not run.results[index]:
                run.results[index] = run.failure.attempts(item)
    return [attempt for attempts in run.results for attempt in attempts]


@dataclass(frozen=True)
class _Failure:
    outcome: Outcome
    code: int | None
    reply: str

    def attempts(self, item: Outgoing, recipients: Sequence[str] | None = None) -> list[Attempt]:
        at = datetime.now(UTC)
        return [
            Attempt(item.key, recipient, self.outcome, self.code, self.reply, at)
            for recipient in (item.recipients if recipients is None else recipients)
        ]


@dataclass
class _Run:
    server: SmtpServer
    timeout: float
    ssl_context: ssl.SSLContext | None
    queue: Iterator[tuple[int, Outgoing]]
    """Shared by the workers: asyncio switches tasks only at an await, never inside next()."""
    results: list[list[Attempt]]
    failure: _Failure | None = None

    def replied(self, code: int, text: str) -> _Failure:
        return _Failure(_outcome(code), code, mask_password(text, self.server).strip())

    def broke(self, exc: BaseException, *, step: str) -> _Failure:
        code, text = describe_failure(exc, timeout=self.timeout)
        permanent = step == "auth" and code is not None and 500 <= code < 600
        reply = f"{step}: {mask_password(text, self.server).strip()}"
        return _Failure("permanent" if permanent else "temporary", code, reply)


class _Worker:
    """One session, opened when first needed and again after the server dropped it."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.client: aiosmtplib.SMTP | None = None

    async def work(self) -> None:
        try:
            for index, item in self.run.queue:
                self.run.results[index], keep_going = await self._deliver(item)
                if not keep_going:
                    return
        finally:
            if self.client is not None:
                await close_session(self.client)

    async def _deliver(self, item: Outgoing) -> tuple[list[Attempt], bool]:
        """The message's attempts, and whether this worker still has a way to the server."""
        for retry in (False, True):
            if self.client is None or not self.client.is_connected:
                try:
                    self.client = await self._open()
                except SessionError as exc:
                    self.run.failure = self.run.broke(exc.cause, step=exc.stage)
                    log.warning("SMTP %s: %s", self.run.server.address, self.run.failure.reply)
                    return self.run.failure.attempts(item), False
            try:
                return await _transaction(self.client, self.run, item), True
            except SESSION_ERRORS as exc:  # the line went down mid-transaction
                await close_session(self.client)
                self.client = None
                if retry:
                    return self.run.broke(exc, step="send").attempts(item), True
        raise AssertionError("unreachable")

    async def _open(self) -> aiosmtplib.SMTP:
        run = self.run
        return await open_session(run.server, timeout=run.timeout, tls_context=run.ssl_context)


async def _transaction(client: aiosmtplib.SMTP, run: _Run, item: Outgoing) -> list[Attempt]:
    """MAIL, RCPT each, DATA. A refusal is an attempt; a dropped line raises."""
    sender = run.server.sender_address
    utf8 = not (sender + "".join(item.recipients)).isascii()
    if utf8:
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()
        if not client.supports_extension("smtputf8"):
            no = _Failure("permanent", None, "The server does not take non-ASCII addresses")
            return no.attempts(item)
    encoding = "utf-8" if utf8 else "ascii"
    try:
        await client.mail(sender, options=["SMTPUTF8"] if utf8 else [], encoding=encoding)
    except aiosmtplib.SMTPResponseException as exc:
        _raise_if_dropped(client, exc)
        await _reset(client)
        return run.replied(exc.code, exc.message).attempts(item)
    accepted, attempts = await _recipients(client, run, item, encoding)
    failed = len(accepted) < len(item.recipients)
    if accepted:
        wire = item.message
        if not isinstance(wire, bytes):
            wire = wire.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
        try:
            reply = await client.data(wire)
            data = run.replied(reply.code, reply.message)
        except aiosmtplib.SMTPResponseException as exc:
            _raise_if_dropped(client, exc)
            data = run.replied(exc.code, exc.message)
        failed = failed or data.outcome != "sent"
        for recipient in accepted:
            attempts[recipient] = data.attempts(item, [recipient])
    if failed:
        await _reset(client)
    return [attempt for recipient in item.recipients for attempt in attempts[recipient]]


async def _recipients(
    client: aiosmtplib.SMTP, run: _Run, item: Outgoing, encoding: str
) -> tuple[list[str], dict[str, list[Attempt]]]:
    """RCPT TO for each recipient: those the server took, and the attempts of those it refused
    (one refusal does not stop the others)."""
    accepted: list[str] = []
    refused: dict[str, list[Attempt]] = {}
    for recipient in item.recipients:
        try:
            await client.rcpt(recipient, encoding=encoding)
        except aiosmtplib.SMTPResponseException as exc:
            _raise_if_dropped(client, exc)
            answer = run.replied(exc.code, exc.message)
            if answer.outcome != "sent":  # aiosmtplib refuses 2xx other than 250/251, e.g. 252
                refused[recipient] = answer.attempts(item, [recipient])
                continue
        accepted.append(recipient)
    return accepted, refused


def _raise_if_dropped(client: aiosmtplib.SMTP, exc: aiosmtplib.SMTPResponseException) -> None:
    # aiosmtplib closes the line itself on 421 ("closing transmission channel").
    if not client.is_connected:
        raise exc


async def _reset(client: aiosmtplib.SMTP) -> None:
    """RSET, so the next message starts clean; a server that will not is dropped (aiosmtplib
    closes the client) and the next message opens a new session."""
    try:
        await client.rset()
    except SESSION_ERRORS:
        client.close()


def _outcome(code: int) -> Outcome:
    if 200 <= code < 300:
        return "sent"
    return "permanent" if 500 <= code < 600 else "temporary"
