"""The gateway of distributed mode: one URL, the same paths as embedded mode, each prefix proxied
to its service. ``python -m mutabik.gateway``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.host import serve
from shared.logging import configure_logging

from .landing import healthz, landing_route

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
}


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    bank_ingest_url: str = "http://127.0.0.1:8101"
    matcher_url: str = "http://127.0.0.1:8102"
    reconciliation_url: str = "http://127.0.0.1:8103"
    notifier_url: str = "http://127.0.0.1:8104"
    portal_url: str = "http://127.0.0.1:8105"
    timeout_seconds: float = 300.0
    log_level: str = "INFO"

    def upstreams(self) -> dict[str, str]:
        return {
            "bank-ingest": self.bank_ingest_url,
            "matcher": self.matcher_url,
            "reconciliation": self.reconciliation_url,
            "notifier": self.notifier_url,
            "portal": self.portal_url,
        }


def create_gateway(settings: GatewaySettings) -> Starlette:
    upstreams = {name: url.rstrip("/") for name, url in settings.upstreams().items()}
    client_holder: dict[str, httpx.AsyncClient] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(timeout=settings.timeout_seconds, limits=limits) as client:
            client_holder["client"] = client
            yield

    async def proxy(request: Request) -> Response:
        service = request.path_params["service"]
        upstream = upstreams.get(service)
        if upstream is None:
            return _problem(404, "Not found", f"No service at /{service}.")
        url = f"{upstream}{request.url.path}"
        if request.url.query:
            url += f"?{request.url.query}"
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        client_ip = request.client.host if request.client else ""
        headers += [
            ("x-forwarded-for", client_ip),
            ("x-forwarded-proto", request.url.scheme),
            ("x-forwarded-host", request.headers.get("host", "")),
        ]
        client = client_holder["client"]
        outgoing = client.build_request(
            request.method, url, headers=headers, content=request.stream()
        )
        try:
            answer = await client.send(outgoing, stream=True)
        except httpx.TimeoutException:
            return _problem(504, "Gateway timeout", f"{service} did not answer in time.")
        except httpx.TransportError:
            return _problem(502, "Bad gateway", f"{service} is not reachable.")
        response_headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers=response_headers,
            background=BackgroundTask(answer.aclose),
        )

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(
        routes=[
            Route(
                "/", landing_route("Distributed mode: one process per service, behind this gateway")
            ),
            Route("/healthz", healthz),
            Route("/{service}", proxy, methods=methods),
            Route("/{service}/{rest:path}", proxy, methods=methods),
        ],
        lifespan=lifespan,
    )


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def main() -> None:
    settings = GatewaySettings()
    configure_logging(settings.log_level)
    asyncio.run(
        serve(
            create_gateway(settings),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
        )
    )


if __name__ == "__main__":
    main()
