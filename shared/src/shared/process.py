"""Running one service as its own process (distributed mode)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import FastAPI

from .host import mounted, serve
from .logging import configure_logging
from .settings import ServiceSettings


def run_service(
    name: str, create_app: Callable[[ServiceSettings], FastAPI], settings: ServiceSettings
) -> None:
    configure_logging(settings.log_level, json=settings.log_json)
    root = mounted({name: create_app(settings)})
    asyncio.run(
        serve(root, host=settings.http_host, port=settings.http_port, log_level=settings.log_level)
    )
