"""BA/BS and balance computation speed on PostgreSQL: 50k counterparties, 1M movements, 1M BA/BS.

    .venv/bin/python bench/babs_compute.py
    .venv/bin/python bench/babs_compute.py --counterparties 10000 --movements 200000

Creates a fresh database (``mutabik_bench_babs``, dropped first, kept afterwards for EXPLAIN),
applies reconciliation's migrations and generates one tenant's books in SQL (generate_series):
counterparties (some sharing a tax number, some without one), account movements over 2024-2025
with openings on 2024-01-01 (type 12) and 2025-01-01 (type 13), reversals, USD rows, two ÖDKs and
codes without a counterparty row; BA/BS movements over the 12 months of 2025 with multi-row
documents, reversals and three series; plus 1% noise of a second tenant. Then VACUUM ANALYZE
and, best of ``--repeat`` after one warm-up, each alternating with its baseline: ``babs()`` for
one month and ``balances()`` at a date against the one hand-written GROUP BY each stands for.
BA/BS reads the month's documents, which an import sums (``babs_documents``); the time that takes
for all months is printed too. Targets: BA/BS ≤ 2× its GROUP BY over the rows; balances for
everyone fast (the raw GROUP BY ≈ 0.3 s on the target machine kind).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402
from service_process import PG, admin  # noqa: E402

from reconciliation.adapters.books import Books  # noqa: E402
from reconciliation.adapters.compute import Scope, babs, balances  # noqa: E402
from reconciliation.main import SPEC  # noqa: E402
from shared.migrations import upgrade_to_head  # noqa: E402

NAME = "mutabik_bench_babs"
TENANT, NOISE = uuid.UUID(int=1), uuid.UUID(int=2)
PERIOD, AT = date(2025, 6, 1), date(2025, 9, 30)
TARGET = 2.0

COUNTERPARTIES = """
INSERT INTO counterparties (id, tenant_id, code, kind, title, email, phone, tax_office, tax_id,
    address, city, postal_code, reconciliation_email, kep_email, active, ibans, aliases, contacts,
    search_text, fingerprint, created_at, updated_at)
SELECT gen_random_uuid(), :tenant, code, kind, title, '', '', '', tax_id, '', '', '',
    'user' || (i % 20) || '@firma.com.tr', '', i % 10 <> 0, '[]', '[]', '[]',
    lower(code || ' ' || title || ' ' || tax_id), md5(i::text), now(), now()
FROM (SELECT i,
        CASE WHEN i % 2 = 0 THEN '120.' ELSE '320.' END || lpad(i::text, 6, '0') AS code,
        CASE WHEN i % 2 = 0 THEN 'customer' ELSE 'supplier' END AS kind,
        'Firma ' || i || ' Ltd. Şti.' AS title,
        CASE WHEN i % 25 = 0 THEN ''  -- no tax number; every 20th shares its neighbour's
             ELSE lpad((CASE WHEN i % 20 = 1 THEN i - 1 ELSE i END)::text, 10, '0') END AS tax_id
      FROM generate_series(1, :n) AS i) AS s
"""

MOVEMENTS = """
INSERT INTO account_movements (tenant_id, control_key, code, kind, balance_date, document_date,
    record_date, entry_date, document_no, description, amount, local_amount, currency, odk,
    system_document_no, reverses, movement_type, import_id)
SELECT :tenant, 'K' || i, code, NULL, day, day - (kind = 13)::int, day, NULL, 'GIB' || i, '',
    amount, CASE WHEN usd THEN amount * 38.5 ELSE amount END, CASE WHEN usd THEN 'USD' ELSE 'TRY' END,
    CASE WHEN i % 10 = 7 THEN 'Cek' ELSE 'Genel' END, 'S' || i,
    CASE WHEN i % 33 = 5 THEN 'S' || (i - 1) END, kind, :tenant
