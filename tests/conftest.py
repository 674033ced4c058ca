"""Cross-service tests' shared pieces.

``statement_flow``: the statements side as its users drive it, for the embedded and the
distributed tests:
counterparties from reconciliation → statement uploaded to bank-ingest → proposals in matcher →
the operator chooses for the ambiguous line → the ERP pulls and acknowledges the vouchers →
bank-ingest shows the movements exported."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aio_pika
import asyncpg
import httpx
import pytest
import pytest_asyncio
import uvicorn
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import AMQPConnectionError
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from mutabik.distributed import Cluster, DistributedConfig, create_databases
from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.services import SERVICES, env_prefix
from mutabik.tenants import new_tenant_with_key, reconciliation_uow
from reconciliation.adapters.orm import Round
from shared.bus import SUBSCRIPTIONS, InProcessBus
from shared.events import Envelope
from shared.testing import eventually

Call = Callable[..., Awaitable[Any]]
"""``await call(method, path, expect=200, **httpx_kwargs)`` → the JSON answer."""

OUR_IBAN = "TR830006200000000012345678"
OZTURK_IBAN = "TR090004600000000012345678"  # not the smoke test's own account IBAN
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


async def statement_to_exported(
    call: Call, *, within: float = 10.0, erp: Call | None = None, operator: Call | None = None
) -> dict[str, Any]:
    """Runs the flow; returns what every service shows at the end (see ``state``). The ERP's
    steps (counterparties, vouchers) go through ``erp`` and the accountant's (statement,
    proposals, choice) through ``operator`` when given, else everything through ``call``."""
    erp, operator = erp or call, operator or call
    await erp(
        "PUT",
        "/reconciliation/counterparties",
        json=[
            {"code": "120.01.005", "kind": "customer", "ibans": [OZTURK_IBAN],
             "title": "ÖZTÜRK İNŞAAT TAAHHÜT SAN. VE TİC. LTD. ŞTİ."},
            {"code": "320.01.007", "kind": "supplier", "title": "YILMAZ GIDA SAN. VE TİC. A.Ş."},
            {"code": "320.01.008", "kind": "supplier", "title": "YILMAZ GIDA PAZARLAMA A.Ş."},
        ],
    )  # fmt: skip
    await erp("PUT", "/matcher/bank-accounts", json=[{"iban": OUR_IBAN, "code": "102.01.001"}])

    async def matcher_knows_counterparties() -> bool:
        found = await operator("GET", "/matcher/accounts/search", params={"q": "320.01.00"})
        return len(found) == 2  # one event brings all three

    # counterparties travel by event; a movement arriving before them would only be proposed
    await eventually(matcher_knows_counterparties, within=within, what="counterparties replicated")
    upload = await operator(
        "POST", "/bank-ingest/statements", files={"file": ("garanti.sta", STATEMENT)}, expect=201
    )
    assert upload["movements_new"] == 2

    async def both_arrived() -> bool:
        page = await operator("GET", "/matcher/movements")
        return len(page["items"]) == 2

    await eventually(both_arrived, within=within, what="movements reach the matcher")
    worklist = (await operator("GET", "/matcher/movements"))["items"]
    incoming, outgoing = sorted(worklist, key=lambda m: m["amount"], reverse=True)
    assert incoming["state"] == "confirmed", (incoming["proposal_note"], incoming["candidates"])
    assert incoming["contra_code"] == "120.01.005"
    assert outgoing["state"] == "proposed"  # two YILMAZ GIDA firms: the operator decides
    assert {c["code"] for c in outgoing["candidates"][:2]} == {"320.01.007", "320.01.008"}

    await operator(
        "POST", f"/matcher/movements/{outgoing['id']}/choose",
        json={"kind": "counterparty", "code": "320.01.007"},
    )  # fmt: skip
    ready = (await erp("GET", "/matcher/vouchers"))["items"]
    assert len(ready) == 2
    for voucher in ready:
        assert sum(float(line["debit"]) for line in voucher["lines"]) == sum(
            float(line["credit"]) for line in voucher["lines"]
        )
    results = await erp(
        "POST",
        "/matcher/vouchers/acknowledge",
        json=[{"id": v["id"], "erp_document_number": f"LOGO-{i}"} for i, v in enumerate(ready)],
    )
    assert all(r["ok"] for r in results["results"])

    async def exported_in_bank_ingest() -> bool:
        page = await operator("GET", "/bank-ingest/movements", params={"processed": "true"})
        return len(page["items"]) == 2

    await eventually(
        exported_in_bank_ingest, within=within, what="bank-ingest marks the movements exported"
    )

    return await state(call)


async def state(call: Call) -> dict[str, Any]:
    matcher = await call("GET", "/matcher/movements", params={"state": "exported"})
    vouchers = (await call("GET", "/matcher/vouchers", params={"state": "all"}))["items"]
    processed = await call("GET", "/bank-ingest/movements", params={"processed": "true"})
    counterparties = await call("GET", "/reconciliation/counterparties")
    return {
        "matcher": matcher["counts"],
        "vouchers": sorted((v["id"], v["state"], v["number"]) for v in vouchers),
        "bank_ingest": sorted(m["id"] for m in processed["items"]),
        "counterparties": len(counterparties["items"]),
    }


@dataclass
class Running:
    """The whole system in embedded mode, driven over HTTP with a tenant's admin key."""

    client: httpx.AsyncClient
    apps: dict[str, FastAPI]
    bus: InProcessBus
    events: list[Envelope]
    """Every event of the run, as an observer queue saw it."""
    headers: dict[str, str]

    async def call(self, method: str, path: str, *, expect: int = 200, **kwargs) -> Any:
        response = await self.client.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code == expect, (path, response.text)
        return response.json() if response.content else None

    def outcomes(self, outcome: str) -> dict[str, float]:
        """Per service, how many events its consumer finished with ``outcome``."""
        counts = {}
        for name, app in self.apps.items():
            metrics = app.state.runtime.metrics.events_consumed
            counts[name] = sum(
                sample.value
                for metric in metrics.collect()
                for sample in metric.samples
                if sample.name.endswith("_total") and sample.labels["outcome"] == outcome
            )
        return counts


