"""Webhooks: every ready voucher is POSTed to each active webhook of its tenant, signed.

- Body: ``{"event": "voucher.ready" | "voucher.cancelled", "delivery_id", "attempt",
  "voucher": {...}}`` (the voucher as ``GET /vouchers/{id}`` shows it).
- ``X-Mutabik-Timestamp``: Unix seconds; ``X-Mutabik-Signature``: ``sha256=`` + hex HMAC-SHA256
  of ``timestamp + "." + body`` under the webhook's secret. The receiver recomputes it over the raw
  body and refuses old timestamps (replays).
- Delivery is at least once: a 2xx answer ends it; anything else (or no answer) is retried after
  ``webhook_backoff_seconds * 2**(attempt-1)`` (capped) up to ``webhook_max_attempts``; every
  attempt is logged in ``webhook_deliveries``. The ERP deduplicates by the voucher's id.
- A 2xx answer may carry ``{"erp_document_number": "..."}``: that acknowledges the voucher as
  ``POST /vouchers/{id}/acknowledge`` would. Otherwise the ERP acknowledges over REST.
- A voucher cancelled after a webhook may have received it is announced with
  ``voucher.cancelled`` to that webhook.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from shared.errors import MutabikError, NotFound
from shared.runtime import Runtime
from shared.secrets import SecretBox
from shared.uow import UnitOfWork

from .adapters.voucher_repository import Webhooks
from .adapters.voucher_tables import Voucher, Webhook, WebhookDelivery
from .vouchers import VoucherOut, acknowledge

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Mutabik-Signature"
TIMESTAMP_HEADER = "X-Mutabik-Timestamp"
EVENT_HEADER = "X-Mutabik-Event"
DELIVERY_HEADER = "X-Mutabik-Delivery"
LOG_KEEP = 50
"""Attempts kept in a delivery's log (the counters keep the total)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


# -- registering ------------------------------------------------------------------------------


async def register(
    uow: UnitOfWork,
    tenant_id: uuid.UUID,
    *,
    url: str,
    description: str,
    actor: str,
    box: SecretBox,
) -> tuple[Webhook, str]:
    """A new active webhook and its signing secret (returned once, stored encrypted)."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        url=url,
        description=description,
        secret_sealed=box.seal(secret),
        active=True,
        created_by=actor,
        created_at=dt.datetime.now(dt.UTC),
    )
    uow.session.add(webhook)
    await uow.session.flush()
    return webhook, secret


async def get_webhook(uow: UnitOfWork, tenant_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook:
    webhook = await Webhooks(uow.session).get(tenant_id, webhook_id)
    if webhook is None or webhook.deleted_at is not None:
        raise NotFound(f"No webhook {webhook_id}.")
    return webhook


async def delete(uow: UnitOfWork, tenant_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    """Stop delivering to the webhook; its delivery log stays."""
    now = dt.datetime.now(dt.UTC)
    done = await uow.session.execute(
        update(Webhook)
        .where(
            Webhook.tenant_id == tenant_id, Webhook.id == webhook_id, Webhook.deleted_at.is_(None)
        )
        .values(active=False, deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"No webhook {webhook_id}.")
    await uow.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == "pending")
        .values(status="skipped", next_attempt_at=None, last_error="webhook deleted")
        .execution_options(synchronize_session=False)
    )


# -- the worker -------------------------------------------------------------------------------


def _setting(runtime: Runtime, name: str, default: Any) -> Any:
    return getattr(runtime.settings, name, default)


async def webhook_worker(runtime: Runtime) -> None:
    """Background job: queue ready vouchers for the active webhooks, deliver what is due."""
    box = SecretBox(runtime.settings.secret_key)
    async with httpx.AsyncClient(follow_redirects=False) as client:
        while True:
            busy = False
            try:
                await enqueue(runtime)
                busy = await deliver_due(runtime, client, box)
            except asyncio.CancelledError:
                raise
            except OperationalError as exc:  # SQLite busy, PostgreSQL restarting: next round
                log.warning("webhook round postponed", error=str(exc)[:200])
            except Exception:  # noqa: BLE001 - never let the worker die
                log.exception("webhook round failed")
            if not busy:
                await asyncio.sleep(_setting(runtime, "webhook_poll_seconds", 1.0))


async def enqueue(runtime: Runtime) -> int:
    """A pending delivery for every (ready voucher, active webhook of its tenant) not yet queued."""
    async with runtime.new_uow() as uow:
        session = uow.session
        if not await session.scalar(select(exists().where(Webhook.active.is_(True)))):
            return 0
        queued = exists().where(
            WebhookDelivery.voucher_id == Voucher.id,
            WebhookDelivery.webhook_id == Webhook.id,
            WebhookDelivery.event == "voucher.ready",
        )
        rows = (
            await session.execute(
                select(Voucher.id, Voucher.tenant_id, Webhook.id)
                .join(Webhook, and_(Webhook.tenant_id == Voucher.tenant_id, Webhook.active))
                .where(Voucher.state == "ready", ~queued)
                .order_by(Voucher.seq)
                .limit(500)
            )
        ).all()
        if not rows:
            return 0
        now = dt.datetime.now(dt.UTC)
        for voucher_id, tenant_id, webhook_id in rows:
            session.add(
                WebhookDelivery(
                    id=uuid.uuid4(),
                    tenant_id=tenant_id,
                    webhook_id=webhook_id,
                    voucher_id=voucher_id,
                    event="voucher.ready",
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    log=[],
                    created_at=now,
                )
            )
        try:
            await uow.commit()
        except IntegrityError:  # another worker queued them first
            await uow.rollback()
            return 0
    return len(rows)


async def deliver_due(runtime: Runtime, client: httpx.AsyncClient, box: SecretBox) -> bool:
    """Claim the due deliveries (a lease, so a crashed worker's claim expires) and send them."""
    now = dt.datetime.now(dt.UTC)
    lease = now + dt.timedelta(seconds=_setting(runtime, "webhook_timeout_seconds", 10.0) + 30)
    due = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(_setting(runtime, "webhook_batch_size", 20))
    )
    async with runtime.sessions() as session:  # a read first: an idle round writes nothing
        if await session.scalar(due.limit(1)) is None:
            return False
    async with runtime.new_uow() as uow:
        claimed = list(
            await uow.session.scalars(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id.in_(due.scalar_subquery()),
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=lease)
                .returning(WebhookDelivery.id)
                .execution_options(synchronize_session=False)
            )
        )
        await uow.commit()
    if not claimed:
        return False
    await asyncio.gather(*(_deliver(runtime, client, box, d) for d in claimed))
    return True


