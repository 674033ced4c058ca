"""The page at ``/``: every service with its OpenAPI docs and readiness."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from .services import SERVICES

_PAGE = """<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mutabık</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}}
li{{margin:.4rem 0}} code{{background:#f1f3f5;padding:.1rem .3rem;border-radius:3px}} small{{color:#57606a}}</style>
</head><body>
<h1>Mutabık</h1>
<p>{mode}. Every service's API, with its OpenAPI documentation:</p>
<ul>{items}</ul>
{links}<p><small>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>.
Create a key with <code>mutabik key create --tenant NAME --role admin</code>.</small></p>
</body></html>"""


def landing_route(mode: str, *, links: Sequence[tuple[str, str]] = ()):
    """The page for ``mode``; ``links`` (path, text) are listed below the services."""

    async def landing(request: Request) -> HTMLResponse:
        items = "".join(
            f'<li><strong>{escape(name)}</strong> — <a href="/{name}/docs">/{name}/docs</a> · '
            f'<a href="/{name}/readyz">readiness</a></li>'
            for name in SERVICES
        )
        more = "".join(
            f'<li><a href="{escape(path)}">{escape(path)}</a> — {escape(text)}</li>'
            for path, text in links
        )
        extra = f"<ul>{more}</ul>" if more else ""
        return HTMLResponse(_PAGE.format(mode=escape(mode), items=items, links=extra))

    return landing


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})
