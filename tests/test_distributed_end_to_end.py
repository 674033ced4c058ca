"""Smoke test of distributed mode: five service processes and the gateway on this machine, each
service with its own PostgreSQL database, talking over RabbitMQ.

It proves the wiring, not the business rules: every process starts and reports its database and
bus ready; an event from reconciliation (a new API key) reaches the other four services; an event
from bank-ingest (a registered account) reaches matcher; the gateway serves its landing page, the
services' docs and RFC 9457 problems. All names (databases, queues, exchange, ports) are unique
to the run, so it never touches a developer's running system; everything is removed afterwards.
"""

from __future__ import annotations

import pytest

from mutabik.services import SERVICES
from shared.testing import eventually

pytestmark = pytest.mark.slow

EVENT_DEADLINE = 20.0
IBAN = "TR33 0006 1005 1978 6457 8413 26"


def _compact(iban: str) -> str:
    return iban.replace(" ", "").upper()


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

    # 5. The statements side across four processes over RabbitMQ: counterparties
    # (reconciliation) → statement (bank-ingest) → proposals, choice, vouchers pulled and
    # acknowledged (matcher) → exported mark back in bank-ingest.
    final = await statement_flow.run(run.call, within=EVENT_DEADLINE)
    assert final["matcher"] == {"exported": 2} and len(final["bank_ingest"]) == 2

    # 6. e-Mutabakat across two processes over RabbitMQ: a round at reconciliation, its
    # e-mails sent by the notifier to a real SMTP server, outcomes back, resend, expiry.
    async def pass_validity(round_id: str) -> None:
        await round_flow.pass_validity_in(run.config.database_url("reconciliation"), round_id)

    completed = await round_flow.run(run.call, run.mail, pass_validity, within=EVENT_DEADLINE)
    assert completed["state"] == "completed"