@dataclass
class _Request:
    url: str
    secret: str
    body: bytes
    event: str
    tenant_id: uuid.UUID
    voucher_id: uuid.UUID
    webhook_id: uuid.UUID


@dataclass
class _Outcome:
    http_status: int | None
    error: str | None
    answer: dict[str, Any] | None
    duration_ms: int


async def _deliver(
    runtime: Runtime, client: httpx.AsyncClient, box: SecretBox, delivery_id: uuid.UUID
) -> None:
    try:
        request = await _prepare(runtime, box, delivery_id)
        if request is None:
            return
        if isinstance(request, str):
            outcome = _Outcome(None, request, None, 0)
        else:
            outcome = await _post(runtime, client, request, delivery_id)
        await _record(runtime, delivery_id, outcome)
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - one delivery must not stop the others; its lease expires
        log.exception("webhook delivery failed unexpectedly", delivery_id=str(delivery_id))


async def _prepare(runtime: Runtime, box: SecretBox, delivery_id: uuid.UUID):
    """The request to send; None when there is nothing to send any more (skipped); a string when
    it cannot be built (an unreadable secret: an attempt that failed)."""
    async with runtime.new_uow() as uow:
        session = uow.session
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return None
        webhook = await session.get(Webhook, delivery.webhook_id)
        voucher = await session.get(Voucher, delivery.voucher_id)
        reason = None
        if webhook is None or not webhook.active:
            reason = "webhook deleted"
        elif voucher is None:
            reason = "voucher gone"
        elif delivery.event == "voucher.ready" and voucher.state != "ready":
            reason = f"voucher is {voucher.state}"
        if reason is not None:
            delivery.status, delivery.next_attempt_at, delivery.last_error = "skipped", None, reason
            await uow.commit()
            return None
        assert webhook is not None and voucher is not None
        try:
            secret = box.open(webhook.secret_sealed)
        except MutabikError as exc:
            return exc.detail
        body = json.dumps(
            {
                "event": delivery.event,
                "delivery_id": str(delivery.id),
                "attempt": delivery.attempts + 1,
                "voucher": VoucherOut.model_validate(voucher).model_dump(mode="json"),
            },
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        return _Request(
            webhook.url, secret, body, delivery.event, voucher.tenant_id, voucher.id, webhook.id
        )


async def _post(
    runtime: Runtime, client: httpx.AsyncClient, request: _Request, delivery_id: uuid.UUID
) -> _Outcome:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Mutabik-Webhooks/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(request.secret, timestamp, request.body),
        EVENT_HEADER: request.event,
        DELIVERY_HEADER: str(delivery_id),
    }
    started = time.monotonic()
    try:
        response = await client.post(
            request.url,
            content=request.body,
            headers=headers,
            timeout=_setting(runtime, "webhook_timeout_seconds", 10.0),
        )
    except httpx.HTTPError as exc:
        took = int((time.monotonic() - started) * 1000)
        return _Outcome(None, f"{type(exc).__name__}: {exc}"[:500], None, took)
    took = int((time.monotonic() - started) * 1000)
    if not 200 <= response.status_code < 300:
        return _Outcome(
            response.status_code, f"HTTP {response.status_code}: {response.text[:300]}", None, took
        )
    answer = None
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            parsed = response.json()
            answer = parsed if isinstance(parsed, dict) else None
        except ValueError:
            answer = None
    return _Outcome(response.status_code, None, answer, took)


