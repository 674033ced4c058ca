"""create_app: the only place reconciliation is wired together."""

from __future__ import annotations

import dataclasses

from fastapi import FastAPI

from shared.bus import Bus
from shared.events import LetterAnswered, LetterEmailsDelivered, LetterViewed
from shared.http.limits import BodySizeLimit
from shared.service import ServiceSpec, build_app

from . import rounds
from .adapters.repository import ReconciliationUnitOfWork
from .api import ROUTERS
from .imports import ImportRunner
from .round_clock import round_clock
from .settings import ReconciliationSettings

SPEC = ServiceSpec(
    name="reconciliation",
    title="Mutabık reconciliation",
    description="The ERP's counterparties and movements, balances and BA/BS, e-Mutabakat rounds; "
    "tenants, users and API keys.",
    migrations="reconciliation:migrations",
    routers=ROUTERS,
    uow_class=ReconciliationUnitOfWork,
    handlers={
        LetterEmailsDelivered.type: rounds.on_delivered,
        LetterViewed.type: rounds.on_viewed,
        LetterAnswered.type: rounds.on_answered,
    },
)


def create_app(
    settings: ReconciliationSettings | None = None, *, bus: Bus | None = None
) -> FastAPI:
    settings = settings or ReconciliationSettings()
    imports = ImportRunner(child_above_bytes=settings.import_in_child_bytes)
    spec = dataclasses.replace(SPEC, background=(imports.watch, round_clock))
    app = build_app(spec, settings, bus=bus)
    app.state.imports = imports
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_import_bytes,
        paths=("/counterparties", "/imports/movements", "/imports/babs"),
    )
    return app
