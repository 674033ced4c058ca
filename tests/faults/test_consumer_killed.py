"""Fault: the matcher process is killed (SIGKILL, no shutdown code) while it takes in a
10,000-movement statement, and started again.

What was handled before the kill stays handled once; what was in hand is rolled back and
redelivered by RabbitMQ; what was waiting is still in the queue. Every movement bank-ingest
stored is in matcher's worklist exactly once, with one proposal, and every auto-confirmed one
has exactly one voucher."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import pytest

from .conftest import counterparties, every_item, mt940, party_iban, wait_for

pytestmark = pytest.mark.slow

MOVEMENTS = 10_000
PARTIES = 50


async def test_matcher_killed_mid_statement_proposes_every_movement_once(distributed) -> None:
    async with distributed() as run:
        call = run.call
        await call("PUT", "/reconciliation/counterparties", json=counterparties(PARTIES))

        async def directory_known() -> bool:
            found = await call("GET", "/matcher/accounts/search", params={"q": "120.01.000"})
            return len(found) >= 10

        await wait_for(directory_known, within=20, what="counterparties reach the matcher")

        upload = await call("POST", "/bank-ingest/statements", expect=201,
                            files={"file": ("big.sta", mt940(MOVEMENTS, parties=PARTIES))})  # fmt: skip
        assert upload["movements_new"] == MOVEMENTS

        async def arrived() -> int:
            page = await call("GET", "/matcher/movements", params={"limit": 1})
            return sum(page["counts"].values())

        # Kill it while it is taking the movements in: some arrived, not all.
        at_kill = await wait_for(arrived, within=60, every=0.05, what="first movements in matcher")
        assert at_kill < MOVEMENTS, "matcher took everything in before it could be killed"
        run.cluster.kill("matcher", signal.SIGKILL)
        assert run.cluster.processes["matcher"].returncode == -signal.SIGKILL
        gone = await run.client.get("/matcher/movements", headers=run.headers)
        assert gone.status_code in (502, 503), gone.text
        assert gone.headers["content-type"].startswith("application/problem+json")

        run.cluster.respawn("matcher")
        await asyncio.to_thread(run.cluster.wait_ready, 60)

        async def all_in() -> bool:
            return await arrived() == MOVEMENTS

        await wait_for(all_in, within=60, what=f"all {MOVEMENTS} movements in matcher")
        await _assert_each_once(call)


async def _assert_each_once(call) -> None:
    stored = await every_item(call, "/bank-ingest/movements")
    stored_ids = [m["id"] for m in stored]
    assert len(stored_ids) == len(set(stored_ids)) == MOVEMENTS

    worklist = await every_item(call, "/matcher/movements")
    ids = Counter(m["id"] for m in worklist)
    assert ids.most_common(1)[0][1] == 1, "a movement twice in the worklist"
    assert set(ids) == set(stored_ids)
    # Each one was proposed once: every movement names its counterparty's IBAN, a sure match,
    # left for the operator because the bank account has no ERP code yet (no vouchers).
    assert Counter(m["state"] for m in worklist) == {"proposed": MOVEMENTS}
    code_of = {party_iban(n): f"120.01.{n:05d}" for n in range(PARTIES)}
    assert all(m["candidates"][0]["code"] == code_of[m["counterparty_iban"]] for m in worklist)
    assert await call("GET", "/matcher/dead-letters") == []