FROM (SELECT i,
        CASE WHEN i % 50 = 0 THEN '999.' || lpad((i % 997)::text, 6, '0')
             ELSE CASE WHEN (i % :n) % 2 = 1 THEN '120.' ELSE '320.' END
                  || lpad((i % :n + 1)::text, 6, '0') END AS code,
        CASE WHEN i <= :n THEN 12 WHEN i <= 2 * :n THEN 13 ELSE 14 END AS kind,
        CASE WHEN i <= :n THEN date '2024-01-01' WHEN i <= 2 * :n THEN date '2025-01-01'
             ELSE date '2024-01-01' + (i::bigint * 7919 % 731)::int END AS day,
        round(((i::bigint * 104729 % 2000000) - 800000) / 100.0, 2) AS amount,
        i % 10 = 3 AS usd
      FROM generate_series(1, :m) AS i) AS s
"""

BABS = """
INSERT INTO babs_movements (tenant_id, control_key, code, kind, period, document_date,
    record_date, entry_date, document_no, series, base_amount, system_document_no, reverses, form,
    import_id)
SELECT :tenant, 'B' || i, code, NULL, period, period + src % 28, period + src % 28, NULL,
    series || src, series, amount, CASE WHEN rev THEN 'R' || i ELSE 'D' || src END,
    CASE WHEN rev THEN 'D' || src END, CASE WHEN code LIKE '120.%' THEN 'BS' ELSE 'BA' END,
    :tenant
FROM (SELECT i, src, rev,
        CASE WHEN src::bigint * 7919 % 1000003 % :n % 2 = 1 THEN '120.' ELSE '320.' END
            || lpad((src::bigint * 7919 % 1000003 % :n + 1)::text, 6, '0') AS code,
        (date '2025-01-01' + make_interval(months => ((src - 1)::bigint * 12 / :m)::int))::date
            AS period,  -- a month's rows stored together, as imported month by month
        CASE WHEN src % 20 < 16 THEN 'GIB' WHEN src % 20 < 19 THEN 'ABC' ELSE 'EAR' END AS series,
        round(exp(ln(100) + (src::bigint * 7919 % 100000) / 100000.0 * ln(600))::numeric, 2)
            * CASE WHEN rev THEN -1 ELSE 1 END AS amount
      FROM (SELECT i, i % 50 = 3 AS rev,
                   CASE WHEN i % 10 = 0 OR i % 50 = 3 THEN i - 1 ELSE i END AS src
            FROM generate_series(1, :m) AS i) AS g) AS s
"""


async def prepare(counterparties: int, movements: int, babs_rows: int) -> str:
    await admin(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await admin(f'CREATE DATABASE "{NAME}"')
    url = f"{PG}/{NAME}"
    engine = create_async_engine(url)
    await upgrade_to_head(engine, SPEC.migrations)
    async with engine.begin() as connection:
        for tenant, share in ((TENANT, 1), (NOISE, 100)):
            sizes = {"n": counterparties // share, "tenant": tenant}
            await connection.execute(text(COUNTERPARTIES), sizes)
            await connection.execute(text(MOVEMENTS), sizes | {"m": movements // share})
            await connection.execute(text(BABS), sizes | {"m": babs_rows // share})
    # What an import of these BA/BS rows does last, in its transaction: sum the months' documents.
    started = time.perf_counter()
    async with AsyncSession(engine) as session:
        for tenant in (TENANT, NOISE):
            months = await session.scalars(
                text("SELECT DISTINCT period FROM babs_movements WHERE tenant_id = :t"),
                {"t": tenant},
            )
            await Books(session).refresh_documents(tenant, set(months))
        await session.commit()
    print(f"BA/BS documents of all months summed in {time.perf_counter() - started:.2f} s "
          "(done by each BA/BS import for the months it touches)")  # fmt: skip
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))
    await engine.dispose()
    return url


Run = Callable[[], Awaitable[int]]


async def best_pair(run: Run, base: Run, repeat: int) -> tuple[float, int, float, int]:
    """(seconds, rows) of the fastest of ``repeat`` runs of each, after one warm-up each. The two
    alternate, so a change in the machine's load hits both alike."""
    rows, base_rows = await run(), await base()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for function, spent in ((base, times[1]), (run, times[0])):
            started = time.perf_counter()
            await function()
            spent.append(time.perf_counter() - started)
    return min(times[0]), rows, min(times[1]), base_rows


