"""create_app: the only place notifier is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from shared.bus import Bus
from shared.events import LetterEmailsQueued
from shared.identity import IDENTITY_HANDLERS
from shared.service import ServiceSpec, build_app

from .adapters.repository import NotifierUnitOfWork
from .api import ROUTERS
from .handlers import on_letters_queued
from .letter_mail import letter_sender
from .settings import NotifierSettings

SPEC = ServiceSpec(
    name="notifier",
    title="Mutabık notifier",
    description="E-mail out: the firm's SMTP server or the system's, templates, retries, every attempt recorded.",
    migrations="notifier:migrations",
    routers=ROUTERS,
    handlers={**IDENTITY_HANDLERS, LetterEmailsQueued.type: on_letters_queued},
    uow_class=NotifierUnitOfWork,
    background=(letter_sender,),
)


def create_app(settings: NotifierSettings | None = None, *, bus: Bus | None = None) -> FastAPI:
    """notifier's app; ``bus`` shares one (embedded mode), else one comes from the settings."""
    return build_app(SPEC, settings or NotifierSettings(), bus=bus)
