"""create_app: the only place portal is wired together."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI

from shared.bus import Bus
from shared.events import LettersIssued
from shared.identity import IDENTITY_HANDLERS
from shared.service import ServiceSpec, build_app

from . import api
from .adapters.repository import PortalUnitOfWork
from .handlers import on_letters_issued
from .settings import PortalSettings
from .web import pages
from .web.site import Site

SPEC = ServiceSpec(
    name="portal",
    title="Mutabık portal",
    description="The counterparty's page: open the link, see the letter, answer. The operator "
    "reads the answers (and attached files) here too.",
    migrations="portal:migrations",
    routers=(pages.router, api.router),
    handlers=IDENTITY_HANDLERS,
    uow_class=PortalUnitOfWork,
)
"""The service as ``create_app`` completes it: the handler of ``reconciliation.letters.issued``
needs the settings' ``secret_key`` (to know each letter's link token)."""


def create_app(settings: PortalSettings | None = None, *, bus: Bus | None = None) -> FastAPI:
    """portal's app; ``bus`` shares one (embedded mode), else one comes from the settings."""
    settings = settings or PortalSettings()
    handlers = {**IDENTITY_HANDLERS, LettersIssued.type: on_letters_issued(settings.secret_key)}
    app = build_app(replace(SPEC, handlers=handlers), settings, bus=bus)
    app.state.site = Site(settings)
    return app
