"""One conversation with an SMTP server: the test mail ("Smtp ayarları gönderimi test"), and what
happened, in the user's words.

The conversation is driven step by step (connect, STARTTLS, AUTH, MAIL/RCPT/DATA) rather than by
``aiosmtplib.send``, so a failure is known to belong to the step that was running.
"""

from __future__ import annotations

import contextlib
import ssl
import time
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from typing import Literal

import aiosmtplib
from pydantic import BaseModel, Field, SecretStr

Stage = Literal["connect", "tls", "auth", "send"]

SUBJECT = "Mutabık SMTP deneme / test"
BODY = """\
Bu ileti, Mutabık'ın SMTP ayarlarını denemek için gönderildi. Size ulaştıysa ayarlar çalışıyor.

This message was sent by Mutabık to test its SMTP settings. If it reached you, they work.

Sunucu / Server: {server}
"""


class Security(StrEnum):
    NONE = "none"
    """Plain SMTP (a local MTA, or a relay on a trusted network)."""
    STARTTLS = "starttls"
    """Plain connect, then STARTTLS before anything else; usually port 587."""
    TLS = "tls"
    """TLS from the first byte (implicit TLS, SMTPS); usually port 465."""


@dataclass(frozen=True)
class SmtpServer:
    """An SMTP server and who mails are sent as: a tenant's own, or the system's."""

    host: str
    port: int
    security: Security
    username: str
    """Empty: no AUTH."""
    password: SecretStr
    sender_name: str
    sender_address: str

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ClientOptions:
    """How we talk to any SMTP server; set by the operator of the system, not by tenants."""

    timeout: float
    """Seconds for each step."""
    validate_certs: bool = True
    ca_file: str | None = None
    """Trusted CAs (PEM) instead of the system's."""


class TestResult(BaseModel):
    """What the test mail did."""

    __test__ = False  # not a pytest test class

    ok: bool = Field(description="True when the server accepted the message")
    stage: Stage | None = Field(
        description="The step that failed: connect, tls, auth or send; null when ok"
    )
    code: int | None = Field(
        description="The server's reply code (e.g. 250, or 535 for rejected credentials); "
        "null when the server never answered"
    )
    message: str = Field(
        description="The server's reply text, or what went wrong when it did not answer"
    )
    elapsed_ms: int = Field(description="How long the whole attempt took")
    server: str = Field(description="host:port tried")
    security: Security


def tls_context(options: ClientOptions) -> ssl.SSLContext:
    """The client's TLS context: the given CAs (else the system's) and the host name checked."""
    if not options.validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=options.ca_file)


def build_test_message(server: SmtpServer, to: str) -> EmailMessage:
    """The test mail: short, in Turkish and English."""
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = Address(server.sender_name, addr_spec=server.sender_address)
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=server.sender_address.rpartition("@")[2])
    text = BODY.format(server=f"{server.address} ({server.security})")
    message.set_content(text, cte="quoted-printable")
    return message


async def send_test(server: SmtpServer, to: str, *, options: ClientOptions) -> TestResult:
    """Send the test mail to ``to`` through ``server``. Never raises for what the server or the
    network does: the result says which step failed and why."""
    started = time.monotonic()
    stage: Stage = "tls"
    client: aiosmtplib.SMTP | None = None
    try:
        context = tls_context(options) if server.security is not Security.NONE else None
        client = await open_session(server, timeout=options.timeout, tls_context=context)
        stage = "send"
        reply = await _send(client, server, to)
    except SessionError as exc:
        code, text = describe_failure(exc.cause, timeout=options.timeout)
        return _result(server, started, ok=False, stage=exc.stage, code=code, message=text)
    except SESSION_ERRORS as exc:
        code, text = describe_failure(exc, timeout=options.timeout)
        return _result(server, started, ok=False, stage=stage, code=code, message=text)
    finally:
        if client is not None:
            await close_session(client)
    return _result(server, started, ok=True, stage=None, code=reply.code, message=reply.message)


