"""Webhooks: ready vouchers POSTed to a real HTTP server on loopback, signed, retried with backoff
after failures, every attempt logged; registration, deletion and tenant isolation."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from matcher.adapters.orm import ErpBankAccount, Movement
from matcher.adapters.repository import MatcherUnitOfWork
from matcher.adapters.voucher_tables import Webhook, WebhookDelivery
from matcher.vouchers import issue_vouchers
from shared.secrets import SecretBox
from shared.testing import eventually

IBAN = "TR330006100519786457841326"
BACKOFF = 0.3


@pytest.fixture(autouse=True)
def quick_webhooks(monkeypatch):
    for name, value in {
        "RELAY_POLL_SECONDS": "0.05",
        "WEBHOOK_POLL_SECONDS": "0.05",
        "WEBHOOK_BACKOFF_SECONDS": str(BACKOFF),
        "WEBHOOK_MAX_ATTEMPTS": "3",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
    }.items():
        monkeypatch.setenv(f"MUTABIK_MATCHER_{name}", value)


# -- a receiver on loopback -------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    replies: list[tuple[int, dict | None]] = field(default_factory=list)
    """Answers in order; when used up, 200 with no body."""
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                Received(self.path, dict(self.headers.items()), body, time.monotonic())
            )
            status, answer = state.replies.pop(0) if state.replies else (200, None)
            payload = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            if answer is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/erp/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# -- helpers ----------------------------------------------------------------------------------


async def ready_voucher(service, *, tenant: uuid.UUID | None = None) -> uuid.UUID:
    tenant = tenant or service.tenant
    now = datetime.now(UTC)
    movement_id = uuid.uuid4()
    async with service.sessions() as session, session.begin():
        session.add(
            ErpBankAccount(
                tenant_id=tenant,
                iban=f"{IBAN[:-6]}{uuid.uuid4().int % 10**6:06d}",
                code="102.01.001",
                name="Garanti TL",
                updated_at=now,
            )  # fmt: skip
        )
        session.add(
            Movement(
                id=movement_id,
                tenant_id=tenant,
                account_id=uuid.uuid4(),
                statement_id=uuid.uuid4(),
                account_iban="",
                account_ledger_code="102.01.001",
                booking_date=date(2024, 3, 5),
                value_date=date(2024, 3, 5),
                amount=Decimal("1500.00"),
                currency="TRY",
                description="EFT ACME",
                state="confirmed",
                candidates=[],
                contra_kind="counterparty",
                contra_code="120.01.007",
                contra_name="ACME",
                document_type="incoming_transfer",
                recorded_at=now,
                updated_at=now,
            )  # fmt: skip
        )
    async with MatcherUnitOfWork(service.sessions) as uow:
        [voucher] = await issue_vouchers(
            uow, [await uow.session.get(Movement, movement_id)], actor="op"
        )
        await uow.commit()
    return voucher.id


async def register(service, receiver: Receiver) -> dict:
    return await service.send("POST", "/webhooks", {"url": receiver.url}, expect=201)


def verify(secret: str, received: Received) -> None:
    timestamp = received.headers["X-Mutabik-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    assert received.headers["X-Mutabik-Signature"] == f"sha256={expected}"


async def deliveries(service, webhook_id: str) -> list[dict]:
    return (await service.get(f"/webhooks/{webhook_id}/deliveries"))["items"]


# -- tests ------------------------------------------------------------------------------------


async def test_delivery_is_signed_retried_after_500_and_logged(service, receiver):
    webhook = await register(service, receiver)
    secret = webhook["secret"]
    assert secret and webhook["active"] and webhook["url"] == receiver.url
    listed = await service.get("/webhooks")
    assert [w["id"] for w in listed] == [webhook["id"]] and "secret" not in listed[0]

    receiver.replies = [(500, {"error": "busy"}), (200, {"erp_document_number": "ERP-77"})]
    voucher_id = await ready_voucher(service)
    await eventually(lambda: len(receiver.received) >= 2, what="the retry after 500")

    first, second = receiver.received
    for received in (first, second):
        verify(secret, received)
        assert received.headers["X-Mutabik-Event"] == "voucher.ready"
        assert received.json["voucher"]["id"] == str(voucher_id)
    assert first.json["attempt"] == 1 and second.json["attempt"] == 2
    assert second.at - first.at >= BACKOFF * 0.9
    assert first.json["delivery_id"] == second.json["delivery_id"]
    body = second.json["voucher"]
    assert body["state"] == "ready" and body["series"] == "BNK" and len(body["lines"]) == 2

    async def logged() -> bool:
        rows = await deliveries(service, webhook["id"])
        return bool(rows) and rows[0]["status"] == "delivered"

    await eventually(logged, what="the delivery logged")
    [delivery] = await deliveries(service, webhook["id"])
    assert delivery["attempts"] == 2 and delivery["voucher_id"] == str(voucher_id)
    assert [entry["http_status"] for entry in delivery["log"]] == [500, 200]
    assert "HTTP 500" in delivery["log"][0]["error"] and delivery["log"][1]["error"] is None
    assert delivery["last_http_status"] == 200 and delivery["delivered_at"]

    # the answer carried the ERP's document number: acknowledged, the movement exported
    voucher = await service.get(f"/vouchers/{voucher_id}", auth=service.erp)
    assert voucher["state"] == "acknowledged" and voucher["erp_document_number"] == "ERP-77"
    await eventually(
        lambda: (
            [e.payload["state"] for e in service.of_type("matcher.movements.processed")]
            == ["exported"]
        ),
        what="exported event",
    )


async def test_gives_up_after_max_attempts_with_growing_backoff(service, receiver):
    webhook = await register(service, receiver)
    receiver.replies = [(500, None)] * 10
    await ready_voucher(service)

    async def failed() -> bool:
        rows = await deliveries(service, webhook["id"])
        return bool(rows) and rows[0]["status"] == "failed"

    await eventually(failed, what="the delivery given up", within=15)
    [delivery] = await deliveries(service, webhook["id"])
    assert delivery["attempts"] == 3 and delivery["next_attempt_at"] is None
    assert len(receiver.received) == 3
    gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert gaps[0] >= BACKOFF * 0.9 and gaps[1] >= 2 * BACKOFF * 0.9


async def test_a_cancelled_voucher_is_announced_to_the_webhook(service, receiver):
    webhook = await register(service, receiver)
    voucher_id = await ready_voucher(service)
    await eventually(lambda: len(receiver.received) == 1, what="voucher delivered")

    async def recorded() -> bool:
        return await _status(service, voucher_id) == ["delivered"]

    await eventually(recorded, what="delivery recorded")
    await service.send("POST", f"/vouchers/{voucher_id}/cancel")
    await eventually(lambda: len(receiver.received) == 2, what="cancellation delivered")
    cancelled = receiver.received[1]
    verify(webhook["secret"], cancelled)
    assert cancelled.headers["X-Mutabik-Event"] == "voucher.cancelled"
    assert cancelled.json["voucher"]["state"] == "cancelled"


async def _status(service, voucher_id: uuid.UUID) -> list[str]:
    async with service.sessions() as session:
        rows = await session.scalars(
            select(WebhookDelivery.status).where(WebhookDelivery.voucher_id == voucher_id)
        )
        return list(rows)


async def test_registration_replay_hides_the_secret_and_deletion_stops_delivery(service, receiver):
    headers = {**service.operator, "Idempotency-Key": "hook-1"}
    first = await service.client.post("/webhooks", json={"url": receiver.url}, headers=headers)
    replay = await service.client.post("/webhooks", json={"url": receiver.url}, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert first.json()["secret"] and replay.json()["secret"] is None
    assert replay.json()["id"] == first.json()["id"]
    async with service.sessions() as session:  # stored encrypted
        stored = await session.get(Webhook, uuid.UUID(first.json()["id"]))
    assert first.json()["secret"] not in stored.secret_sealed

    await service.send("POST", "/webhooks", {"url": "ftp://example.com/x"}, expect=422)
    await service.send("POST", "/webhooks", {"url": receiver.url}, auth=service.erp, expect=403)

    webhook_id = first.json()["id"]
    await service.send("DELETE", f"/webhooks/{webhook_id}", expect=204)
    await service.send("GET", f"/webhooks/{webhook_id}", expect=404)
    assert await service.get("/webhooks") == []
    await ready_voucher(service)
    await asyncio.sleep(0.5)
    assert receiver.received == []


async def test_webhooks_and_deliveries_stay_in_their_tenant(service, receiver):
    other = uuid.uuid4()
    box = SecretBox("change-me-in-production")
    theirs = Webhook(
        id=uuid.uuid4(), tenant_id=other, url=receiver.url + "/theirs", description="",
        secret_sealed=box.seal("s"), active=True, created_by="x", created_at=datetime.now(UTC),
    )  # fmt: skip
    async with service.sessions() as session, session.begin():
        session.add(theirs)
    assert await service.get("/webhooks") == []
    await service.send("GET", f"/webhooks/{theirs.id}", expect=404)
    await service.send("GET", f"/webhooks/{theirs.id}/deliveries", expect=404)
    await service.send("DELETE", f"/webhooks/{theirs.id}", expect=404)

    mine = await register(service, receiver)
    their_voucher = await ready_voucher(service, tenant=other)
    my_voucher = await ready_voucher(service)
    await eventually(lambda: len(receiver.received) == 2, what="both delivered")
    by_voucher = {r.json["voucher"]["id"]: r for r in receiver.received}
    assert by_voucher[str(my_voucher)].path == "/erp/hook"
    assert by_voucher[str(their_voucher)].path == "/erp/hook/theirs"
    verify(mine["secret"], by_voucher[str(my_voucher)])
    verify("s", by_voucher[str(their_voucher)])
    rows = await deliveries(service, mine["id"])
    assert [r["voucher_id"] for r in rows] == [str(my_voucher)]
