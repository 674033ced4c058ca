"""Real SMTP servers for the tests: aiosmtpd on 127.0.0.1, recording what they accept."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME, PASSWORD = "mutabakat@firma.com.tr", "s3cret-Şifre!"
UNKNOWN_RECIPIENT = "yok@example.com"
"""The servers refuse this recipient with 550."""
BUSY_RECIPIENT = "mesgul@example.com"
"""The servers refuse this recipient with 451 (try again later), always."""


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    received: list[Received] = field(default_factory=list)
    busy: int = 0
    """Answer this many more RCPTs (any address) with 451 before taking them again."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address == UNKNOWN_RECIPIENT:
            return "550 5.1.1 No such mailbox"
        if address == BUSY_RECIPIENT:
            return "451 4.3.0 Mailbox busy, try again later"
        if self.busy > 0:
            self.busy -= 1
            return "451 4.7.1 Greylisted, come back later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Message accepted for delivery"


class Authenticator:
    """Accepts one user and password; a wrong one gets aiosmtpd's 535, or ``reply`` if set."""

    def __init__(self, *, reply: str | None = None) -> None:
        self.reply = reply

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (USERNAME, PASSWORD):
            return AuthResult(success=True)
        if self.reply:
            return AuthResult(success=False, handled=False, message=self.reply)
        return AuthResult(success=False, handled=False)


@dataclass
class MailServer:
    host: str
    port: int
    mailbox: Mailbox

    @property
    def received(self) -> list[Received]:
        return self.mailbox.received


def free_port() -> int:
    """A port nothing listens on (just released by the OS)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_for(server: MailServer, **changes: Any) -> dict[str, Any]:
    """A PUT body for ``server``."""
    return {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "sender_name": "Örnek Ticaret A.Ş.",
        "sender_address": "mutabakat@ornek.com.tr",
        **changes,
    }
