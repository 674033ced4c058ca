"""``mutabik``: run the system and do the operator's chores.

mutabik up                      embedded mode at http://127.0.0.1:8000, with the demo tenant
mutabik up --empty              the same, its first tenant left empty
mutabik distributed             five processes + gateway on PostgreSQL and RabbitMQ
mutabik tenant create NAME      a tenant and its first admin key
mutabik key create --tenant NAME --role erp
mutabik status                  tenants, keys, and every service's readiness
mutabik demo load --key KEY     the demo data, into the key's tenant of a running system
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import httpx

from shared.auth import Role
from shared.logging import configure_logging
from shared.settings import sqlite_url


def _data_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("MUTABIK_DATA_DIR", "data")).resolve()


def _reconciliation_url(args: argparse.Namespace) -> str:
    return (
        args.database_url
        or os.environ.get("MUTABIK_RECONCILIATION_DATABASE_URL")
        or sqlite_url(_data_dir(args.data_dir), "reconciliation")
    )


def cmd_up(args: argparse.Namespace) -> None:
    from .up import UpOptions, run_up

    configure_logging(args.log_level, json=False)
    run_up(UpOptions.of(args, _data_dir(args.data_dir)))


def cmd_demo_load(args: argparse.Namespace) -> int:
    from .demo import DemoLoadError, load_demo

    async def run() -> None:
        headers = {"Authorization": f"Bearer {args.key}"}
        async with httpx.AsyncClient(base_url=args.url, headers=headers, timeout=60) as client:
            summary = await load_demo(client)
        print("Demo data loaded:\n" + "\n".join(f"  {line}" for line in summary.lines()))

    try:
        asyncio.run(run())
    except (DemoLoadError, httpx.HTTPError) as exc:
        print(f"mutabik: the demo could not be loaded: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_distributed(args: argparse.Namespace) -> None:
    from .distributed import DistributedConfig, run

    link_base = f"http://127.0.0.1:{args.port}/portal/letters/"
    os.environ.setdefault("MUTABIK_NOTIFIER_PORTAL_LINK_BASE", link_base)
    run(
        DistributedConfig(
            postgres_url=args.postgres_url,
            amqp_url=args.amqp_url,
            gateway_port=args.port,
            base_port=args.base_port,
        )
    )


def cmd_tenant_create(args: argparse.Namespace) -> None:
    from .tenants import new_tenant_with_key, reconciliation_uow

    async def run() -> None:
        async with reconciliation_uow(_reconciliation_url(args)) as uow:
            tenant_id, key = await new_tenant_with_key(uow, args.name, label=args.label)
        print(f"tenant  {args.name}  {tenant_id}\nadmin key (shown once):\n{key.api_key}")

    asyncio.run(run())


def cmd_key_create(args: argparse.Namespace) -> None:
    from .tenants import new_key, reconciliation_uow

    async def run() -> None:
        async with reconciliation_uow(_reconciliation_url(args)) as uow:
            key = await new_key(
                uow, args.tenant, Role(args.role), label=args.label, user_email=args.user_email
            )
        print(f"{key.role} key {key.key_id} (shown once):\n{key.api_key}")

    asyncio.run(run())


def cmd_status(args: argparse.Namespace) -> int:
    from .services import SERVICES
    from .tenants import reconciliation_uow

    async def tenants() -> None:
        async with reconciliation_uow(_reconciliation_url(args)) as uow:
            counts = await uow.identity.key_counts()
            rows = await uow.identity.tenants()
        print(f"{len(rows)} tenant(s)")
        for tenant in rows:
            print(f"  {tenant.name:30} {tenant.id}  active keys: {counts.get(tenant.id, 0)}")

    asyncio.run(tenants())
    healthy = True
    print(f"services at {args.url}:")
    for service in SERVICES:
        try:
            answer = httpx.get(f"{args.url}/{service}/readyz", timeout=3)
            body = answer.json()
            state = (
                f"{body.get('status')} (database {body.get('database')}, bus {body.get('bus')}, "
                f"outbox backlog {body.get('outbox_backlog')})"
            )
            healthy &= answer.status_code == 200
        except (httpx.HTTPError, ValueError) as exc:
            state, healthy = f"unreachable ({type(exc).__name__})", False
        print(f"  {service:15} {state}")
    return 0 if healthy else 1


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="mutabik", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = main.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run all services in one process (embedded mode)")
    up.add_argument(
        "--data-dir", help="folder of the SQLite files (default ./data or $MUTABIK_DATA_DIR)"
    )
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--tenant", default="demo", help="name of the tenant created on first start")
    up.add_argument(
        "--empty",
        action="store_true",
        help="leave the first tenant empty (no demo data); also MUTABIK_DEMO=0",
    )
    up.add_argument("--log-level", default="WARNING")
    up.set_defaults(func=cmd_up)

    dist = sub.add_parser(
        "distributed", help="run each service as its own process, plus the gateway"
    )
    dist.add_argument(
        "--postgres-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    dist.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/")
    dist.add_argument("--port", type=int, default=8000, help="gateway port")
    dist.add_argument(
        "--base-port", type=int, default=8100, help="services listen on base+1..base+5"
    )
    dist.set_defaults(func=cmd_distributed)

    def with_database(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--database-url",
            help="reconciliation's database (default: the embedded SQLite "
            "file, or $MUTABIK_RECONCILIATION_DATABASE_URL)",
        )
        p.add_argument("--data-dir")

    tenant = sub.add_parser("tenant", help="tenants").add_subparsers(dest="action", required=True)
    create = tenant.add_parser("create", help="create a tenant and its first admin key")
    create.add_argument("name")
    create.add_argument("--label", default="first key")
    with_database(create)
    create.set_defaults(func=cmd_tenant_create)

    key = sub.add_parser("key", help="API keys").add_subparsers(dest="action", required=True)
    key_create = key.add_parser("create", help="issue an API key")
    key_create.add_argument("--tenant", required=True, help="tenant name or id")
    key_create.add_argument("--role", required=True, choices=[r.value for r in Role])
    key_create.add_argument("--label", default="")
    key_create.add_argument("--user-email")
    with_database(key_create)
    key_create.set_defaults(func=cmd_key_create)

    status = sub.add_parser("status", help="tenants, keys and readiness of every service")
    status.add_argument("--url", default="http://127.0.0.1:8000")
    with_database(status)
    status.set_defaults(func=cmd_status)

    demo = sub.add_parser("demo", help="demo data").add_subparsers(dest="action", required=True)
    demo_load = demo.add_parser(
        "load", help="load the demo data over the REST API (counterparties, books, statements)"
    )
    demo_load.add_argument("--url", default="http://127.0.0.1:8000", help="the system's root URL")
    demo_load.add_argument("--key", required=True, help="an admin API key of the tenant")
    demo_load.set_defaults(func=cmd_demo_load)
    return main


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        code = 0
    except Exception as exc:  # noqa: BLE001 - the CLI reports errors as one line
        from shared.errors import MutabikError

        if not isinstance(exc, MutabikError):
            raise
        print(f"mutabik: {exc.detail}", file=sys.stderr)
        code = 2
    sys.exit(code or 0)
