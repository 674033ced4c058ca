"""``/outbox``: the messages the local SMTP sink kept, server-rendered. The messages are the
system's own, but their content comes from tenants' templates and counterparties' data: every
value is escaped, and the HTML part is shown only inside a sandboxed frame (no scripts, no
forms, no navigation, no network) and as escaped source."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from . import store

SHOWN = 500
HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", store.RECIPIENTS_HEADER)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",  # the portal links carry the letter's token
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
LINK = re.compile(r"https?://[^\s<>\"']+")

_PAGE = """<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Mutabık outbox</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}}
table{{border-collapse:collapse;width:100%}}
td,th{{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}}
pre{{white-space:pre-wrap;background:#f6f8fa;padding:.8rem;border-radius:4px}} small{{color:#57606a}}
iframe{{width:100%;height:36rem;border:1px solid #d0d7de;border-radius:4px}}
th,td:first-child{{white-space:nowrap}}</style>
</head><body>
<p><a href="/">Mutabık</a> · <a href="/outbox">Outbox</a></p>
{body}
</body></html>"""


def outbox_routes(folder: Path) -> list[Route]:
    """The list at ``/outbox``, one message at ``/outbox/<file>``, its source at ``…/raw``."""

    async def listing(request: Request) -> Response:
        return _html("Outbox", _listing(folder))

    async def one(request: Request) -> Response:
        name = request.path_params["name"]
        found = store.message(folder, name)
        if found is None:
            return _html("Not found", "<h1>No such message</h1>", status=404)
        return _html(str(found.get("Subject", "")), _message(name, found))

    async def raw(request: Request) -> Response:
        data = store.raw(folder, request.path_params["name"])
        if data is None:
            return _html("Not found", "<h1>No such message</h1>", status=404)
        return Response(data, media_type="text/plain; charset=utf-8", headers=SECURITY_HEADERS)

    return [
        Route("/outbox", listing),
        Route("/outbox/{name}", one),
        Route("/outbox/{name}/raw", raw),
    ]


def _html(title: str, body: str, *, status: int = 200) -> HTMLResponse:
    page = _PAGE.format(title=escape(title), body=body)
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


def _listing(folder: Path) -> str:
    names = store.names(folder, limit=SHOWN)
    total = store.count(folder)
    rows = []
    for name in names:
        item = store.summary(folder, name)
        rows.append(
            f"<tr><td>{escape(_local(item.received))}</td><td>{escape(item.to)}</td>"
            f'<td><a href="/outbox/{escape(name)}">{escape(item.subject or "(no subject)")}</a>'
            "</td></tr>"
        )
    shown = f" (the newest {SHOWN} shown)" if total > len(names) else ""
    intro = (
        f"<p>{total} e-mail(s){shown}, newest first. Nothing here was delivered: in embedded mode "
        "without <code>MUTABIK_NOTIFIER_SMTP_HOST</code> the system's SMTP server is this local "
        f"sink, which keeps each message in <code>{escape(str(folder))}</code>.</p>"
    )
    table = (
        "<table><thead><tr><th>received</th><th>to</th><th>subject</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    return "<h1>Outbox</h1>" + intro + (table if rows else "<p>No e-mails yet.</p>")


def _message(name: str, message: EmailMessage) -> str:
    headers = "".join(
        f"<tr><th>{escape(h)}</th><td>{escape(str(message[h]))}</td></tr>"
        for h in HEADERS
        if message[h] is not None
    )
    parts = [f"<h1>{escape(str(message.get('Subject', '')))}</h1>", f"<table>{headers}</table>"]
    text = message.get_body(("plain",))
    if text is not None:
        parts.append(f"<h2>Text</h2><pre>{_linked(text.get_content())}</pre>")
    html = message.get_body(("html",))
    if html is not None:
        source = html.get_content()
        parts.append(
            "<h2>HTML</h2><p><small>Shown in a sandbox: no scripts, forms or links.</small></p>"
            f'<iframe sandbox="" referrerpolicy="no-referrer" title="HTML part" '
            f'srcdoc="{escape(source, quote=True)}"></iframe>'
            f"<details><summary>HTML source</summary><pre>{escape(source)}</pre></details>"
        )
    parts.append(f'<p><a href="/outbox/{escape(name)}/raw">the message as received</a></p>')
    return "".join(parts)


def _linked(text: str) -> str:
    """``text`` escaped, its http(s) addresses made links."""
    out, last = [], 0
    for found in LINK.finditer(text):
        url = found.group(0)
        out.append(escape(text[last : found.start()]))
        out.append(f'<a href="{escape(url, quote=True)}" rel="noreferrer">{escape(url)}</a>')
        last = found.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _local(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso).astimezone():%Y-%m-%d %H:%M:%S}"
    except ValueError:
        return iso
