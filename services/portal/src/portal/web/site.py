"""What every letter page shares: templates, the guards (CSRF, rate limit, client address), the
security headers, and the plain pages for what went wrong."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from fastapi import APIRouter
from jinja2 import Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..domain.words import WORDS, Language
from ..settings import PortalSettings
from .cache import PageCache
from .clients import ClientAddresses
from .csrf import Csrf
from .ratelimit import LookupLimiter

log = structlog.get_logger(__name__)

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
"""On every portal page. The token is in the URL: no Referer may carry it away, no cache keep
the page; no script runs at all (none is needed), and no other site may frame the form."""


class Site:
    """Built once per app by ``create_app``; routes reach it as ``request.app.state.site``."""

    def __init__(self, settings: PortalSettings) -> None:
        self.settings = settings
        self.templates = Environment(
            loader=PackageLoader("portal", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.csrf = Csrf(settings.secret_key)
        self.limiter = LookupLimiter(
            per_minute=settings.lookups_per_minute,
            unknown_per_minute=settings.unknown_lookups_per_minute,
            max_clients=settings.rate_limit_clients,
        )
        self.clients = ClientAddresses(
            trust_forwarded_for=settings.trust_forwarded_for,
            trusted_proxies=settings.trusted_proxies,
        )
        self.zone = ZoneInfo(settings.business_timezone)
        self.css = files("portal").joinpath("static/portal.css").read_bytes()
        self.pages = PageCache(size=settings.page_cache_size, seconds=settings.page_cache_seconds)

    def today(self) -> date:
        """Today in the business calendar: the day that decides whether a letter is open."""
        return datetime.now(self.zone).date()

    def html(
        self,
        request: Request,
        template: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        context.setdefault("base", base_path(request))
        return HTMLResponse(self.render(template, **context), status_code=status, headers=headers)

    def render(self, template: str, **context: Any) -> str:
        return self.templates.get_template(template).render(**context)

    def not_found(self, request: Request) -> HTMLResponse:
        """The one page for a token never issued and for one whose link has expired: same
        status, same body, in both languages (the letter's language would tell something)."""
        return self.html(
            request, "not_found.html", status=404, lang="tr", t=WORDS["tr"], tr=WORDS["tr"],
            en=WORDS["en"],
        )  # fmt: skip

    def message(
        self,
        request: Request,
        language: Language,
        *,
        status: int,
        title: str,
        text: str,
        back: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> HTMLResponse:
        """A plain page: a title and a sentence (keys of the words), maybe a link back."""
        words = WORDS[language]
        return self.html(
            request, "message.html", status=status, headers=headers, lang=language, t=words,
            title=words[title], text=words[text].format(**params), back=back,
        )  # fmt: skip

    def too_many(self, request: Request, language: Language, retry_after: int) -> HTMLResponse:
        return self.message(
            request, language, status=429, title="too_many_title", text="too_many_text",
            headers={"Retry-After": str(retry_after)}, seconds=retry_after,
        )  # fmt: skip


def site_of(request: Request) -> Site:
    return request.app.state.site


def base_path(request: Request) -> str:
    """Where the portal is mounted (``/portal`` behind the gateway or in embedded mode)."""
    return request.scope.get("root_path", "").rstrip("/")


Endpoint = Callable[[Request], Awaitable[Response]]


class PageRouter(APIRouter):
    """The portal pages' router. Pages are plain Starlette routes (``async def page(request)``):
    they take nothing FastAPI would have to validate, and a repeat view is cheap enough that
    FastAPI's dependency solving would be a good part of it."""

    def page(
        self, path: str, *, methods: tuple[str, ...] = ("GET",)
    ) -> Callable[[Endpoint], Endpoint]:
        """Register a page: the security headers on whatever it answers, and an error answered
        with a plain page and logged under the route's template, never its path (which holds
        the letter's token)."""

        def register(endpoint: Endpoint) -> Endpoint:
            route = _Template(path)

            async def page(request: Request) -> Response:
                request.scope["route"] = route  # the metrics label: the template, not the token
                try:
                    response = await endpoint(request)
                except Exception:
                    log.exception("portal page failed", route=path)
                    response = site_of(request).message(
                        request, "tr", status=500, title="server_error_title",
                        text="server_error_text",
                    )  # fmt: skip
                for name, value in PAGE_HEADERS.items():
                    response.headers.setdefault(name, value)
                return response

            self.add_route(path, page, methods=list(methods), name=endpoint.__name__,
                           include_in_schema=False)  # fmt: skip
            return endpoint

        return register


@dataclass(frozen=True)
class _Template:
    path: str
