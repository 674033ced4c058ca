"""matcher's own service under test: the app on SQLite or PostgreSQL, an in-process bus with an
observer queue that records every matcher event, and keys for an operator and the ERP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from matcher.main import create_app
from matcher.settings import MatcherSettings
from shared.auth import Role
from shared.bus import SUBSCRIPTIONS
from shared.bus.memory import InProcessBus
from shared.events import Envelope, Event
from shared.tables import inbox
from shared.testing import eventually, grant_key, serving


@dataclass
class Service:
    client: httpx.AsyncClient
    operator: dict[str, str]
    erp: dict[str, str]
    tenant: uuid.UUID
    bus: InProcessBus
    sessions: async_sessionmaker
    app: FastAPI
    events: list[Envelope] = field(default_factory=list)

    async def get(self, path: str, *, auth: dict[str, str] | None = None, **params) -> dict:
        response = await self.client.get(path, params=params, headers=auth or self.operator)
        assert response.status_code == 200, response.text
        return response.json()

    async def send(self, method: str, path: str, body=None, *, auth=None, expect: int = 200):
        response = await self.client.request(method, path, json=body, headers=auth or self.operator)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    async def publish(self, event: Event, *, tenant: uuid.UUID | None = None) -> Envelope:
        """Deliver ``event`` to matcher's queue as another service would, and wait until it is
        handled (its id is in the inbox)."""
        envelope = Envelope.wrap(event, tenant=tenant or self.tenant, correlation_id="test")
        await self.redeliver(envelope)
        return envelope

    async def redeliver(self, envelope: Envelope) -> None:
        await self.bus.publish([envelope])

        async def handled() -> bool:
            async with self.sessions() as session:
                found = await session.scalar(
                    select(inbox.c.event_id).where(
                        inbox.c.consumer == "matcher", inbox.c.event_id == envelope.id
                    )
                )
            return found is not None

        await eventually(handled, what=f"{envelope.type} handled")
        await asyncio.sleep(0.05)  # a redelivery is dropped after its inbox check: let it finish

    async def grant(self, tenant: uuid.UUID, role: Role = Role.OPERATOR) -> dict[str, str]:
        """A key of ``tenant`` (another tenant's, say)."""
        return await grant_key(self.app, tenant, role)

    def of_type(self, type_: str) -> list[Envelope]:
        return [e for e in self.events if e.type == type_]


@pytest_asyncio.fixture
async def service(db_url: str) -> AsyncIterator[Service]:
    bus = InProcessBus({**SUBSCRIPTIONS, "observer": ("matcher.#",)}, retry_delays=(0.05,))
    await bus.start()
    seen: list[Envelope] = []

    async def observe(envelope: Envelope) -> None:
        seen.append(envelope)

    await bus.consume("observer", observe)
    app = create_app(MatcherSettings(database_url=db_url), bus=bus)
    async with serving(app) as client:
        tenant = uuid.uuid4()
        operator = await grant_key(app, tenant, Role.OPERATOR)
        erp = await grant_key(app, tenant, Role.ERP)
        yield Service(client, operator, erp, tenant, bus, app.state.runtime.sessions, app, seen)
    await bus.close()
