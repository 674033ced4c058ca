"""``mutabik up``: embedded mode as a newcomer meets it. On the first start (no tenant yet) it
creates the tenant and loads the demo into it over the REST API; without a configured SMTP server
the letters go to a local sink shown at ``/outbox``; it prints where everything is."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from starlette.applications import Starlette

from .demo import DemoSummary, load_demo
from .outbox import OutboxSink

SMTP_SETTINGS = ("MUTABIK_NOTIFIER_SMTP_HOST", "MUTABIK_NOTIFIER_SMTP_PORT")
"""Either set in the environment means the operator chose an SMTP server: no sink then."""
OFF = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class UpOptions:
    data_dir: Path
    host: str
    port: int
    tenant: str
    demo: bool
    log_level: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @classmethod
    def of(cls, args: argparse.Namespace, data_dir: Path) -> UpOptions:
        demo = not args.empty and os.environ.get("MUTABIK_DEMO", "1").strip().lower() not in OFF
        return cls(data_dir, args.host, args.port, args.tenant, demo, args.log_level)


def run_up(options: UpOptions) -> None:
    from shared.host import serve

    from .embedded import embedded_system, wait_until_key_works
    from .tenants import new_tenant_with_key

    # The letters' links point at this server unless the portal's public address is set.
    os.environ.setdefault("MUTABIK_NOTIFIER_PORTAL_LINK_BASE", f"{options.url}/portal/letters/")
    sink = None
    if not any(os.environ.get(name) for name in SMTP_SETTINGS):
        sink = OutboxSink(options.data_dir / "outbox")
        os.environ.update(sink.settings_env())
    root: Starlette | None = None

    async def first_start(apps: dict[str, FastAPI]) -> None:
        runtime = apps["reconciliation"].state.runtime
        async with runtime.new_uow() as uow:
            fresh = not await uow.identity.tenants()
            if fresh:
                _, key = await new_tenant_with_key(uow, options.tenant)
        lines = _where(options, sink)
        if fresh:
            await wait_until_key_works(apps, key.api_key)
            lines += await _demo_lines(options, root, key.api_key)
            lines += _first_key(options, key.api_key)
        else:
            lines += [
                "",
                "Existing data: no tenant created, nothing loaded. Keys are shown only when made:",
                "  .venv/bin/mutabik key create --tenant NAME --role admin"
                f" --data-dir {options.data_dir}",
            ]
        print("\n".join(lines) + "\n", flush=True)

    root, _ = embedded_system(
        options.data_dir, after_startup=first_start, outbox=sink.folder if sink else None
    )

    async def serve_all() -> None:
        async with sink.serving() if sink else contextlib.nullcontext():
            await serve(root, host=options.host, port=options.port, log_level=options.log_level)

    asyncio.run(serve_all())


def _where(options: UpOptions, sink: OutboxSink | None) -> list[str]:
    url = options.url
    lines = [
        "",
        f"Mutabık is running at {url}/  (embedded mode, data in {options.data_dir})",
        f"  API docs: {url}/reconciliation/docs  (likewise /bank-ingest, /matcher, /notifier, "
        "/portal)",
    ]
    if sink:
        lines.append(
            f"  Outbox:   {url}/outbox  (no SMTP server set: e-mails are kept here, not sent; "
            f"SMTP sink on {sink.host}:{sink.port})"
        )
    return lines


async def _demo_lines(options: UpOptions, root: Starlette | None, api_key: str) -> list[str]:
    if not options.demo:
        return ["", f"Tenant '{options.tenant}' created, empty (no demo data)."]
    try:
        summary = await _load_in_process(root, api_key)
    except Exception as exc:  # noqa: BLE001 - the system keeps running; the operator can retry
        return [
            "",
            f"Tenant '{options.tenant}' created, but the demo data could not be loaded: {exc}",
            f"  retry: .venv/bin/mutabik demo load --url {options.url} --key KEY",
        ]
    return ["", f"Tenant '{options.tenant}' created with demo data (docs/demo.md):"] + [
        f"  {line}" for line in summary.lines()
    ]


async def _load_in_process(root: Starlette | None, api_key: str) -> DemoSummary:
    """Through the root app's HTTP interface, as any client would, without a socket."""
    assert root is not None, "the root app exists before its lifespan starts"
    transport = httpx.ASGITransport(app=root)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", headers=headers, timeout=60
    ) as client:
        return await load_demo(client)


def _first_key(options: UpOptions, api_key: str) -> list[str]:
    url = options.url
    last = (
        "  follow docs/walkthrough.md: a statement to vouchers, a BA/BS round to its answers"
        if options.demo
        else '  .venv/bin/mutabik demo load --url "$URL" --key "$KEY"   loads the demo data that '
        "docs/walkthrough.md uses"
    )
    return [
        "",
        "Its admin API key (shown once, keep it):",
        f"  {api_key}",
        "",
        "Next steps:",
        f"  export KEY={api_key} URL={url}",
        '  curl -H "Authorization: Bearer $KEY" "$URL/matcher/movements?state=proposed"',
        f"  open {url}/reconciliation/docs and press Authorize with the key",
        last,
    ]
