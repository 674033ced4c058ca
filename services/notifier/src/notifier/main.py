"""create_app: the only place notifier is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from shared.bus import Bus
from shared.identity import IDENTITY_HANDLERS
from shared.service import ServiceSpec, build_app

from .settings import NotifierSettings

SPEC = ServiceSpec(
    name="notifier",
    title="Mutabık notifier",
    description="E-mail out: the firm's SMTP server or the system's, templates, retries, every attempt recorded.",
    migrations="notifier:migrations",
    handlers=IDENTITY_HANDLERS,
)


def create_app(settings: NotifierSettings | None = None, *, bus: Bus | None = None) -> FastAPI:
    return build_app(SPEC, settings or NotifierSettings(), bus=bus)