@pytest_asyncio.fixture
async def running(tmp_path) -> AsyncIterator[Running]:
    """Embedded mode with an observer on the bus; settings come from the environment (a test
    sets them with monkeypatch before asking for this)."""
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


@pytest.fixture
def statement_flow() -> SimpleNamespace:
    return SimpleNamespace(run=statement_to_exported, state=state)


# -- e-Mutabakat: a round's letters out by e-mail -------------------------------------------------

REFUSED = "yok@acme-gmbh.de"
"""The test SMTP server answers 550 for this recipient while ``Mailbox.refuse`` holds it."""


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and refuses the addresses in ``refuse``."""

    refuse: set[str] = field(default_factory=lambda: {REFUSED})
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 Ok: queued"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.received if address in rcpt]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd): the mailbox and its port."""
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "both a text and an HTML part"
    return text.get_content(), html.get_content()


def _link(text: str) -> str:
    found = re.search(r"https?://\S+/portal/letters/([A-Za-z0-9_-]{43})", text)
    assert found, text
    return found.group(0)


async def round_to_completed(
    call: Call,
    mail: Mailbox,
    pass_validity: Callable[[str], Awaitable[None]],
    *,
    within: float = 15.0,
    erp: Call | None = None,
    operator: Call | None = None,
    answer: Callable[[str], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """A balance round from the ERP's data to every letter settled: one letter sent to the
    counterparty and its flagged contact, one refused by the server (550) then resent, one that
    cannot go; then the validity date passes and the round completes. The ERP's data goes
    through ``erp`` and the round's work through ``operator`` when given. With ``answer``, the
    first counterparty agrees at its letter's link (``await answer(link)``) before the validity
    date passes; the other letter expires."""
    erp, operator = erp or call, operator or call
    await call("PUT", "/reconciliation/tenant/profile", json={
        "legal_name": "Demo Gıda San. ve Tic. A.Ş.", "tax_office": "Kozyatağı",
        "tax_id": "4540536920"})  # fmt: skip
    await erp("PUT", "/reconciliation/counterparties", json=[
        {"code": "120.01.005", "title": "Öztürk İnşaat San. ve Tic. Ltd. Şti.",
         "email": "muhasebe@ozturkinsaat.com.tr",
         "contacts": [{"name": "Mehmet Öztürk", "email": "mehmet@ozturkinsaat.com.tr",
                       "reconciliation_contact": True}]},
        {"code": "120.01.006", "title": "Acme GmbH", "email": REFUSED, "language": "en"},
        {"code": "120.01.007", "title": "Adressiz Ticaret A.Ş."},
    ])  # fmt: skip
    movements = [
        {"code": code, "document_date": "2025-11-20", "amount": amount, "currency": "TRY",
         "system_document_no": key, "movement_type": 14, "control_key": key}
        for code, amount, key in [("120.01.005", "1234.56", "K1"), ("120.01.006", "-2500", "K2"),
                                  ("120.01.007", "100", "K3")]
    ]  # fmt: skip
    await erp("POST", "/reconciliation/imports/movements", params={"wait": "true"},
              json=movements)  # fmt: skip
    validity = (date.today() + timedelta(days=7)).isoformat()
    created = await operator("POST", "/reconciliation/rounds", expect=201, json={
        "kind": "balance", "as_of": "2025-12-31", "validity_date": validity,
        "description": "31.12.2025 tarihli cari hesap mutabakatı", "send_to_contacts": True,
        "send": True})  # fmt: skip
    round_id = created["id"]
    assert [(x["code"], "no e-mail address" in x["reason"]) for x in created["excluded"]] == [
        ("120.01.007", True)
    ]

    async def letters() -> dict[str, dict]:
        page = await operator("GET", f"/reconciliation/rounds/{round_id}/letters")
        return {letter["code"]: letter for letter in page["items"]}

    async def states(expected: dict[str, str]) -> None:
        async def reached() -> bool:
            found = {code: x["state"] for code, x in (await letters()).items()}
            return {code: found.get(code) for code in expected} == expected

        await eventually(reached, within=within, what=f"letters {expected}")

    await states({"120.01.005": "sent", "120.01.006": "failed"})
    [(rcpt, message)] = mail.received
    assert sorted(rcpt) == ["mehmet@ozturkinsaat.com.tr", "muhasebe@ozturkinsaat.com.tr"]
    assert message["Subject"] == "31.12.2025 tarihli cari hesap mutabakatı"
    text, html = _parts(message)
    link = _link(text)
    assert link in html and "1.234,56 TL" in text and "Demo Gıda" in text
    by_code = await letters()
    ozturk, acme = by_code["120.01.005"], by_code["120.01.006"]
    assert "550" in acme["reason"] and "User unknown" in acme["reason"]
    [failed] = await operator("GET", f"/reconciliation/letters/{acme['id']}/emails")
    assert failed["outcome"] == "failed"
    assert [(a["address"], a["code"]) for a in failed["attempts"]] == [(REFUSED, 550)]

    # Alt+M: the failed one again once the address works, and the sent one again: same link.
    mail.refuse.clear()
    resent = await operator("POST", f"/reconciliation/rounds/{round_id}/resend", expect=202,
                        json={"which": "failed"})  # fmt: skip
    assert resent == {"queued": 1}
    await states({"120.01.006": "sent"})
    [english] = mail.to(REFUSED)
    assert "2,500.00 TRY" in _parts(english)[0]
    await operator("POST", f"/reconciliation/letters/{ozturk['id']}/resend", expect=202)

    async def resent_arrived() -> bool:
        return len(mail.to("muhasebe@ozturkinsaat.com.tr")) == 2

    await eventually(resent_arrived, within=within, what="the resent e-mail arrives")
    again = mail.to("muhasebe@ozturkinsaat.com.tr")[1]
    assert _link(_parts(again)[0]) == link
    history = await operator("GET", f"/reconciliation/letters/{acme['id']}/history")
    assert [(h["event"], h["state"]) for h in history] == [
        ("prepared", "prepared"), ("queued", "queued"), ("email_failed", "failed"),
        ("resend_queued", "queued"), ("email_sent", "sent"),
    ]  # fmt: skip

    async def second_settled() -> bool:
        emails = await operator("GET", f"/reconciliation/letters/{ozturk['id']}/emails")
        return [e["outcome"] for e in emails] == ["sent", "sent"]

    await eventually(second_settled, within=within, what="the resend is reported")

    # The counterparty answers at its link; then the validity date passes: the unanswered
    # letters expire and the round is completed.
    answered = 0
    if answer is not None:
        await answer(link)
        await states({"120.01.005": "agreed"})
        answered = 1
    await pass_validity(round_id)
    await states({"120.01.005": "agreed" if answered else "expired", "120.01.006": "expired"})

    async def completed() -> bool:
        return (await operator("GET", f"/reconciliation/rounds/{round_id}"))["state"] == "completed"

    await eventually(completed, within=within, what="round completed")
    final = await operator("GET", f"/reconciliation/rounds/{round_id}")
    assert final["counts"]["expired"] == 2 - answered and final["counts"]["excluded"] == 1
    assert final["counts"].get("agreed", 0) == answered
    assert final["letter_count"] == 2
    return final


async def pass_validity_in(database_url: str, round_id: str) -> None:
    """Make a round's validity date yesterday: the running clock expires it on its next pass."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(Round)
                .where(Round.id == uuid.UUID(round_id))
                .values(validity_date=date.today() - timedelta(days=2))
            )
    finally:
        await engine.dispose()


@pytest.fixture
def round_flow() -> SimpleNamespace:
    return SimpleNamespace(run=round_to_completed, pass_validity_in=pass_validity_in)


@dataclass
class Live:
    """The whole system in embedded mode on a real port (a browser needs one)."""

    url: str
    apps: dict[str, FastAPI]
    headers: dict[str, str]
    client: httpx.AsyncClient

    async def call(self, method: str, path: str, *, expect: int = 200, **kwargs) -> Any:
        response = await self.client.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code == expect, (path, response.text)
        return response.json() if response.content else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest_asyncio.fixture
async def live(tmp_path, monkeypatch, mailbox) -> AsyncIterator[Live]:
    """Embedded mode served by uvicorn on 127.0.0.1; letters e-mailed to the ``mailbox`` server
    with links to this server's portal."""
    _, smtp_port = mailbox
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    for name, value in {
        "MUTABIK_NOTIFIER_SMTP_HOST": "127.0.0.1",
        "MUTABIK_NOTIFIER_SMTP_PORT": str(smtp_port),
        "MUTABIK_NOTIFIER_SMTP_SENDER_ADDRESS": "mutabakat@demogida.com.tr",
        "MUTABIK_NOTIFIER_SEND_POLL_SECONDS": "0.2",
        "MUTABIK_NOTIFIER_PORTAL_LINK_BASE": f"{url}/portal/letters/",
    }.items():
        monkeypatch.setenv(name, value)
    root, apps = embedded_system(tmp_path, retry_delays=(0.05, 0.1))
    server = uvicorn.Server(uvicorn.Config(root, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, what="the server listens")
        async with apps["reconciliation"].state.runtime.new_uow() as uow:
            _, issued = await new_tenant_with_key(uow, f"Live {uuid.uuid4().hex[:6]}")
        await wait_until_key_works(apps, issued.api_key)
        headers = {"Authorization": f"Bearer {issued.api_key}"}
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield Live(url, apps, headers, client)
    finally:
        server.should_exit = True
        await serving


# -- distributed mode: five service processes and the gateway on PostgreSQL and RabbitMQ ---------

EVENT_DEADLINE = 20.0
"""Seconds an event may take to travel outbox -> RabbitMQ -> another service."""
LOG_TAIL_LINES = 40


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def _free_base_port(host: str, avoid: int) -> int:
    """A base whose +1 .. +len(SERVICES) are free (the service ports)."""
    for _ in range(200):
        base = random.randint(10000, 30000)  # below the ephemeral ports (32768+)
        ports = range(base + 1, base + len(SERVICES) + 1)
        if avoid not in ports and all(_port_is_free(host, port) for port in ports):
            return base
    raise RuntimeError("no free block of service ports in 10000-30000")


def cluster_config(
    token: str, postgres_url: str, amqp_url: str, log_dir: Path, smtp_port: int,
    extra_env: dict[str, str] | None = None,
) -> DistributedConfig:  # fmt: skip
    """Names (databases, queues, exchange, ports) unique to ``token``, fast polling, the
    notifier sending to the loopback SMTP server on ``smtp_port``."""
    host = "127.0.0.1"
    gateway_port = free_port()
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
            "MUTABIK_NOTIFIER_PORTAL_LINK_BASE": f"http://{host}:{gateway_port}/portal/letters/",
            "MUTABIK_RECONCILIATION_ROUND_CLOCK_SECONDS": "0.3",
            **(extra_env or {}),
        },
    )


async def drop_cluster_databases(config: DistributedConfig) -> None:
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


async def queues_with_prefix(prefix: str) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "list_queues", "name", "--quiet", "--no-table-headers",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await process.communicate()
    return [name for name in out.decode().split() if name.startswith(prefix)]


async def connect_rabbitmq(url: str, within: float = 30.0) -> AbstractConnection:
    """Connects, waiting out a short broker outage (other tests stop and start RabbitMQ)."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await aio_pika.connect(url, timeout=5)
        except (OSError, AMQPConnectionError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def delete_cluster_bus_names(config: DistributedConfig) -> None:
    connection = await connect_rabbitmq(config.amqp_url)
    try:
        queues = await queues_with_prefix(config.queue_prefix + ".")
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        await channel.exchange_delete(config.exchange)
    finally:
        await connection.close()


def log_tails(log_dir: Path, lines: int = LOG_TAIL_LINES) -> str:
    parts = []
    for log in sorted(log_dir.glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"----- {log.name} (last {len(tail)} lines) -----\n" + "\n".join(tail))
    return "\n".join(parts) or f"(no logs in {log_dir})"


@dataclass
class DistributedRun:
    """A started cluster, a client on its gateway, and a tenant's admin key."""

    cluster: Cluster
    config: DistributedConfig
    client: httpx.AsyncClient
    mail: Mailbox
    tenant_id: uuid.UUID
    headers: dict[str, str]
    readiness: dict[str, dict]

    @property
    def url(self) -> str:
        return self.cluster.url

    async def call(self, method: str, path: str, *, expect: int = 200, **kwargs) -> Any:
        answer = await self.client.request(method, path, headers=self.headers, **kwargs)
        assert answer.status_code == expect, (path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    def logs(self) -> str:
        """Everything every process has written so far."""
        return "\n".join(
            log.read_text(errors="replace") for log in sorted(self.config.log_dir.glob("*.log"))
        )


@pytest.fixture
def distributed(postgres_server: str, rabbitmq_url: str, tmp_path: Path, mailbox):
    """``async with distributed(extra_env={...}) as run:`` starts the five services and the
    gateway as processes, each service on its own new PostgreSQL database, all on RabbitMQ with
    names unique to the run; waits until every service is ready and a new tenant's admin key
    works on all of them. Everything is stopped and removed afterwards; a failure inside the
    block is reported with the tail of every process's log."""
    mail, smtp_port = mailbox

    @contextlib.asynccontextmanager
    async def start(extra_env: dict[str, str] | None = None) -> AsyncIterator[DistributedRun]:
        token = uuid.uuid4().hex[:10]
        config = cluster_config(
            token, postgres_server, rabbitmq_url, tmp_path / f"log-{token}", smtp_port, extra_env
        )
        cluster = Cluster(config)
        try:
            await create_databases(config)
            cluster.start()
            try:
                readiness = await asyncio.to_thread(cluster.wait_ready, 90)
                async with reconciliation_uow(config.database_url("reconciliation")) as uow:
                    tenant_id, issued = await new_tenant_with_key(uow, f"Run {token}")
                headers = {"Authorization": f"Bearer {issued.api_key}"}
                async with httpx.AsyncClient(base_url=cluster.url, timeout=30) as client:
                    run = DistributedRun(
                        cluster, config, client, mail, tenant_id, headers, readiness
                    )
                    for service in SERVICES:

                        async def key_works(service: str = service) -> bool:
                            answer = await client.get(f"/{service}/me", headers=headers)
                            return answer.status_code == 200

                        await eventually(
                            key_works, within=EVENT_DEADLINE, every=0.2,
                            what=f"the new API key works on {service}",
                        )  # fmt: skip
                    yield run
            except Exception as exc:
                raise AssertionError(
                    f"{type(exc).__name__}: {exc}\n\nprocess logs:\n{log_tails(config.log_dir)}"
                ) from exc
        finally:
            cluster.stop()
            try:
                await drop_cluster_databases(config)
            finally:
                await delete_cluster_bus_names(config)
        assert await queues_with_prefix(config.queue_prefix + ".") == []

    return start
