"""Fault: PostgreSQL stopped and started again while clients keep calling.

Three writers and a reader go on through the gateway while the database server goes away for a
few seconds: bank accounts created with an ``Idempotency-Key``, counterparties put in batches of
five, small statements uploaded with an ``Idempotency-Key``, lists read. Meanwhile every
service's ``/readyz`` answers 503 naming the database. Every answer is a success or a 5xx
problem (``application/problem+json``) within the client's timeout: no hang, no HTML error
page. Afterwards every service is ready again and nothing is corrupt: whatever was acknowledged
is there once, whatever failed is there whole or not at all, a retry with the same
``Idempotency-Key`` creates nothing twice, and every stored movement reaches the matcher once."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from mutabik.services import SERVICES, env_prefix

from .conftest import counterparties, every_item, mt940, party_iban, run_command, wait_for

VERSIONS = sorted(p.name for p in Path("/etc/postgresql").glob("*"))
PG_CLUSTER = ["pg_ctlcluster", "--skip-systemctl-redirect", *VERSIONS[:1], "main"]
pytestmark = pytest.mark.slow

CLIENT_TIMEOUT = 20.0
"""Seconds a client waits for an answer; longer counts as a hang."""
OUTAGE_SECONDS = 2.0
BATCH = 5
MOVEMENTS_PER_FILE = 3
RETRY_DELAYS = "[0.2, 0.5]"
"""Far shorter than the outage: an event must not use up its attempts on a database that is
away, only on failures of its own."""


@dataclass
class Answer:
    kind: str
    key: int
    status: int | None
    problem: bool
    body: Any = None
    error: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def clean(self) -> bool:
        """A success, or a server error told as a problem."""
        return self.ok or (self.status is not None and self.status >= 500 and self.problem)


class Traffic:
    """Clients calling the system in a loop until stopped; every answer kept."""

    def __init__(self, run) -> None:
        self.answers: list[Answer] = []
        self.stop = asyncio.Event()
        self.client = httpx.AsyncClient(base_url=run.url, headers=run.headers,
                                        timeout=CLIENT_TIMEOUT)  # fmt: skip

    async def call(self, kind: str, key: int, method: str, path: str, **kwargs) -> Answer:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:  # a timeout or a dropped connection: not clean
            answer = Answer(kind, key, None, False, error=f"{type(exc).__name__}: {exc}")
        else:
            problem = response.headers.get("content-type", "").startswith(
                "application/problem+json"
            )
            body = (
                response.json() if response.content and (problem or response.is_success) else None
            )
            answer = Answer(kind, key, response.status_code, problem, body, response.text[:300])
        self.answers.append(answer)
        return answer

    async def loop(self, one_call) -> None:
        for key in itertools.count():
            if self.stop.is_set():
                return
            await one_call(key)
            await asyncio.sleep(0.05)

    def of(self, kind: str) -> list[Answer]:
        return [a for a in self.answers if a.kind == kind]


def account_body(key: int) -> dict[str, str]:
    return {"iban": party_iban(5000 + key), "currency": "TRY", "name": f"Kesinti hesabı {key}"}


def batch_of(key: int) -> list[dict[str, Any]]:
    return [
        {"code": f"320.{key:04d}.{j}", "kind": "supplier", "title": f"TEDARİKÇİ {key}-{j} A.Ş."}
        for j in range(BATCH)
    ]


def statement_of(key: int) -> bytes:
    return mt940(MOVEMENTS_PER_FILE, parties=3, tag=f"S{key:04d}")


def _need_pg_ctlcluster() -> None:
    if VERSIONS and shutil.which("pg_ctlcluster"):
        return
    message = "stopping PostgreSQL takes pg_ctlcluster and a local (Debian) cluster"
    if os.environ.get("CI") == "true" or os.environ.get("MUTABIK_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


async def test_services_survive_a_postgresql_restart_under_traffic(distributed) -> None:
    _need_pg_ctlcluster()
    env = {f"{env_prefix(entry)}RETRY_DELAYS": RETRY_DELAYS for entry in SERVICES.values()}
    async with distributed(extra_env=env) as run:
        call = run.call
        await call("PUT", "/reconciliation/counterparties", json=counterparties(3))
        traffic = Traffic(run)

        async def create_account(key: int) -> None:
            await traffic.call("account", key, "POST", "/bank-ingest/accounts",
                               json=account_body(key), headers={"Idempotency-Key": f"acc-{key}"})  # fmt: skip

        async def put_batch(key: int) -> None:
            await traffic.call("batch", key, "PUT", "/reconciliation/counterparties",
                               json=batch_of(key))  # fmt: skip

        async def upload(key: int) -> None:
            await traffic.call("statement", key, "POST", "/bank-ingest/statements",
                               files={"file": (f"s{key}.sta", statement_of(key))},
                               headers={"Idempotency-Key": f"st-{key}"})  # fmt: skip

        reads = ["/reconciliation/counterparties", "/matcher/movements", "/bank-ingest/accounts"]

        async def read(key: int) -> None:
            await traffic.call("read", key, "GET", reads[key % len(reads)], params={"limit": 10})

        loops = [
            asyncio.create_task(traffic.loop(one))
            for one in (create_account, put_batch, upload, read)
        ]
        try:
            await wait_for(lambda: sum(a.ok for a in traffic.answers) >= 8, within=30,
                           what="traffic under way")  # fmt: skip
            await _outage(run)
            back = time.monotonic()
            await wait_for(lambda: sum(a.ok and a.at > back for a in traffic.answers) >= 8,
                           within=30, what="traffic succeeding again")  # fmt: skip
        finally:
            traffic.stop.set()
            await asyncio.gather(*loops, return_exceptions=True)
            await traffic.client.aclose()

        unclean = [a for a in traffic.answers if not a.clean]
        assert unclean == [], unclean[:5]
        failed = [a for a in traffic.answers if not a.ok]
        assert failed, "no request failed: the outage was not under traffic"
        # The database away is told as such: 503, to be retried — not an internal error.
        assert {a.status for a in failed} == {503}, sorted({(a.status, a.kind) for a in failed})
        await _nothing_corrupt(run, traffic)
        await _carries_on(call, traffic)


async def _outage(run) -> None:
    """Stops PostgreSQL, sees every service say so, starts it again (always)."""
    try:
        await run_command(*PG_CLUSTER, "stop")

        async def all_not_ready() -> bool:
            for service in SERVICES:
                answer = await run.client.get(f"/{service}/readyz")
                if answer.status_code != 503:
                    return False
                body = answer.json()
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert body["status"] == "not ready", body
                if not body["database"].startswith("unavailable"):
                    return False
            return True

        await wait_for(all_not_ready, within=15, what="every service reports the database down")
        await asyncio.sleep(OUTAGE_SECONDS)
    finally:
        await run_command(*PG_CLUSTER, "start")
        await run_command("pg_isready", "-h", "127.0.0.1", "-t", "30")
    answers = await asyncio.to_thread(run.cluster.wait_ready, 60)
    assert {s: (a["database"], a["bus"]) for s, a in answers.items()} == {
        s: ("ok", "ok") for s in SERVICES
    }


async def _nothing_corrupt(run, traffic: Traffic) -> None:
    call = run.call

    async def again(path: str, key: str, **kwargs) -> dict:
        """The same request again with its Idempotency-Key."""
        headers = {**run.headers, "Idempotency-Key": key}
        answer = await run.client.post(path, headers=headers, **kwargs)
        assert answer.status_code == 201, (path, key, answer.status_code, answer.text)
        return answer.json()

    # Counterparties: each batch whole or not at all; every acknowledged one whole, once.
    stored = Counter(
        c["code"].split(".")[1] for c in await every_item(call, "/reconciliation/counterparties")
        if c["code"].startswith("320.")
    )  # fmt: skip
    batches = traffic.of("batch")
    assert set(stored) <= {f"{a.key:04d}" for a in batches}
    for answer in batches:
        present = stored.get(f"{answer.key:04d}", 0)
        assert present in (0, BATCH), (answer, present)
        if answer.ok:
            assert present == BATCH and answer.body["created"] == BATCH, answer

    # Accounts: the acknowledged ones there; a retry with the same key never makes a second.
    for answer in traffic.of("account"):
        retried = await again("/bank-ingest/accounts", f"acc-{answer.key}",
                              json=account_body(answer.key))  # fmt: skip
        if answer.ok:
            assert retried["id"] == answer.body["id"], (answer, retried)
    accounts = await every_item(call, "/bank-ingest/accounts", limit=500)
    ibans = Counter(a["iban"] for a in accounts if a["name"].startswith("Kesinti"))
    assert len(ibans) == len(traffic.of("account")) and set(ibans.values()) == {1}, ibans

    # Statements: an acknowledged file's movements all there, a failed one's all or none; the
    # same upload again with its key stores nothing twice.
    before = _per_file(await every_item(call, "/bank-ingest/movements"))
    for answer in traffic.of("statement"):
        present = before.get(f"S{answer.key:04d}", 0)
        assert present in (0, MOVEMENTS_PER_FILE), (answer, present)
        if answer.ok:
            assert present == MOVEMENTS_PER_FILE and answer.body["movements_new"] == present
        await again("/bank-ingest/statements", f"st-{answer.key}",
                    files={"file": (f"s{answer.key}.sta", statement_of(answer.key))})  # fmt: skip
    after = _per_file(await every_item(call, "/bank-ingest/movements"))
    assert after == {f"S{a.key:04d}": MOVEMENTS_PER_FILE for a in traffic.of("statement")}


def _per_file(movements: list[dict]) -> Counter:
    return Counter(m["bank_reference"].split("-")[0] for m in movements)


async def _carries_on(call, traffic: Traffic) -> None:
    """A new statement after the outage flows to the matcher, and so did every one before."""
    upload = await call("POST", "/bank-ingest/statements", expect=201,
                        files={"file": ("after.sta", statement_of(9999))})  # fmt: skip
    assert upload["movements_new"] == MOVEMENTS_PER_FILE
    stored = {m["id"] for m in await every_item(call, "/bank-ingest/movements")}
    assert len(stored) == MOVEMENTS_PER_FILE * (len(traffic.of("statement")) + 1)

    async def all_in_matcher() -> bool:
        page = await call("GET", "/matcher/movements", params={"limit": 1})
        return sum(page["counts"].values()) == len(stored)

    await wait_for(all_in_matcher, within=30, what="every stored movement in the matcher")
    worklist = Counter(m["id"] for m in await every_item(call, "/matcher/movements"))
    assert set(worklist) == stored and set(worklist.values()) == {1}
    for service in SERVICES:
        assert await call("GET", f"/{service}/dead-letters") == [], service
