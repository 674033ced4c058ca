"""Distributed mode end to end: the five services and the gateway as separate processes, each
service with its own PostgreSQL database, events over RabbitMQ, letters e-mailed to a loopback
SMTP server, and a counterparty answering in headless Chromium — both journeys through the
gateway, as the ERP (REST, an `erp` key), the accountant (REST, an `operator` key) and the
counterparty (the browser, no key).

First the wiring: every process ready with its database and the bus, keys replicated to every
service, the gateway's pages and problems. Then the statements journey and the e-Mutabakat
journey. All names (databases, queues, exchange, ports) are unique to the run, so it never
touches a developer's running system; everything is removed afterwards.
"""

from __future__ import annotations

import os

import pytest
from playwright.async_api import async_playwright, expect

from mutabik.services import SERVICES
from mutabik.tenants import new_key, reconciliation_uow
from shared.auth import Role
from shared.testing import eventually

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
EVENT_DEADLINE = 20.0
IBAN = "TR33 0006 1005 1978 6457 8413 26"


def _compact(iban: str) -> str:
    return iban.replace(" ", "").upper()


@pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it",
)
async def test_distributed_mode_end_to_end(distributed, statement_flow, round_flow) -> None:
    async with distributed() as run:
        await _exercise(run, statement_flow, round_flow)


async def _exercise(run, statement_flow, round_flow) -> None:
    cluster, client = run.cluster, run.client
    # 1. Every process up, each service ready with its own database and the bus.
    assert set(cluster.processes) == {*SERVICES, "gateway"}
    dead = {name: p.returncode for name, p in cluster.processes.items() if p.poll() is not None}
    assert not dead, f"exited: {dead}"
    assert len({p.pid for p in cluster.processes.values()}) == len(SERVICES) + 1
    for service in SERVICES:
        answer = run.readiness[service]
        assert answer["service"] == service, answer
        assert (answer["database"], answer["bus"]) == ("ok", "ok"), answer

    # 2. The gateway's own pages, a service's docs, and a problem for a missing key.
    landing = await client.get("/")
    assert landing.status_code == 200, landing.text
    docs = await client.get("/bank-ingest/docs")
    assert docs.status_code == 200, docs.text
    anonymous = await client.get("/matcher/own-accounts")
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"].startswith("application/problem+json")

    # 3. reconciliation -> RabbitMQ -> the other four: the run's new key works everywhere
    # (the fixture waited for it), each service naming the same tenant.
    for service in SERVICES:
        me = await run.call("GET", f"/{service}/me")
        assert me["tenant_id"] == str(run.tenant_id), (service, me)

    # 4. bank-ingest -> RabbitMQ -> matcher: a registered account becomes matcher's own.
    created = await run.call(
        "POST", "/bank-ingest/accounts", expect=201,
        json={"iban": IBAN, "currency": "TRY", "name": "Garanti TL"},
    )  # fmt: skip

    async def matcher_knows_account() -> bool:
        return any(
            a["account_id"] == created["id"] and _compact(a["iban"]) == _compact(IBAN)
            for a in await run.call("GET", "/matcher/own-accounts")
        )

    await eventually(
        matcher_knows_account, within=EVENT_DEADLINE, every=0.2,
        what="matcher lists the account registered at bank-ingest",
    )  # fmt: skip

    # 5. The statements journey across four processes over RabbitMQ, by role: the ERP sends
    # counterparties (reconciliation) and its bank-account codes (matcher); the accountant
    # uploads the statement (bank-ingest), reads the proposals and chooses (matcher); the ERP
    # pulls and acknowledges the vouchers; bank-ingest shows the movements exported.
    erp, operator = await _role_calls(run)
    final = await statement_flow.run(run.call, within=EVENT_DEADLINE, erp=erp, operator=operator)
    assert final["matcher"] == {"exported": 2} and len(final["bank_ingest"]) == 2

    # 6. The e-Mutabakat journey: the ERP's counterparties and movements, a round created and
    # sent by the accountant, e-mails through a real SMTP server, a counterparty agreeing in
    # Chromium at the e-mailed link (through the gateway), resend, expiry, round completed.
    async def pass_validity(round_id: str) -> None:
        await round_flow.pass_validity_in(run.config.database_url("reconciliation"), round_id)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking"],
        )
        try:

            async def agree_in_browser(link: str) -> None:
                assert link.startswith(run.url + "/portal/letters/"), link
                page = await browser.new_page()
                await page.goto(link)
                await expect(page.locator("table.amounts")).to_contain_text("1.234,56 TL")
                await page.get_by_label("Adınız soyadınız").fill("Mehmet Öztürk")
                await page.get_by_role("button", name="Evet, mutabıkız").click()
                await expect(page.get_by_text("Bu mektup yanıtlandı")).to_be_visible()

            completed = await round_flow.run(
                run.call, run.mail, pass_validity, within=EVENT_DEADLINE,
                erp=erp, operator=operator, answer=agree_in_browser,
            )  # fmt: skip
        finally:
            await browser.close()
    assert completed["state"] == "completed"
    assert completed["counts"]["agreed"] == 1 and completed["counts"]["expired"] == 1
    letters = await operator("GET", f"/reconciliation/rounds/{completed['id']}/letters")
    [agreed] = [x for x in letters["items"] if x["state"] == "agreed"]
    assert agreed["answer"]["answered_by"] == "Mehmet Öztürk"
    assert "Chrome" in agreed["answer"]["user_agent"]


async def _role_calls(run):
    """``call`` functions for a new `erp` key and a new `operator` key of the run's tenant,
    once every service knows them."""
    calls = []
    for role in (Role.ERP, Role.OPERATOR):
        async with reconciliation_uow(run.config.database_url("reconciliation")) as uow:
            issued = await new_key(uow, str(run.tenant_id), role, label=f"e2e {role}")
        headers = {"Authorization": f"Bearer {issued.api_key}"}
        for service in SERVICES:

            async def known(service: str = service, headers: dict = headers) -> bool:
                return (await run.client.get(f"/{service}/me", headers=headers)).status_code == 200

            await eventually(known, within=EVENT_DEADLINE, every=0.2, what=f"{role} key works")
        calls.append(_caller(run, headers))
    return calls


def _caller(run, headers: dict[str, str]):
    async def call(method: str, path: str, *, expect: int = 200, **kwargs):
        answer = await run.client.request(method, path, headers=headers, **kwargs)
        assert answer.status_code == expect, (path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    return call
