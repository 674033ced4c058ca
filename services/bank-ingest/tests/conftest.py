"""bank-ingest's own service under test: the app on SQLite or PostgreSQL, an in-process bus with
an observer queue that records every bank_ingest event, and an operator key."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest_asyncio

from bank_ingest.main import create_app
from bank_ingest.settings import BankIngestSettings
from shared.auth import Role
from shared.bus import SUBSCRIPTIONS
from shared.bus.memory import InProcessBus
from shared.events import Envelope
from shared.testing import grant_key, serving


@dataclass
class Service:
    client: httpx.AsyncClient
    auth: dict[str, str]
    bus: InProcessBus
    events: list[Envelope] = field(default_factory=list)

    async def upload(self, content: bytes, name: str = "ekstre.sta", **form) -> httpx.Response:
        return await self.client.post(
            "/statements", files={"file": (name, content)}, data=form, headers=self.auth
        )

    async def get(self, path: str, **params) -> dict:
        response = await self.client.get(path, params=params, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def of_type(self, type_: str) -> list[Envelope]:
        return [e for e in self.events if e.type == type_]


@pytest_asyncio.fixture
async def service(db_url: str) -> AsyncIterator[Service]:
    bus = InProcessBus({**SUBSCRIPTIONS, "observer": ("bank_ingest.#",)}, retry_delays=(0.05,))
    await bus.start()
    seen: list[Envelope] = []

    async def observe(envelope: Envelope) -> None:
        seen.append(envelope)

    await bus.consume("observer", observe)
    settings = BankIngestSettings(
        database_url=db_url, max_upload_bytes=64 * 1024, jobs_poll_seconds=0.05
    )
    app = create_app(settings, bus=bus)
    async with serving(app) as client:
        auth = await grant_key(app, uuid.uuid4(), Role.OPERATOR)
        yield Service(client, auth, bus, seen)
    await bus.close()
