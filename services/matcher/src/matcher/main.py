"""create_app: the only place matcher is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from shared.bus import Bus
from shared.events import BankAccountRegistered, CounterpartiesChanged, MovementsRecorded
from shared.identity import IDENTITY_HANDLERS
from shared.service import ServiceSpec, build_app

from .adapters.repository import MatcherUnitOfWork
from .api import directory, rules, vouchers, webhooks, worklist
from .handlers import (
    on_bank_account_registered,
    on_counterparties_changed,
    on_movements_recorded,
)
from .settings import MatcherSettings
from .webhooks import webhook_worker

SPEC = ServiceSpec(
    name="matcher",
    title="Mutabık matcher",
    description="Proposes the contra account of every bank movement, learns from the operator, "
    "and hands balanced vouchers to the ERP exactly once.",
    migrations="matcher:migrations",
    routers=[directory.router, worklist.router, rules.router, vouchers.router, webhooks.router],
    handlers={
        **IDENTITY_HANDLERS,
        BankAccountRegistered.type: on_bank_account_registered,
        CounterpartiesChanged.type: on_counterparties_changed,
        MovementsRecorded.type: on_movements_recorded,
    },
    uow_class=MatcherUnitOfWork,
    background=(webhook_worker,),
)


def create_app(settings: MatcherSettings | None = None, *, bus: Bus | None = None) -> FastAPI:
    return build_app(SPEC, settings or MatcherSettings(), bus=bus)
