"""Connections and their refresh jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.http.deps import ANY_ROLE, get_runtime, get_uow, require
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import Page, decode_cursor, page_of
from shared.runtime import Runtime
from shared.secrets import SecretBox

from ..adapters.repository import BankIngestUnitOfWork
from ..adapters.sources import FtpSourceSettings
from ..connections import ConnectionIn, create_connection, get_connection, request_refresh

router = APIRouter(tags=["connections"], responses=PROBLEM_RESPONSES)


class ConnectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    format: str
    encoding: str
    account_id: uuid.UUID | None
    column_mapping: dict[str, Any] | None
    source: dict[str, Any] | None = Field(
        description="Source settings; the password is never shown"
    )
    poll_minutes: int | None
    status: str = Field(
        description="active: the last fetch worked; disconnected: it failed (see last_error); "
        "new: never fetched yet"
    )
    status_since: datetime
    last_error: str | None
    last_fetch_at: datetime | None
    next_fetch_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, connection) -> ConnectionOut:
        out = cls.model_validate(connection)
        if out.source and "password_sealed" in out.source:
            out.source = {k: v for k, v in out.source.items() if k != "password_sealed"}
            out.source["password_set"] = True
        return out


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    connection_id: uuid.UUID
    trigger: str
    state: str = Field(description="queued, running, succeeded or failed")
    files_found: int
    files_imported: int
    files_refused: int
    movements_new: int
    error: str | None
    files: list[dict[str, Any]] = Field(description="Per file: name, import_id or error")
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@router.post(
    "/connections",
    status_code=201,
    response_model=ConnectionOut,
    summary="Add a connection",
    responses=CONFLICT,
)
async def add_connection(
    body: ConnectionIn,
    request: Request,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: BankIngestUnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
):
    box = SecretBox(runtime.settings.secret_key)

    async def create() -> ConnectionOut:
        connection = await create_connection(body, tenant_id=principal.tenant_id, uow=uow, box=box)
        return ConnectionOut.of(connection)

    return await create_once(
        request, principal, uow, body.model_copy(update={"source": _without_secret(body)}), create
    )


def _without_secret(body: ConnectionIn):
    # The idempotency fingerprint must not depend on (or keep) the password in the clear.
    if isinstance(body.source, FtpSourceSettings):
        return body.source.model_copy(update={"password": SecretStr("*")})
    return body.source


@router.get(
    "/connections", response_model=list[ConnectionOut], summary="Connections and their status"
)
async def list_connections(
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> list[ConnectionOut]:
    async with uow:
        return [ConnectionOut.of(c) for c in await uow.connections.all(principal.tenant_id)]


@router.get("/connections/{connection_id}", response_model=ConnectionOut, summary="One connection")
async def get_one_connection(
    connection_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> ConnectionOut:
    async with uow:
        return ConnectionOut.of(await get_connection(principal.tenant_id, connection_id, uow))


@router.post(
    "/connections/{connection_id}/refresh",
    status_code=202,
    response_model=JobOut,
    summary="Fetch the connection's new files now",
    description="Returns the job (follow it at /jobs/{id}); a refresh already queued or running "
    "is returned instead of a second one.",
)
async def refresh_connection(
    connection_id: uuid.UUID,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> JSONResponse:
    async with uow:
        connection = await get_connection(principal.tenant_id, connection_id, uow)
        job = await request_refresh(connection, uow=uow)
        await uow.commit()
    return JSONResponse(JobOut.model_validate(job).model_dump(mode="json"), status_code=202)


@router.get("/jobs", response_model=Page[JobOut], summary="Refresh jobs, newest first")
async def list_jobs(
    connection_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> Page[JobOut]:
    after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        rows = await uow.jobs.page(
            principal.tenant_id, connection_id=connection_id, after=after, limit=limit + 1
        )
    items = [JobOut.model_validate(j) for j in rows]
    return page_of(items, limit, lambda j: (j.requested_at.isoformat(), j.id))


@router.get("/jobs/{job_id}", response_model=JobOut, summary="One refresh job")
async def get_job(
    job_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> JobOut:
    async with uow:
        job = await uow.jobs.get(principal.tenant_id, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return JobOut.model_validate(job)
