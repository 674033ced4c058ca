"""Webhooks: the ERP's endpoints that get every ready voucher, signed; and their delivery log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from shared.auth import Principal
from shared.http.deps import OPERATOR, get_runtime, get_uow
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import Page, decode_cursor, page_of
from shared.runtime import Runtime
from shared.secrets import SecretBox

from ..adapters.repository import MatcherUnitOfWork
from ..adapters.voucher_repository import Webhooks
from ..webhooks import delete, get_webhook, register
from .vouchers import actor_of

router = APIRouter(tags=["webhooks"], responses=PROBLEM_RESPONSES)


class WebhookIn(BaseModel):
    url: AnyHttpUrl = Field(examples=["https://erp.example.com/mutabik/vouchers"])
    description: str = Field("", max_length=200)


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str
    active: bool
    created_by: str
    created_at: dt.datetime


class WebhookCreated(WebhookOut):
    secret: str | None = Field(
        description="The signing secret, shown only in this answer (null when replayed): "
        "`X-Mutabik-Signature: sha256=<hex HMAC-SHA256 of timestamp + '.' + body>`"
    )


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    webhook_id: uuid.UUID
    voucher_id: uuid.UUID
    event: str = Field(description="voucher.ready or voucher.cancelled")
    status: str = Field(description="pending, delivered, failed or skipped")
    attempts: int
    last_http_status: int | None
    last_error: str | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    log: list[dict[str, Any]] = Field(
        description="Each attempt: attempt, at, http_status, error, duration_ms"
    )
    created_at: dt.datetime


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    summary="Register a webhook for ready vouchers",
    description="Every ready voucher of the tenant is POSTed to `url`, signed with the secret "
    "returned here once. Delivery is at least once (retried with backoff): deduplicate by the "
    'voucher\'s id. A 2xx answer with `{"erp_document_number": ...}` also acknowledges it.',
    responses=CONFLICT,
)
async def add_webhook(
    body: WebhookIn,
    request: Request,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
):
    box = SecretBox(runtime.settings.secret_key)

    async def create() -> WebhookCreated:
        webhook, secret = await register(
            uow,
            principal.tenant_id,
            url=str(body.url),
            description=body.description,
            actor=actor_of(principal),
            box=box,
        )
        return WebhookCreated(**WebhookOut.model_validate(webhook).model_dump(), secret=secret)

    return await create_once(
        request, principal, uow, body, create, stored=lambda out: {**out, "secret": None}
    )


@router.get("/webhooks", response_model=list[WebhookOut], summary="The tenant's webhooks")
async def list_webhooks(
    principal: Principal = Depends(OPERATOR), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[WebhookOut]:
    async with uow:
        rows = await Webhooks(uow.session).of_tenant(principal.tenant_id)
    return [WebhookOut.model_validate(w) for w in rows]


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut, summary="One webhook")
async def get_one_webhook(
    webhook_id: uuid.UUID,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> WebhookOut:
    async with uow:
        return WebhookOut.model_validate(await get_webhook(uow, principal.tenant_id, webhook_id))


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    summary="Delete a webhook (pending deliveries are dropped; the log stays)",
)
async def delete_webhook(
    webhook_id: uuid.UUID,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> Response:
    async with uow:
        await delete(uow, principal.tenant_id, webhook_id)
        await uow.commit()
    return Response(status_code=204)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="The webhook's delivery log, oldest first",
)
async def list_deliveries(
    webhook_id: uuid.UUID,
    voucher_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=500),
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> Page[DeliveryOut]:
    after = decode_cursor(cursor, dt.datetime.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        repository = Webhooks(uow.session)
        webhook = await repository.get(principal.tenant_id, webhook_id)  # deleted ones too
        if webhook is None:
            await get_webhook(uow, principal.tenant_id, webhook_id)  # raises NotFound
        rows = await repository.deliveries(
            principal.tenant_id,
            webhook_id=webhook_id,
            voucher_id=voucher_id,
            after=after,
            limit=limit + 1,
        )
    return page_of(
        [DeliveryOut.model_validate(d) for d in rows],
        limit,
        lambda d: (d.created_at.isoformat(), d.id),
    )
