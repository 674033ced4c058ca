"""notifier under test: the app on SQLite or PostgreSQL, and real SMTP servers (aiosmtpd) on
127.0.0.1 that record what they receive: plain, with AUTH, with STARTTLS or implicit TLS under a
test CA (trustme). One of them is the "system" server the settings point at. For the letter
e-mails, the app on an in-process bus with an observer of the events it sends."""

from __future__ import annotations

import contextlib
import ssl
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
import trustme
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from notifier.main import create_app
from notifier.settings import NotifierSettings
from shared.auth import Role
from shared.bus import SUBSCRIPTIONS
from shared.bus.memory import InProcessBus
from shared.events import (
    DeliveryReport,
    Envelope,
    LetterEmailsDelivered,
    LetterEmailsQueued,
    QueuedEmail,
)
from shared.testing import eventually, grant_key, serving

from .mail_servers import Mailbox, MailServer, free_port


@pytest.fixture
def mail_server() -> Iterator[Callable[..., MailServer]]:
    """Starts an aiosmtpd server (on ``port`` if given, with ``mailbox`` as its handler if
    given); other keyword arguments go to its ``Controller`` (``tls_context``,
    ``require_starttls``, ``authenticator``, ``auth_require_tls``, ``ssl_context`` …)."""
    started: list[Controller] = []

    def start(
        *, port: int | None = None, mailbox: Mailbox | None = None, **options: Any
    ) -> MailServer:
        mailbox = mailbox or Mailbox()
        port = port or free_port()
        controller = Controller(
            mailbox, hostname="127.0.0.1", port=port, server_hostname="mx.test", **options
        )
        controller.start()
        started.append(controller)
        return MailServer("127.0.0.1", port, mailbox)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(test_ca: trustme.CA) -> ssl.SSLContext:
    """The TLS context of a server whose certificate (for 127.0.0.1) the test CA signed."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    test_ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca_file(test_ca: trustme.CA, tmp_path) -> str:
    path = tmp_path / "test-ca.pem"
    test_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def system_mail(mail_server) -> MailServer:
    """The system's SMTP server: where tenants without settings of their own send."""
    return mail_server()


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    settings: NotifierSettings
    tenant_id: uuid.UUID
    admin: dict[str, str]
    operator: dict[str, str]

    async def put(self, body: dict[str, Any], auth: dict[str, str] | None = None):
        return await self.client.put("/smtp-settings", json=body, headers=auth or self.admin)

    async def get(self, auth: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.get("/smtp-settings", headers=auth or self.admin)

    async def delete(self, auth: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.delete("/smtp-settings", headers=auth or self.admin)

    async def test(self, to: str = "alici@example.com", auth: dict[str, str] | None = None):
        return await self.client.post(
            "/smtp-settings/test", json={"to": to}, headers=auth or self.admin
        )

    async def tested(self, to: str = "alici@example.com") -> dict[str, Any]:
        """The test mail's result (the route answers 200 whether or not it worked)."""
        response = await self.test(to)
        assert response.status_code == 200, response.text
        return response.json()

    async def key(self, role: Role, tenant_id: uuid.UUID | None = None) -> dict[str, str]:
        return await grant_key(self.app, tenant_id or self.tenant_id, role)


def _defaults(db_url: str, system_mail: MailServer, ca_file: str) -> dict[str, Any]:
    return {
        "database_url": db_url,
        "secret_key": "test-secret-key",
        "smtp_host": system_mail.host,
        "smtp_port": system_mail.port,
        "smtp_sender_address": "sistem@mutabik.test",
        "smtp_timeout": 2.0,
        "smtp_ca_file": ca_file,
    }


@pytest_asyncio.fixture
async def make_service(
    db_url: str, system_mail: MailServer, ca_file: str
) -> AsyncIterator[Callable[..., Awaitable[Service]]]:
    """Starts the service (once a test); keyword arguments change its settings."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**changes: Any) -> Service:
            settings = NotifierSettings(**{**_defaults(db_url, system_mail, ca_file), **changes})
            app = create_app(settings)
            client = await stack.enter_async_context(serving(app))
            tenant_id = uuid.uuid4()
            admin = await grant_key(app, tenant_id, Role.ADMIN)
            operator = await grant_key(app, tenant_id, Role.OPERATOR)
            return Service(app, client, settings, tenant_id, admin, operator)

        yield make


@pytest_asyncio.fixture
async def service(make_service) -> Service:
    return await make_service()


@dataclass
class LetterService(Service):
    """The service on an in-process bus, with an observer queue that keeps every notifier
    event (``notifier.letters.delivered``)."""

    bus: InProcessBus = field(default=None)  # type: ignore[assignment]
    events: list[Envelope] = field(default_factory=list)

    async def queue(self, *emails: QueuedEmail, tenant: uuid.UUID | None = None) -> Envelope:
        """Publish the e-mails as reconciliation would (``reconciliation.letters.queued``)."""
        envelope = Envelope.wrap(
            LetterEmailsQueued(emails=list(emails)),
            tenant=tenant or self.tenant_id,
            correlation_id="test",
        )
        await self.bus.publish([envelope])
        return envelope

    def reports(self) -> dict[tuple[uuid.UUID, int], DeliveryReport]:
        found = {}
        for envelope in self.events:
            if envelope.type == LetterEmailsDelivered.type:
                for report in LetterEmailsDelivered.model_validate(envelope.payload).reports:
                    assert (report.letter_id, report.send_no) not in found, "reported twice"
                    found[report.letter_id, report.send_no] = report
        return found

    async def settled(self, count: int, within: float = 10) -> dict:
        """Wait for ``count`` reports; return them by (letter_id, send_no)."""
        await eventually(lambda: len(self.reports()) >= count, within=within, what="reports")
        return self.reports()

    async def emails(self, auth: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
        response = await self.client.get(
            "/letter-emails", params=params, headers=auth or self.operator
        )
        assert response.status_code == 200, response.text
        return response.json()


FAST_SENDING = {
    "send_poll_seconds": 0.05,
    "send_retry_delays": (0.3, 0.3),
    "max_per_minute": 0,
    "portal_link_base": "https://portal.mutabik.test/letters/",
}


@pytest_asyncio.fixture
async def make_letter_service(
    db_url: str, system_mail: MailServer, ca_file: str
) -> AsyncIterator[Callable[..., Awaitable[LetterService]]]:
    """Starts the service on its own in-process bus (once a test); keyword arguments change its
    settings (sending is fast by default: short polls and retries, no rate limit)."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**changes: Any) -> LetterService:
            bus = InProcessBus({**SUBSCRIPTIONS, "observer": ("notifier.#",)}, retry_delays=(0.05,))
            await bus.start()
            stack.push_async_callback(bus.close)
            seen: list[Envelope] = []

            async def observe(envelope: Envelope) -> None:
                seen.append(envelope)

            await bus.consume("observer", observe)
            defaults = _defaults(db_url, system_mail, ca_file)
            settings = NotifierSettings(**{**defaults, **FAST_SENDING, **changes})
            app = create_app(settings, bus=bus)
            client = await stack.enter_async_context(serving(app))
            tenant_id = uuid.uuid4()
            admin = await grant_key(app, tenant_id, Role.ADMIN)
            operator = await grant_key(app, tenant_id, Role.OPERATOR)
            return LetterService(
                app, client, settings, tenant_id, admin, operator, bus=bus, events=seen
            )

        yield make


@pytest_asyncio.fixture
async def letters(make_letter_service) -> LetterService:
    return await make_letter_service()
