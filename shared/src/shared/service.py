"""Builds a service's FastAPI app; the lifespan is the composition root."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI

from .bus import SUBSCRIPTIONS, Bus, bus_from_url
from .consumer import EventHandler, make_dispatcher
from .db import is_postgres, make_engine, session_factory
from .http.middleware import CorrelationIdMiddleware, MetricsMiddleware
from .http.ops import router as ops_router
from .http.problems import install_problem_handlers
from .metrics import ServiceMetrics
from .migrations import upgrade_to_head
from .outbox import OutboxRelay
from .runtime import Runtime
from .settings import ServiceSettings
from .uow import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ServiceSpec:
    """Everything that makes one service different from another."""

    name: str
    title: str
    description: str
    migrations: str
    """Alembic script location, e.g. ``bank_ingest:migrations``."""
    routers: Sequence[APIRouter] = ()
    handlers: Mapping[str, EventHandler] = field(default_factory=dict)
    uow_class: type[UnitOfWork] = UnitOfWork
    background: Sequence[Callable[[Runtime], Awaitable[None]]] = ()
    """Long-running jobs of the service (pollers, schedulers), started once the runtime is ready
    and cancelled on shutdown."""
    version: str = "0.1.0"


def build_app(spec: ServiceSpec, settings: ServiceSettings, *, bus: Bus | None = None) -> FastAPI:
    """The service's app. Pass ``bus`` to share one (embedded mode); otherwise one is made from
    ``settings.bus_url`` and closed with the app."""
    metrics = ServiceMetrics(spec.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _running(spec, settings, bus, metrics) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(CorrelationIdMiddleware)
    app.include_router(ops_router)
    for router in spec.routers:
        app.include_router(router)
    _document_problem_schema(app)
    return app


@contextlib.asynccontextmanager
async def _running(
    spec: ServiceSpec, settings: ServiceSettings, shared_bus: Bus | None, metrics: ServiceMetrics
) -> AsyncIterator[Runtime]:
    engine = make_engine(settings.database_url)
    tasks: list[asyncio.Task[Any]] = []
    the_bus = shared_bus or bus_from_url(
        settings.bus_url,
        exchange=settings.exchange,
        queue_prefix=settings.queue_prefix,
        prefetch=settings.prefetch,
        retry_delays=settings.retry_delays,
    )
    try:
        await upgrade_to_head(engine, spec.migrations)
        sessions = session_factory(engine)
        await _start_with_retries(the_bus, within=settings.bus_startup_seconds)
        relay = OutboxRelay(
            sessions,
            the_bus,
            skip_locked=is_postgres(engine),
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            on_published=metrics.outbox_published.inc,
        )

        def new_uow() -> UnitOfWork:
            return spec.uow_class(sessions, on_commit_events=relay.wake)

        runtime = Runtime(spec.name, settings, engine, sessions, the_bus, relay, metrics, new_uow)
        tasks.append(asyncio.create_task(relay.run(), name=f"outbox-relay-{spec.name}"))
        if SUBSCRIPTIONS.get(spec.name):
            dispatcher = make_dispatcher(
                spec.name, spec.handlers, new_uow, on_outcome=metrics.event_outcome
            )
            await the_bus.consume(spec.name, dispatcher)
        for job in spec.background:
            tasks.append(asyncio.create_task(job(runtime), name=f"{spec.name}-{job.__name__}"))
        log.info("service started", service=spec.name, database=engine.dialect.name)
        yield runtime
    finally:
        with contextlib.suppress(Exception):
            await the_bus.stop_consuming(spec.name)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if shared_bus is None:
            with contextlib.suppress(Exception):
                await the_bus.close()
        await engine.dispose()


async def _start_with_retries(bus: Bus, *, within: float) -> None:
    """A broker that is restarting, or starts after us, is waited for — up to ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    delay = 0.2
    while True:
        try:
            await bus.start()
            return
        except Exception as exc:  # noqa: BLE001 - connection errors come in many types
            if asyncio.get_running_loop().time() + delay > deadline:
                raise
            log.warning("bus not reachable yet; retrying", error=str(exc), retry_in=delay)
            await bus.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def _document_problem_schema(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = {
            "type": "object",
            "description": "RFC 9457 problem details",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
