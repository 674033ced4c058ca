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

OUR_IBAN = "TR830006200000000012345678"
OZTURK_IBAN = "TR330006100519786457841326"
STATEMENT = f"""{{1:F01TGBATRISXXXX0000000000}}{{2:O9401200240102TGBATRISXXXX00000000002401021200N}}{{4:
:20:GAR2511030001
:25:{OUR_IBAN}
:28C:1/1
:60F:C251102TRY10000,00
:61:2511031103C15250,00NTRFNONREF//GB25110300001
:86:GELEN EFT ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ. IBAN {OZTURK_IBAN} FATURA NO 12
:61:2511031103D4000,00NTRFNONREF//GB25110300002
:86:GİDEN EFT YILMAZ GIDA SAN VE TIC AS KIRA
:62F:C251103TRY21250,00
-}}
""".encode()


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


async def test_statement_to_acknowledged_vouchers_and_back_to_bank_ingest(running: Running):
    system = running
    await system.call(
        "PUT",
        "/reconciliation/counterparties",
        json=[
            {"code": "120.01.005", "kind": "customer", "ibans": [OZTURK_IBAN],
             "title": "ÖZTÜRK İNŞAAT TAAHHÜT SAN. VE TİC. LTD. ŞTİ."},
            {"code": "320.01.007", "kind": "supplier", "title": "YILMAZ GIDA SAN. VE TİC. A.Ş."},
            {"code": "320.01.008", "kind": "supplier", "title": "YILMAZ GIDA PAZARLAMA A.Ş."},
        ],
    )  # fmt: skip
    await system.call(
        "PUT", "/matcher/bank-accounts", json=[{"iban": OUR_IBAN, "code": "102.01.001"}]
    )
    upload = await system.call(
        "POST", "/bank-ingest/statements", files={"file": ("garanti.sta", STATEMENT)}, expect=201
    )
    assert upload["movements_new"] == 2

    async def both_arrived() -> bool:
        page = await system.call("GET", "/matcher/movements")
        return len(page["items"]) == 2

    await eventually(both_arrived, what="movements reach the matcher")
    worklist = (await system.call("GET", "/matcher/movements"))["items"]
    incoming, outgoing = sorted(worklist, key=lambda m: m["amount"], reverse=True)
    assert incoming["state"] == "confirmed" and incoming["contra_code"] == "120.01.005"
    assert outgoing["state"] == "proposed"  # two YILMAZ GIDA firms: the operator decides
    assert {c["code"] for c in outgoing["candidates"][:2]} == {"320.01.007", "320.01.008"}

    await system.call(
        "POST", f"/matcher/movements/{outgoing['id']}/choose",
        json={"kind": "counterparty", "code": "320.01.007"},
    )  # fmt: skip
    ready = (await system.call("GET", "/matcher/vouchers"))["items"]
    assert len(ready) == 2
    for voucher in ready:
        assert sum(float(line["debit"]) for line in voucher["lines"]) == sum(
            float(line["credit"]) for line in voucher["lines"]
        )
    results = await system.call(
        "POST",
        "/matcher/vouchers/acknowledge",
        json=[{"id": v["id"], "erp_document_number": f"LOGO-{i}"} for i, v in enumerate(ready)],
    )
    assert all(r["ok"] for r in results["results"])

    async def exported_in_bank_ingest() -> bool:
        page = await system.call("GET", "/bank-ingest/movements", params={"processed": "true"})
        return len(page["items"]) == 2

    await eventually(exported_in_bank_ingest, what="bank-ingest marks the movements exported")
    before = await _state(system)
    assert before["matcher"] == {"exported": 2}

    # every event of the run, delivered again: each service recognises each one as a duplicate
    handled = _outcomes(system, "handled")
    assert handled["matcher"] >= 4 and handled["bank-ingest"] >= 1
    await system.bus.publish(list(system.events))
    await eventually(lambda: _outcomes(system, "duplicate") == handled, what="all duplicates")
    assert _outcomes(system, "handled") == handled
    assert await _state(system) == before


async def _state(system: Running) -> dict[str, Any]:
    matcher = await system.call("GET", "/matcher/movements", params={"state": "exported"})
    vouchers = (await system.call("GET", "/matcher/vouchers", params={"state": "all"}))["items"]
    processed = await system.call("GET", "/bank-ingest/movements", params={"processed": "true"})
    return {
        "matcher": matcher["counts"],
        "vouchers": sorted((v["id"], v["state"], v["number"]) for v in vouchers),
        "bank_ingest": sorted(m["id"] for m in processed["items"]),
        "counterparties": len(
            (await system.call("GET", "/reconciliation/counterparties"))["items"]
        ),
    }


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
