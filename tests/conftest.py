"""Cross-service tests' shared pieces.

``statement_flow``: the statements side as its users drive it, for the embedded and the
distributed tests:
counterparties from reconciliation → statement uploaded to bank-ingest → proposals in matcher →
the operator chooses for the ambiguous line → the ERP pulls and acknowledges the vouchers →
bank-ingest shows the movements exported."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.tenants import new_tenant_with_key
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


async def statement_to_exported(call: Call, *, within: float = 10.0) -> dict[str, Any]:
    """Runs the flow; returns what every service shows at the end (see ``state``)."""
    await call(
        "PUT",
        "/reconciliation/counterparties",
        json=[
            {"code": "120.01.005", "kind": "customer", "ibans": [OZTURK_IBAN],
             "title": "ÖZTÜRK İNŞAAT TAAHHÜT SAN. VE TİC. LTD. ŞTİ."},
            {"code": "320.01.007", "kind": "supplier", "title": "YILMAZ GIDA SAN. VE TİC. A.Ş."},
            {"code": "320.01.008", "kind": "supplier", "title": "YILMAZ GIDA PAZARLAMA A.Ş."},
        ],
    )  # fmt: skip
    await call("PUT", "/matcher/bank-accounts", json=[{"iban": OUR_IBAN, "code": "102.01.001"}])

    async def matcher_knows_counterparties() -> bool:
        found = await call("GET", "/matcher/accounts/search", params={"q": "320.01.00"})
        return len(found) == 2  # one event brings all three

    # counterparties travel by event; a movement arriving before them would only be proposed
    await eventually(matcher_knows_counterparties, within=within, what="counterparties replicated")
    upload = await call(
        "POST", "/bank-ingest/statements", files={"file": ("garanti.sta", STATEMENT)}, expect=201
    )
    assert upload["movements_new"] == 2

    async def both_arrived() -> bool:
        page = await call("GET", "/matcher/movements")
        return len(page["items"]) == 2

    await eventually(both_arrived, within=within, what="movements reach the matcher")
    worklist = (await call("GET", "/matcher/movements"))["items"]
    incoming, outgoing = sorted(worklist, key=lambda m: m["amount"], reverse=True)
    assert incoming["state"] == "confirmed", (incoming["proposal_note"], incoming["candidates"])
    assert incoming["contra_code"] == "120.01.005"
    assert outgoing["state"] == "proposed"  # two YILMAZ GIDA firms: the operator decides
    assert {c["code"] for c in outgoing["candidates"][:2]} == {"320.01.007", "320.01.008"}

    await call(
        "POST", f"/matcher/movements/{outgoing['id']}/choose",
        json={"kind": "counterparty", "code": "320.01.007"},
    )  # fmt: skip
    ready = (await call("GET", "/matcher/vouchers"))["items"]
    assert len(ready) == 2
    for voucher in ready:
        assert sum(float(line["debit"]) for line in voucher["lines"]) == sum(
            float(line["credit"]) for line in voucher["lines"]
        )
    results = await call(
        "POST",
        "/matcher/vouchers/acknowledge",
        json=[{"id": v["id"], "erp_document_number": f"LOGO-{i}"} for i, v in enumerate(ready)],
    )
    assert all(r["ok"] for r in results["results"])

    async def exported_in_bank_ingest() -> bool:
        page = await call("GET", "/bank-ingest/movements", params={"processed": "true"})
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
) -> dict[str, Any]:
    """A balance round from the ERP's data to every letter settled: one letter sent to the
    counterparty and its flagged contact, one refused by the server (550) then resent, one that
    cannot go; then the validity date passes and the round completes."""
    await call("PUT", "/reconciliation/tenant/profile", json={
        "legal_name": "Demo Gıda San. ve Tic. A.Ş.", "tax_office": "Kozyatağı",
        "tax_id": "4540536920"})  # fmt: skip
    await call("PUT", "/reconciliation/counterparties", json=[
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
    await call("POST", "/reconciliation/imports/movements", params={"wait": "true"},
               json=movements)  # fmt: skip
    validity = (date.today() + timedelta(days=7)).isoformat()
    created = await call("POST", "/reconciliation/rounds", expect=201, json={
        "kind": "balance", "as_of": "2025-12-31", "validity_date": validity,
        "description": "31.12.2025 tarihli cari hesap mutabakatı", "send_to_contacts": True,
        "send": True})  # fmt: skip
    round_id = created["id"]
    assert [(x["code"], "no e-mail address" in x["reason"]) for x in created["excluded"]] == [
        ("120.01.007", True)
    ]

    async def letters() -> dict[str, dict]:
        page = await call("GET", f"/reconciliation/rounds/{round_id}/letters")
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
    [failed] = await call("GET", f"/reconciliation/letters/{acme['id']}/emails")
    assert failed["outcome"] == "failed"
    assert [(a["address"], a["code"]) for a in failed["attempts"]] == [(REFUSED, 550)]

    # Alt+M: the failed one again once the address works, and the sent one again: same link.
    mail.refuse.clear()
    resent = await call("POST", f"/reconciliation/rounds/{round_id}/resend", expect=202,
                        json={"which": "failed"})  # fmt: skip
    assert resent == {"queued": 1}
    await states({"120.01.006": "sent"})
    [english] = mail.to(REFUSED)
    assert "2,500.00 TRY" in _parts(english)[0]
    await call("POST", f"/reconciliation/letters/{ozturk['id']}/resend", expect=202)

    async def resent_arrived() -> bool:
        return len(mail.to("muhasebe@ozturkinsaat.com.tr")) == 2

    await eventually(resent_arrived, within=within, what="the resent e-mail arrives")
    again = mail.to("muhasebe@ozturkinsaat.com.tr")[1]
    assert _link(_parts(again)[0]) == link
    history = await call("GET", f"/reconciliation/letters/{acme['id']}/history")
    assert [(h["event"], h["state"]) for h in history] == [
        ("prepared", "prepared"), ("queued", "queued"), ("email_failed", "failed"),
        ("resend_queued", "queued"), ("email_sent", "sent"),
    ]  # fmt: skip

    async def second_settled() -> bool:
        emails = await call("GET", f"/reconciliation/letters/{ozturk['id']}/emails")
        return [e["outcome"] for e in emails] == ["sent", "sent"]

    await eventually(second_settled, within=within, what="the resend is reported")

    # The validity date passes: the unanswered letters expire and the round is completed.
    await pass_validity(round_id)
    await states({"120.01.005": "expired", "120.01.006": "expired"})

    async def completed() -> bool:
        return (await call("GET", f"/reconciliation/rounds/{round_id}"))["state"] == "completed"

    await eventually(completed, within=within, what="round completed")
    final = await call("GET", f"/reconciliation/rounds/{round_id}")
    assert final["counts"]["expired"] == 2 and final["counts"]["excluded"] == 1
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