class SessionError(Exception):
    """A session could not be opened: ``cause`` went wrong during ``stage``."""

    def __init__(self, stage: Stage, cause: BaseException) -> None:
        super().__init__(f"{stage}: {type(cause).__name__}")  # never the reply: it may echo
        self.stage = stage
        self.cause = cause


SESSION_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError)
"""What the network or a server can make a conversation raise."""


async def open_session(
    server: SmtpServer, *, timeout: float, tls_context: ssl.SSLContext | None
) -> aiosmtplib.SMTP:
    """A connected client, TLS set up as ``server.security`` says and logged in if it has a
    username, ready for MAIL FROM. Raises :class:`SessionError` naming the step that failed."""
    stage: Stage = "connect"
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        timeout=timeout,
        use_tls=server.security is Security.TLS,
        start_tls=False,  # else aiosmtplib upgrades on its own whenever offered
        tls_context=tls_context,
    )
    try:
        await client.connect()
        if server.security is Security.STARTTLS:
            stage = "tls"
            await client.starttls()
        if server.username:
            stage = "auth"
            await client.login(server.username, server.password.get_secret_value())
    except SESSION_ERRORS as exc:
        await close_session(client)
        if stage == "connect" and _tls_cause(exc) is not None:
            stage = "tls"  # implicit TLS: the handshake is part of connecting
        raise SessionError(stage, exc) from exc
    return client


async def _send(client: aiosmtplib.SMTP, server: SmtpServer, to: str) -> aiosmtplib.SMTPResponse:
    utf8 = not (server.sender_address + to).isascii()
    options = ["SMTPUTF8"] if utf8 else []
    encoding = "utf-8" if utf8 else "ascii"
    if utf8:
        await client.ehlo()
        if not client.supports_extension("smtputf8"):
            raise aiosmtplib.SMTPNotSupported(
                "The server does not take non-ASCII addresses (no SMTPUTF8)."
            )
    wire = build_test_message(server, to).as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
    await client.mail(server.sender_address, options=options, encoding=encoding)
    await client.rcpt(to, encoding=encoding)
    return await client.data(wire)


async def close_session(client: aiosmtplib.SMTP) -> None:
    """QUIT if the line is still up, then close; never raises."""
    if not client.is_connected:
        return
    # The outcome is settled by now; a server that drops the line instead of answering QUIT
    # has still accepted (or refused) the message.
    with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
        await client.quit()
    client.close()


def describe_failure(exc: BaseException, *, timeout: float) -> tuple[int | None, str]:
    """The server's code and reply text, or (None, what went wrong) when it did not answer.
    The text may still hold what the server echoed: pass it through :func:`mask_password`."""
    tls_error = _tls_cause(exc)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code, exc.message
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return first.code, first.message
    if isinstance(tls_error, ssl.SSLCertVerificationError):
        return None, f"TLS failed: certificate verify failed: {tls_error.verify_message}"
    if tls_error is not None and tls_error.reason == "WRONG_VERSION_NUMBER":
        hint = "the server does not speak TLS on this port; try security starttls or none"
        return None, f"TLS failed: {hint} (WRONG_VERSION_NUMBER)"
    if tls_error is not None:
        return None, f"TLS failed: {tls_error.reason or tls_error}"
    if isinstance(exc, TimeoutError):
        return None, f"No answer within {timeout:g} s ({exc})"
    if isinstance(exc, aiosmtplib.SMTPException):
        return None, exc.message
    return None, str(exc) or type(exc).__name__


def _tls_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _result(
    server: SmtpServer,
    started: float,
    *,
    ok: bool,
    stage: Stage | None,
    code: int | None,
    message: str,
) -> TestResult:
    return TestResult(
        ok=ok,
        stage=stage,
        code=code,
        message=mask_password(message, server).strip(),
        elapsed_ms=round((time.monotonic() - started) * 1000),
        server=server.address,
        security=server.security,
    )


def mask_password(text: str, server: SmtpServer) -> str:
    """``text`` without the server's password: some servers echo what they were sent, and the
    password must never travel further."""
    secret = server.password.get_secret_value()
    return text.replace(secret, "***") if secret and secret in text else text
