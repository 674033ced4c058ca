"""``Idempotency-Key`` for POSTs that create: the same key and body give the same response, once.

The stored response is written in the same transaction as the thing created, so a retry after a
lost response finds either both or neither.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from .auth import Principal
from .errors import Conflict, ValidationFailed
from .tables import idempotency_keys
from .uow import UnitOfWork

HEADER = "Idempotency-Key"


async def create_once(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    payload: BaseModel,
    create: Callable[[], Awaitable[BaseModel]],
    *,
    status_code: int = 201,
    stored: Callable[[dict], dict] = lambda body: body,
) -> JSONResponse:
    """Run ``create`` inside ``uow`` and commit, unless this key was already used for this request.

    ``stored`` shapes what is kept for replays (e.g. without a secret shown only once)."""
    key = request.headers.get(HEADER)
    if key is not None and not 1 <= len(key) <= 200:
        raise ValidationFailed(
            "Idempotency-Key must be 1 to 200 characters",
            [{"location": f"header.{HEADER}", "message": "length 1..200"}],
        )
    fingerprint = _fingerprint(request, payload)
    async with uow:
        if key:
            previous = await _stored(uow, principal, key)
            if previous is not None:
                return _replay(previous, fingerprint)
        body = jsonable_encoder(await create())
        if key:
            await uow.session.execute(
                insert(idempotency_keys).values(
                    tenant_id=principal.tenant_id,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=status_code,
                    body=json.dumps(stored(body)),
                    created_at=datetime.now(UTC),
                )
            )
        try:
            await uow.commit()
        except IntegrityError:
            if not key:
                raise
            await uow.rollback()  # a concurrent request with the same key won the race
            previous = await _stored(uow, principal, key)
            if previous is None:
                raise
            return _replay(previous, fingerprint)
    return JSONResponse(body, status_code=status_code)


async def _stored(uow: UnitOfWork, principal: Principal, key: str):
    return (
        await uow.session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.tenant_id == principal.tenant_id, idempotency_keys.c.key == key
            )
        )
    ).one_or_none()


def _replay(stored, fingerprint: str) -> JSONResponse:
    if stored.fingerprint != fingerprint:
        raise Conflict("This Idempotency-Key was already used with a different request.")
    return JSONResponse(
        json.loads(stored.body),
        status_code=stored.status_code,
        headers={"Idempotent-Replayed": "true"},
    )


def _fingerprint(request: Request, payload: BaseModel) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    digest.update(payload.model_dump_json().encode())
    return digest.hexdigest()
