"""Routes every service has: health, readiness, metrics, the caller's identity, dead letters."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from .. import outbox
from ..auth import Principal
from ..bus import DeadLetter
from ..db import ping
from ..runtime import Runtime
from .deps import ADMIN, ANY_ROLE, get_runtime
from .problems import problem_response

router = APIRouter()


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    status: str
    service: str
    database: str
    bus: str
    outbox_backlog: int | None = None


@router.get("/healthz", response_model=Health, tags=["operations"], summary="Liveness")
async def healthz(runtime: Runtime = Depends(get_runtime)) -> Health:
    return Health(status="ok", service=runtime.service)


@router.get(
    "/readyz",
    response_model=Readiness,
    tags=["operations"],
    summary="Readiness",
    responses={503: {"description": "The database or the bus does not answer"}},
)
async def readyz(runtime: Runtime = Depends(get_runtime)):
    database, backlog = "ok", None
    try:
        await asyncio.wait_for(ping(runtime.engine), timeout=2)
        async with runtime.sessions() as session:
            backlog = await outbox.backlog(session)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        database = f"unavailable: {type(exc).__name__}"
    bus = "ok" if runtime.bus.is_ready() else "unavailable"
    ready = database == "ok" and bus == "ok"
    body = Readiness(
        status="ready" if ready else "not ready",
        service=runtime.service,
        database=database,
        bus=bus,
        outbox_backlog=backlog,
    )
    if ready:
        return body
    return problem_response(
        503,
        {
            "type": "https://mutabik.dev/problems/not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": f"database: {database}; bus: {bus}",
            **body.model_dump(),
        },
    )


@router.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
async def metrics(runtime: Runtime = Depends(get_runtime)) -> Response:
    # Gauges read now; one that cannot be read (database or broker away) keeps its last value:
    # /readyz says what is away, and metrics must answer regardless.
    try:
        async with runtime.sessions() as session:
            runtime.metrics.outbox_backlog.set(await outbox.backlog(session))
    except Exception:  # noqa: BLE001
        pass
    try:
        parked = runtime.bus.dead_letter_count(runtime.service)
        runtime.metrics.dead_letters.set(await asyncio.wait_for(parked, timeout=2))
    except Exception:  # noqa: BLE001
        pass
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class Me(BaseModel):
    tenant_id: str
    role: str
    key_id: str
    user_email: str | None


@router.get("/me", response_model=Me, tags=["operations"], summary="Who the API key belongs to")
async def me(principal: Principal = Depends(ANY_ROLE)) -> Me:
    return Me(
        tenant_id=str(principal.tenant_id),
        role=principal.role,
        key_id=principal.key_id,
        user_email=principal.user_email,
    )


class Replayed(BaseModel):
    replayed: int


@router.get(
    "/dead-letters",
    response_model=list[DeadLetter],
    tags=["operations"],
    summary="Events this service could not handle",
)
async def dead_letters(
    limit: int = Query(100, ge=1, le=1000),
    runtime: Runtime = Depends(get_runtime),
    _: Principal = Depends(ADMIN),
) -> list[DeadLetter]:
    return await runtime.bus.dead_letters(runtime.service, limit=limit)


class ReplayRequest(BaseModel):
    message_ids: list[str] | None = None
    """The dead letters to replay; all of them when absent."""


@router.post(
    "/dead-letters/replay",
    response_model=Replayed,
    tags=["operations"],
    summary="Send dead letters back to this service's queue",
)
async def replay_dead_letters(
    request: ReplayRequest,
    runtime: Runtime = Depends(get_runtime),
    _: Principal = Depends(ADMIN),
) -> Replayed:
    return Replayed(replayed=await runtime.bus.replay(runtime.service, request.message_ids))