async def _record(runtime: Runtime, delivery_id: uuid.UUID, outcome: _Outcome) -> None:
    async with runtime.new_uow() as uow:
        session = uow.session
        attempts = await session.scalar(  # the write first (SQLite), and the attempt counted
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(attempts=WebhookDelivery.attempts + 1)
            .returning(WebhookDelivery.attempts)
            .execution_options(synchronize_session=False)
        )
        delivery = await session.get(WebhookDelivery, delivery_id, populate_existing=True)
        if attempts is None or delivery is None:
            return
        now = dt.datetime.now(dt.UTC)
        entry = {
            "attempt": attempts,
            "at": now.isoformat(),
            "http_status": outcome.http_status,
            "error": outcome.error,
            "duration_ms": outcome.duration_ms,
        }
        delivery.log = [*(delivery.log or []), entry][-LOG_KEEP:]
        delivery.last_http_status, delivery.last_error = outcome.http_status, outcome.error
        if outcome.error is None:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                "delivered",
                now,
                None,
            )
            await _after_delivered(uow, delivery, outcome)
        elif delivery.status != "pending":
            pass  # skipped meanwhile (voucher cancelled, webhook deleted): no retry
        elif attempts >= _setting(runtime, "webhook_max_attempts", 10):
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            base = _setting(runtime, "webhook_backoff_seconds", 10.0)
            cap = _setting(runtime, "webhook_backoff_max_seconds", 3600.0)
            delay = min(base * 2 ** (attempts - 1), cap)
            delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
        await uow.commit()


async def _after_delivered(uow: UnitOfWork, delivery: WebhookDelivery, outcome: _Outcome) -> None:
    if delivery.event != "voucher.ready":
        return
    voucher = await uow.session.get(Voucher, delivery.voucher_id)
    if voucher is None:
        return
    if voucher.state == "cancelled":
        # Cancelled while this delivery was in flight: tell the webhook, once.
        told = await uow.session.scalar(
            select(
                exists().where(
                    WebhookDelivery.webhook_id == delivery.webhook_id,
                    WebhookDelivery.voucher_id == voucher.id,
                    WebhookDelivery.event == "voucher.cancelled",
                )
            )
        )
        if not told:
            uow.session.add(
                WebhookDelivery(
                    id=uuid.uuid4(),
                    tenant_id=voucher.tenant_id,
                    webhook_id=delivery.webhook_id,
                    voucher_id=voucher.id,
                    event="voucher.cancelled",
                    status="pending",
                    attempts=0,
                    next_attempt_at=dt.datetime.now(dt.UTC),
                    log=[],
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
        return
    number = (outcome.answer or {}).get("erp_document_number")
    if not isinstance(number, str) or not number.strip():
        return
    [result] = await acknowledge(
        uow, voucher.tenant_id, [(voucher.id, number)], actor=f"webhook:{delivery.webhook_id}"
    )
    if isinstance(result, Exception):
        delivery.last_error = f"acknowledgement refused: {result}"[:500]
