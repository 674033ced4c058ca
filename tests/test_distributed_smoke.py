"""Smoke test of distributed mode: five service processes and the gateway on this machine, each
service with its own PostgreSQL database, talking over RabbitMQ.

It proves the wiring, not the business rules: every process starts and reports its database and
bus ready; an event from reconciliation (a new API key) reaches the other four services; an event
from bank-ingest (a registered account) reaches matcher; the gateway serves its landing page, the
services' docs and RFC 9457 problems. All names (databases, queues, exchange, ports) are unique
to the run, so it never touches a developer's running system; everything is removed afterwards.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import aio_pika
import asyncpg
import httpx
import pytest
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import AMQPConnectionError
from sqlalchemy.engine import make_url

from mutabik.distributed import Cluster, DistributedConfig, create_databases
from mutabik.services import SERVICES, env_prefix
from mutabik.tenants import new_tenant_with_key, reconciliation_uow

pytestmark = pytest.mark.slow

IBAN = "TR33 0006 1005 1978 6457 8413 26"
EVENT_DEADLINE = 20.0
"""Seconds an event may take to travel outbox -> RabbitMQ -> another service."""
LOG_TAIL_LINES = 40


# -- ports ---------------------------------------------------------------------------------


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _free_base_port(host: str, avoid: int) -> int:
    """A base whose +1 .. +len(SERVICES) are free (the service ports)."""
    for _ in range(200):
        base = random.randint(20000, 40000)
        ports = range(base + 1, base + len(SERVICES) + 1)
        if avoid not in ports and all(_port_is_free(host, port) for port in ports):
            return base
    raise RuntimeError("no free block of service ports in 20000-40000")


# -- setup and teardown --------------------------------------------------------------------


def _config(
    token: str, postgres_url: str, amqp_url: str, log_dir: Path, smtp_port: int
) -> DistributedConfig:
    host = "127.0.0.1"
    gateway_port = _free_port(host)
    fast = {f"{env_prefix(entry)}RELAY_POLL_SECONDS": "0.2" for entry in SERVICES.values()}
    return DistributedConfig(
        postgres_url=postgres_url,
        amqp_url=amqp_url,
        database_prefix=f"mutabik_smoke_{token}",
        queue_prefix=f"smoke.{token}",
        exchange=f"smoke.{token}.events",
        host=host,
        gateway_port=gateway_port,
        base_port=_free_base_port(host, avoid=gateway_port),
        log_dir=log_dir,
        extra_env={
            **fast,
            "MUTABIK_NOTIFIER_SMTP_HOST": host,
            "MUTABIK_NOTIFIER_SMTP_PORT": str(smtp_port),
            "MUTABIK_NOTIFIER_SMTP_SENDER_ADDRESS": "mutabakat@demogida.com.tr",
            "MUTABIK_NOTIFIER_SEND_POLL_SECONDS": "0.2",
            "MUTABIK_RECONCILIATION_ROUND_CLOCK_SECONDS": "0.3",
        },
    )


async def _drop_databases(config: DistributedConfig) -> None:
    server = make_url(config.postgres_url)
    connection = await asyncpg.connect(
        host=server.host, port=server.port, user=server.username or "postgres", database="postgres"
    )
    try:
        for service in SERVICES:
            name = make_url(config.database_url(service)).database
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def _queues_with_prefix(prefix: str) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "list_queues", "name", "--quiet", "--no-table-headers",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await process.communicate()
    return [name for name in out.decode().split() if name.startswith(prefix)]


async def _connect_rabbitmq(url: str, within: float = 30.0) -> AbstractConnection:
    """Connects, waiting out a short broker outage (other tests stop and start RabbitMQ)."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await aio_pika.connect(url, timeout=5)
        except (OSError, AMQPConnectionError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def _delete_rabbitmq_names(config: DistributedConfig) -> None:
    connection = await _connect_rabbitmq(config.amqp_url)
    try:
        queues = await _queues_with_prefix(config.queue_prefix + ".")
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        await channel.exchange_delete(config.exchange)
    finally:
        await connection.close()


def _log_tails(log_dir: Path) -> str:
    parts = []
    for log in sorted(log_dir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        parts.append(f"----- {log.name} (last {len(lines)} lines) -----\n" + "\n".join(lines))
    return "\n".join(parts) or f"(no logs in {log_dir})"


# -- polling -------------------------------------------------------------------------------


async def _eventually(
    what: str, check: Callable[[], Awaitable[bool]], timeout: float = EVENT_DEADLINE
) -> None:
    """Calls ``check`` until it returns True; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.2)


def _compact(iban: str) -> str:
    return iban.replace(" ", "").upper()


# -- the test ------------------------------------------------------------------------------


async def test_distributed_mode_end_to_end(
    postgres_server: str, rabbitmq_url: str, tmp_path: Path, statement_flow, round_flow, mailbox
) -> None:
    token = uuid.uuid4().hex[:10]
    mail, smtp_port = mailbox
    config = _config(token, postgres_server, rabbitmq_url, tmp_path / "log", smtp_port)
    cluster = Cluster(config)
    try:
        await create_databases(config)
        cluster.start()
        try:
            await _exercise(cluster, config, statement_flow, round_flow, mail)
        except Exception as exc:
            raise AssertionError(
                f"{type(exc).__name__}: {exc}\n\nprocess logs:\n{_log_tails(config.log_dir)}"
            ) from exc
    finally:
        cluster.stop()
        try:
            await _drop_databases(config)
        finally:
            await _delete_rabbitmq_names(config)
    assert await _queues_with_prefix(config.queue_prefix + ".") == []


async def _exercise(
    cluster: Cluster, config: DistributedConfig, statement_flow, round_flow, mail
) -> None:
    # 1. Every process up, each service ready with its own database and the bus.
    readiness = await asyncio.to_thread(cluster.wait_ready, 90)
    assert set(cluster.processes) == {*SERVICES, "gateway"}
    dead = {name: p.returncode for name, p in cluster.processes.items() if p.poll() is not None}
    assert not dead, f"exited: {dead}"
    assert len({p.pid for p in cluster.processes.values()}) == len(SERVICES) + 1
    for service in SERVICES:
        answer = readiness[service]
        assert answer["service"] == service, answer
        assert (answer["database"], answer["bus"]) == ("ok", "ok"), answer

    async with httpx.AsyncClient(base_url=cluster.url, timeout=10) as client:
        # 2. The gateway's own pages, a service's docs, and a problem for a missing key.
        landing = await client.get("/")
        assert landing.status_code == 200, landing.text
        docs = await client.get("/bank-ingest/docs")
        assert docs.status_code == 200, docs.text
        anonymous = await client.get("/matcher/own-accounts")
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.headers["content-type"].startswith("application/problem+json")

        # 3. reconciliation -> RabbitMQ -> the other four: a new key works everywhere.
        async with reconciliation_uow(config.database_url("reconciliation")) as uow:
            tenant_id, issued = await new_tenant_with_key(uow, f"Smoke {config.queue_prefix}")
        auth = {"Authorization": f"Bearer {issued.api_key}"}

        for service in SERVICES:

            async def key_works(service: str = service) -> bool:
                answer = await client.get(f"/{service}/me", headers=auth)
                if answer.status_code == 200:
                    assert answer.json()["tenant_id"] == str(tenant_id)
                    return True
                assert answer.status_code == 401, (service, answer.status_code, answer.text)
                return False

            await _eventually(f"the new API key works on {service}", key_works)

        # 4. bank-ingest -> RabbitMQ -> matcher: a registered account becomes matcher's own.
        created = await client.post(
            "/bank-ingest/accounts",
            headers=auth,
            json={"iban": IBAN, "currency": "TRY", "name": "Garanti TL"},
        )
        assert created.status_code == 201, created.text
        account_id = created.json()["id"]

        async def matcher_knows_account() -> bool:
            answer = await client.get("/matcher/own-accounts", headers=auth)
            assert answer.status_code == 200, answer.text
            return any(
                a["account_id"] == account_id and _compact(a["iban"]) == _compact(IBAN)
                for a in answer.json()
            )

        await _eventually(
            "matcher lists the account registered at bank-ingest", matcher_knows_account
        )

        # 5. The statements side across four processes over RabbitMQ: counterparties
        # (reconciliation) → statement (bank-ingest) → proposals, choice, vouchers pulled and
        # acknowledged (matcher) → exported mark back in bank-ingest.
        async def call(method: str, path: str, *, expect: int = 200, **kwargs):
            answer = await client.request(method, path, headers=auth, **kwargs)
            assert answer.status_code == expect, (path, answer.text)
            return answer.json() if answer.content else None

        final = await statement_flow.run(call, within=EVENT_DEADLINE)
        assert final["matcher"] == {"exported": 2} and len(final["bank_ingest"]) == 2

        # 6. e-Mutabakat across two processes over RabbitMQ: a round at reconciliation, its
        # e-mails sent by the notifier to a real SMTP server, outcomes back, resend, expiry.
        async def pass_validity(round_id: str) -> None:
            await round_flow.pass_validity_in(config.database_url("reconciliation"), round_id)

        completed = await round_flow.run(call, mail, pass_validity, within=EVENT_DEADLINE)
        assert completed["state"] == "completed"