def cases(session: AsyncSession) -> list[tuple[str, Run, str, Run]]:
    """(label, run, baseline label, baseline) of every measurement."""

    def raw(sql: str, **params) -> Run:
        async def run() -> int:
            return len((await session.execute(text(sql), params)).all())

        return run

    def call(function, *args, **kwargs) -> Run:
        async def run() -> int:
            return len(await function(session, TENANT, *args, **kwargs))

        return run

    by_form = "BA/BS GROUP BY", raw(
        "SELECT code, form, count(*), sum(base_amount) FROM babs_movements "
        "WHERE tenant_id = :t AND period = :p GROUP BY code, form",
        t=TENANT, p=PERIOD,
    )  # fmt: skip
    by_currency = "balance GROUP BY", raw(
        "SELECT code, currency, sum(amount), sum(local_amount) FROM account_movements "
        "WHERE tenant_id = :t AND balance_date <= :d GROUP BY code, currency",
        t=TENANT, d=AT,
    )  # fmt: skip
    return [
        ("babs() defaults", call(babs, PERIOD, Scope()), *by_form),
        ("babs() merged by tax id", call(babs, PERIOD, Scope(), merge_by_tax_id=True), *by_form),
        ("babs() series ABC out", call(babs, PERIOD, Scope(), excluded_series={"ABC"}), *by_form),
        ("babs() threshold 0", call(babs, PERIOD, Scope(), threshold=Decimal(0)), *by_form),
        ("balances() everyone", call(balances, AT, Scope()), *by_currency),
        ("balances() ÖDK Genel", call(balances, AT, Scope(), odk_in={"Genel"}), *by_currency),
        ("balances() first 100", call(balances, AT, Scope(), limit=100), *by_currency),
        ("balances() one user's",
         call(balances, AT, Scope(responsible_email="user7@firma.com.tr")), *by_currency),
    ]  # fmt: skip


async def measure(url: str, repeat: int) -> list[Figure]:
    engine = create_async_engine(url)
    results = []
    async with AsyncSession(engine) as session:
        print(f"{'query':<28}{'rows':>8}{'s':>9}{'baseline':>20}{'rows':>8}{'s':>9}{'ratio':>7}")
        for label, run, base_label, base in cases(session):
            seconds, rows, base_seconds, base_rows = await best_pair(run, base, repeat)
            print(f"{label:<28}{rows:>8}{seconds:>9.3f}{base_label:>20}{base_rows:>8}"
                  f"{base_seconds:>9.3f}{seconds / base_seconds:>7.2f}", flush=True)  # fmt: skip
            ratio = seconds / base_seconds
            babs_target = (f"ratio ≤ {TARGET:.0f}", ratio <= TARGET)
            results.append(Figure(
                label, seconds, "s", base_label, base_seconds, ratio,
                *(babs_target if label.startswith("babs") else ("", None)),
            ))  # fmt: skip
    await engine.dispose()
    print(f"target: BA/BS ratio ≤ {TARGET:.0f}×; balances for everyone fast (raw ≈ 0.3 s)")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counterparties", type=int, default=50_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--babs", type=int, default=1_000_000, help="BA/BS movements")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure the existing database")
    add_json_option(parser)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.reuse:
        url = f"{PG}/{NAME}"
    else:
        sizes = (args.counterparties, args.movements, args.babs)
        url = asyncio.run(prepare(*sizes))
    print(f"{args.counterparties} counterparties, {args.movements} movements, {args.babs} BA/BS "
          f"rows ready in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    results = asyncio.run(measure(url, args.repeat))
    sizes = {"babs": f"{args.babs:,} BA/BS rows", "balances": f"{args.movements:,} movements"}
    write_json(args.json, "babs_compute", [
        replace(f, name=f"{f.name}, {sizes[f.name.partition('(')[0]]}") for f in results
    ])  # fmt: skip


if __name__ == "__main__":
    main()
