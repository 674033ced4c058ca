"""Serves service apps mounted at their path prefixes, running each one's lifespan.

Embedded mode mounts all five in one process; a distributed service process mounts just itself,
so every path is the same in both modes (``/bank-ingest/accounts`` ...).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp


def mounted(
    apps: Mapping[str, ASGIApp],
    *,
    extra_routes: Sequence[BaseRoute] = (),
    after_startup: Callable[[], Awaitable[None]] | None = None,
    after_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """A root app with each app under ``/<prefix>``; a mounted app's lifespan is not run by
    Starlette, so the root's lifespan enters them all, in order, and leaves them in reverse."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            async with contextlib.AsyncExitStack() as stack:
                for app in apps.values():
                    await stack.enter_async_context(app.router.lifespan_context(app))  # type: ignore[attr-defined]
                if after_startup:
                    await after_startup()
                yield
        finally:
            if after_shutdown:
                await after_shutdown()

    routes: list[BaseRoute] = [*extra_routes]
    routes += [Mount(f"/{prefix.strip('/')}", app=app) for prefix, app in apps.items()]
    return Starlette(routes=routes, lifespan=lifespan)


async def serve(app: ASGIApp, *, host: str, port: int, log_level: str = "info") -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        access_log=False,
        lifespan="on",
        proxy_headers=True,
    )
    await uvicorn.Server(config).serve()
