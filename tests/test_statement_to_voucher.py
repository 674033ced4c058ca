"""The statements side end to end, in embedded mode (every service, one in-process bus):
counterparties from reconciliation → statement uploaded to bank-ingest → proposals in matcher →
the operator confirms → the ERP pulls and acknowledges the vouchers → bank-ingest shows the
movements exported. Then every event of the run is delivered again: nothing changes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.tenants import new_tenant_with_key
from shared.bus import SUBSCRIPTIONS, InProcessBus
from shared.events import Envelope
from shared.testing import eventually


@dataclass
class Running:
    client: httpx.AsyncClient
    apps: dict[str, FastAPI]
    bus: InProcessBus
    events: list[Envelope]
    headers: dict[str, str]

    async def call(self, method: str, path: str, *, expect: int = 200, **kwargs) -> Any:
        response = await self.client.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None


@pytest_asyncio.fixture
async def running(tmp_path) -> AsyncIterator[Running]:
    bus = InProcessBus({**SUBSCRIPTIONS, "observer": ("#",)}, retry_delays=(0.05, 0.1))
    root, apps = embedded_system(tmp_path, bus=bus)
    events: list[Envelope] = []
    async with root.router.lifespan_context(root):

        async def observe(envelope: Envelope) -> None:
            events.append(envelope)

        await bus.consume("observer", observe)
        async with apps["reconciliation"].state.runtime.new_uow() as uow:
            _, issued = await new_tenant_with_key(uow, f"Flow {uuid.uuid4().hex[:6]}")
        await wait_until_key_works(apps, issued.api_key)
        transport = httpx.ASGITransport(app=root)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"Authorization": f"Bearer {issued.api_key}"}
            yield Running(client, apps, bus, events, headers)


async def test_statement_to_acknowledged_vouchers_and_back_to_bank_ingest(
    running: Running, statement_flow
):
    system = running
    before = await statement_flow.run(system.call)
    assert before["matcher"] == {"exported": 2}
    assert len(before["bank_ingest"]) == 2

    # every event of the run, delivered again: each service recognises each one as a duplicate
    handled = _outcomes(system, "handled")
    assert handled["matcher"] >= 4 and handled["bank-ingest"] >= 1
    await system.bus.publish(list(system.events))
    await eventually(lambda: _outcomes(system, "duplicate") == handled, what="all duplicates")
    assert _outcomes(system, "handled") == handled
    assert await statement_flow.state(system.call) == before


def _outcomes(system: Running, outcome: str) -> dict[str, float]:
    """Per service, how many events its consumer finished with ``outcome``."""
    counts = {}
    for name, app in system.apps.items():
        metrics = app.state.runtime.metrics.events_consumed
        counts[name] = sum(
            sample.value
            for metric in metrics.collect()
            for sample in metric.samples
            if sample.name.endswith("_total") and sample.labels["outcome"] == outcome
        )
    return counts
