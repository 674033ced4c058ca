"""create_app: the only place reconciliation is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from shared.bus import Bus
from shared.service import ServiceSpec, build_app

from .adapters.repository import ReconciliationUnitOfWork
from .api import router
from .settings import ReconciliationSettings

SPEC = ServiceSpec(
    name="reconciliation",
    title="Mutabık reconciliation",
    description="The ERP's counterparties and movements, balances and BA/BS, e-Mutabakat rounds; "
    "tenants, users and API keys.",
    migrations="reconciliation:migrations",
    routers=[router],
    uow_class=ReconciliationUnitOfWork,
)


def create_app(
    settings: ReconciliationSettings | None = None, *, bus: Bus | None = None
) -> FastAPI:
    return build_app(SPEC, settings or ReconciliationSettings(), bus=bus)
