"""create_app: the only place bank-ingest is wired together."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from shared.bus import Bus
from shared.http.limits import BodySizeLimit
from shared.runtime import Runtime
from shared.service import ServiceSpec, build_app

from .adapters.repository import BankIngestUnitOfWork
from .api import ROUTERS
from .consumers import HANDLERS
from .parse_worker import warm
from .refresh import job_worker
from .settings import BankIngestSettings


async def warm_parser(runtime: Runtime) -> None:
    """Background task: have the parser process server ready before the first large file."""
    if getattr(runtime.settings, "parse_in_child_bytes", None) is not None:
        await asyncio.to_thread(warm)


SPEC = ServiceSpec(
    name="bank-ingest",
    title="Mutabık bank-ingest",
    description="Bank accounts and statements (MT940, MT942, CAMT.053, Excel): parsed, checked, "
    "stored once. Connections fetch statements from watched folders and FTP servers.",
    migrations="bank_ingest:migrations",
    routers=ROUTERS,
    handlers=HANDLERS,
    uow_class=BankIngestUnitOfWork,
    background=(job_worker, warm_parser),
)


def create_app(settings: BankIngestSettings | None = None, *, bus: Bus | None = None) -> FastAPI:
    settings = settings or BankIngestSettings()
    app = build_app(SPEC, settings, bus=bus)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes, paths=("/statements",))
    return app
