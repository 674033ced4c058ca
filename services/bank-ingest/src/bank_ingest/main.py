"""create_app: the only place bank-ingest is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from shared.bus import Bus
from shared.identity import IDENTITY_HANDLERS
from shared.service import ServiceSpec, build_app

from .adapters.repository import BankIngestUnitOfWork
from .api import router
from .settings import BankIngestSettings

SPEC = ServiceSpec(
    name="bank-ingest",
    title="Mutabık bank-ingest",
    description="Bank accounts and statements (MT940, MT942, CAMT.053, Excel): parsed, checked, stored once.",
    migrations="bank_ingest:migrations",
    routers=[router],
    handlers=IDENTITY_HANDLERS,
    uow_class=BankIngestUnitOfWork,
)


def create_app(settings: BankIngestSettings | None = None, *, bus: Bus | None = None) -> FastAPI:
    return build_app(SPEC, settings or BankIngestSettings(), bus=bus)
