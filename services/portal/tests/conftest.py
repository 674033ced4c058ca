"""portal under test: the app mounted at ``/portal`` as in both modes, on SQLite or PostgreSQL,
an in-process bus with an observer queue catching every ``portal.#`` event, letters issued by
publishing ``LettersIssued`` as reconciliation does."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import func, select

from portal import PortalSettings, create_app
from portal.adapters.orm import Letter
from shared.auth import Role
from shared.bus import SUBSCRIPTIONS
from shared.bus.memory import InProcessBus
from shared.events import Envelope, IssuedLetter, LettersIssued
from shared.host import mounted
from shared.portal_links import letter_token
from shared.testing import eventually, grant_key

SECRET = "portal-test-secret"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Portal:
    app: FastAPI
    client: httpx.AsyncClient
    bus: InProcessBus
    tenant_id: uuid.UUID
    settings: PortalSettings
    transport: httpx.ASGITransport
    events: list[Envelope] = field(default_factory=list)

    def browser(self) -> httpx.AsyncClient:
        """Another visitor: a client with cookies of its own."""
        return httpx.AsyncClient(transport=self.transport, base_url="http://portal.test")

    async def issue(self, *letters: IssuedLetter, tenant: uuid.UUID | None = None) -> Envelope:
        """Publish the letters as reconciliation does and wait until the portal has them."""
        event = LettersIssued(letters=list(letters))
        envelope = Envelope.wrap(event, tenant=tenant or self.tenant_id, correlation_id="test")
        await self.bus.publish([envelope])
        await self.stored(*(item.letter.letter_id for item in letters))
        return envelope

    async def stored(self, *letter_ids: uuid.UUID) -> None:
        async def there() -> bool:
            async with self.app.state.runtime.sessions() as session:
                query = select(func.count()).where(Letter.letter_id.in_(letter_ids))
                return await session.scalar(query) == len(letter_ids)

        await eventually(there, within=10, what="letters stored")

    async def letter(self, letter_id: uuid.UUID) -> Letter:
        async with self.app.state.runtime.sessions() as session:
            return await session.get(Letter, letter_id)

    def url(self, letter_id: uuid.UUID, suffix: str = "") -> str:
        return f"/portal/letters/{letter_token(SECRET, letter_id)}{suffix}"

    async def open(self, letter_id: uuid.UUID, **kwargs: Any) -> tuple[httpx.Response, str]:
        """GET the letter page; the response and its form's CSRF field."""
        response = await self.client.get(self.url(letter_id), **kwargs)
        found = CSRF_FIELD.search(response.text)
        return response, found.group(1) if found else ""

    async def answer(
        self,
        letter_id: uuid.UUID,
        *,
        csrf: str | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        headers: dict[str, str] | None = None,
        **fields: str,
    ) -> httpx.Response:
        """POST the answer form (multipart), with the CSRF field of a fresh page view unless
        ``csrf`` is given."""
        if csrf is None:
            _, csrf = await self.open(letter_id)
        data = {"csrf_token": csrf, **fields}
        multipart = files or {"attachment": ("", b"", "application/octet-stream")}
        return await self.client.post(
            self.url(letter_id, "/answer"), data=data, files=multipart, headers=headers
        )

    def of_type(self, type_: str) -> list[Envelope]:
        return [e for e in self.events if e.type == type_]

    async def settled(self) -> None:
        """Wait until every event committed so far has reached the observer."""
        runtime = self.app.state.runtime
        from shared.tables import outbox

        async def drained() -> bool:
            async with runtime.sessions() as session:
                return await session.scalar(select(func.count()).select_from(outbox)) == 0

        await eventually(drained, within=10, what="outbox drained")

    async def key(self, role: Role = Role.OPERATOR, tenant: uuid.UUID | None = None) -> dict:
        return await grant_key(self.app, tenant or self.tenant_id, role)


PortalFactory = Callable[..., Awaitable[Portal]]


@pytest_asyncio.fixture
async def make_portal(db_url: str) -> AsyncIterator[PortalFactory]:
    """Start the portal with settings changed from the tests' defaults (only once per test)."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**overrides: Any) -> Portal:
            bus = InProcessBus({**SUBSCRIPTIONS, "observer": ("portal.#",)}, retry_delays=(0.05,))
            await bus.start()
            stack.push_async_callback(bus.close)
            seen: list[Envelope] = []

            async def observe(envelope: Envelope) -> None:
                seen.append(envelope)

            await bus.consume("observer", observe)
            settings = PortalSettings(
                database_url=db_url, secret_key=SECRET, relay_poll_seconds=0.05, **overrides
            )
            app = create_app(settings, bus=bus)
            root = mounted({"portal": app})
            await stack.enter_async_context(root.router.lifespan_context(root))
            transport = httpx.ASGITransport(app=root)
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://portal.test")
            )
            return Portal(app, client, bus, uuid.uuid4(), settings, transport, seen)

        yield start


@pytest_asyncio.fixture
async def portal(make_portal: PortalFactory) -> Portal:
    return await make_portal()
