"""Pure ASGI middleware: correlation id in and out, request metrics."""

from __future__ import annotations

import sys
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..logging import correlation_id
from ..metrics import ServiceMetrics
from .problems import server_failure

HEADER = b"x-correlation-id"
log = structlog.get_logger(__name__)


class CorrelationIdMiddleware:
    """Takes ``X-Correlation-ID`` from the request (or makes one), binds it to logs and events,
    and returns it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER, b"").decode("latin-1")[:100]
        cid = incoming if _acceptable(incoming) else str(uuid.uuid4())
        token = correlation_id.set(cid)
        structlog.contextvars.bind_contextvars(correlation_id=cid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, cid.encode())]
            await send(message)

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_id(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            # Answer here rather than in Starlette's outermost error handler, so the 500 still
            # carries the correlation id that the logged traceback is filed under.
            if started:
                raise
            await server_failure(sys.exc_info()[1], scope.get("path", ""))(
                scope, receive, send_with_id
            )
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id")
            correlation_id.reset(token)


def _acceptable(value: str) -> bool:
    return bool(value) and all(c.isalnum() or c in "-_.:" for c in value)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.http_latency.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started
            )
