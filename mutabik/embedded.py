"""Embedded mode: all five services in one process, a SQLite file each, one in-process bus."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Route

from shared.auth import authenticate
from shared.bus import SUBSCRIPTIONS, InProcessBus
from shared.errors import Unauthorized
from shared.host import mounted
from shared.settings import sqlite_url

from .landing import healthz, landing_route
from .outbox import outbox_routes
from .services import SERVICES


def embedded_apps(data_dir: Path, bus: InProcessBus, **overrides: object) -> dict[str, FastAPI]:
    """Each service's app on its own SQLite file under ``data_dir``, all on ``bus``."""
    return {
        name: entry.create_app(
            entry.settings(
                database_url=sqlite_url(data_dir, name), bus_url="memory://", **overrides
            ),
            bus=bus,
        )
        for name, entry in SERVICES.items()
    }


def embedded_system(
    data_dir: Path,
    *,
    retry_delays: tuple[float, ...] = (0.5, 2.0, 10.0),
    after_startup: Callable[[dict[str, FastAPI]], Awaitable[None]] | None = None,
    bus: InProcessBus | None = None,
    outbox: Path | None = None,
) -> tuple[Starlette, dict[str, FastAPI]]:
    """The whole system as one ASGI app. Pass ``bus`` to use one with extra queues (tests
    observing every event), ``outbox`` (the local SMTP sink's folder) to serve ``/outbox``."""
    bus = bus or InProcessBus(SUBSCRIPTIONS, retry_delays=retry_delays)
    apps = embedded_apps(data_dir, bus, retry_delays=retry_delays)

    async def started() -> None:
        if after_startup:
            await after_startup(apps)

    links = [("/outbox", "Outbox: the e-mails sent, kept by the local SMTP sink")] if outbox else []
    routes = [
        Route("/", landing_route("Embedded mode: one process, SQLite files", links=links)),
        Route("/healthz", healthz),
        *(outbox_routes(outbox) if outbox else []),
    ]
    root = mounted(
        apps,
        extra_routes=routes,
        after_startup=started,
        after_shutdown=bus.close,
    )
    return root, apps


async def wait_until_key_works(
    apps: dict[str, FastAPI], api_key: str, *, timeout: float = 15
) -> None:
    """A key is issued by reconciliation and replicated by events; wait until every service knows it."""
    deadline = asyncio.get_running_loop().time() + timeout
    for app in apps.values():
        runtime = app.state.runtime
        while True:
            try:
                async with runtime.sessions() as session:
                    await authenticate(session, api_key)
                break
            except Unauthorized:
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError(f"{runtime.service} did not learn the new API key") from None
                await asyncio.sleep(0.05)
