"""reconciliation's own service under test: the app on SQLite or PostgreSQL, an in-process bus with
an observer queue that records every reconciliation event, and an ERP key."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from openpyxl import Workbook
from sqlalchemy import func, select

from reconciliation.main import create_app
from reconciliation.settings import ReconciliationSettings
from shared.auth import Role
from shared.bus import SUBSCRIPTIONS
from shared.bus.memory import InProcessBus
from shared.events import Envelope
from shared.tables import outbox
from shared.testing import eventually, grant_key, serving


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    auth: dict[str, str]
    tenant_id: uuid.UUID
    bus: InProcessBus
    events: list[Envelope] = field(default_factory=list)

    async def put(self, rows: list[dict], auth: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.put("/counterparties", json=rows, headers=auth or self.auth)

    async def get(self, path: str, auth: dict[str, str] | None = None, **params) -> dict:
        response = await self.client.get(path, params=params, headers=auth or self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def of_type(self, type_: str) -> list[Envelope]:
        return [e for e in self.events if e.type == type_]

    async def outbox_empty(self) -> None:
        """Wait until the relay has published everything committed so far."""
        runtime = self.app.state.runtime

        async def drained() -> bool:
            async with runtime.sessions() as session:
                return await session.scalar(select(func.count()).select_from(outbox)) == 0

        await eventually(drained, within=10, what="outbox drained")


def workbook(headers: list[str], rows: list[list]) -> bytes:
    """An .xlsx with ``headers`` in row 1 and ``rows`` below, as a user would save it."""
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def xlsx():
    return workbook


@pytest_asyncio.fixture
async def service(db_url: str) -> AsyncIterator[Service]:
    bus = InProcessBus({**SUBSCRIPTIONS, "observer": ("reconciliation.#",)}, retry_delays=(0.05,))
    await bus.start()
    seen: list[Envelope] = []

    async def observe(envelope: Envelope) -> None:
        seen.append(envelope)

    await bus.consume("observer", observe)
    settings = ReconciliationSettings(database_url=db_url, max_import_bytes=8 * 1024 * 1024)
    app = create_app(settings, bus=bus)
    async with serving(app) as client:
        tenant_id = uuid.uuid4()
        auth = await grant_key(app, tenant_id, Role.ERP)
        yield Service(app, client, auth, tenant_id, bus, seen)
    await bus.close()
