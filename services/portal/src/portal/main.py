"""create_app: the only place portal is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from shared.bus import Bus
from shared.identity import IDENTITY_HANDLERS
from shared.service import ServiceSpec, build_app

from .settings import PortalSettings

SPEC = ServiceSpec(
    name="portal",
    title="Mutabık portal",
    description="The counterparty's page: open the link, see the letter, answer.",
    migrations="portal:migrations",
    handlers=IDENTITY_HANDLERS,
)


def create_app(settings: PortalSettings | None = None, *, bus: Bus | None = None) -> FastAPI:
    return build_app(SPEC, settings or PortalSettings(), bus=bus)
