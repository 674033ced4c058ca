"""Voucher issuing speed: a statement's movements auto-confirmed with and without their vouchers.

    .venv/bin/python bench/voucher_issue.py                     # 10,000 movements, PostgreSQL
    .venv/bin/python bench/voucher_issue.py --movements 2000 --database sqlite

The matcher app runs alone in this process (its lifespan: migrations, consumers; the in-process
bus) on a throwaway PostgreSQL database (or a SQLite file). Its tenant knows 500 counterparties
by IBAN; every movement comes from one of them, so each is auto-confirmed. The movements arrive
as ``bank_ingest.movements.recorded`` events of 1,000, as bank-ingest sends them; the time is
from the first event published to the last one handled (its id in the inbox).

With vouchers, the bank account has its ERP code (``PUT /bank-accounts``) so every confirmed
movement gets its voucher in the same transaction. The baseline is the same run without the code:
the movements reach the worklist, none is booked, no voucher. Ratio: with / without (1 would mean
vouchers cost nothing). Target: ≥ 0.4.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402
from service_process import PG, admin  # noqa: E402

from matcher.adapters.voucher_tables import Voucher  # noqa: E402
from matcher.main import create_app  # noqa: E402
from matcher.settings import MatcherSettings  # noqa: E402
from shared.auth import Role  # noqa: E402
from shared.bus import SUBSCRIPTIONS  # noqa: E402
from shared.bus.memory import InProcessBus  # noqa: E402
from shared.events import Envelope, MovementsRecorded, RecordedMovement  # noqa: E402
from shared.events.reconciliation import CounterpartiesChanged, CounterpartyRecord  # noqa: E402
from shared.tables import inbox  # noqa: E402
from shared.testing import grant_key, serving  # noqa: E402

BATCH = 1000
COUNTERPARTIES = 500
BANK_CODE = "102.01.001"
TARGET = 0.4
SYLLABLES = ("KA", "LI", "MO", "RE", "TU", "SA", "NE", "BO", "DI", "GU", "PA", "ZE", "FO", "YA")


def iban(bank: int, account: int) -> str:
    """A valid Turkish IBAN (mod-97 check digits)."""
    bban = f"{bank:05d}0{account:016d}"
    check = 98 - int(f"{bban}292700") % 97  # "TR00" moved to the end: T=29, R=27
    return f"TR{check:02d}{bban}"


def name(i: int) -> str:
    """A made-up firm name, unlike the others (so the name alone never makes a close second)."""
    rng = random.Random(i)
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(4)) for _ in range(2))


def counterparties() -> list[CounterpartyRecord]:
    return [
        CounterpartyRecord(
            code=f"120.01.{i:05d}",
            title=f"{name(i)} SANAYI VE TICARET A.S.",
            tax_id=f"{1_000_000_000 + i}",
            ibans=[iban(62, 100_000 + i)],
        )
        for i in range(COUNTERPARTIES)
    ]


def statement(own_iban: str, movements: int, seed: int) -> list[MovementsRecorded]:
    """One statement's movements in events of :data:`BATCH`, each from a known IBAN."""
    rng = random.Random(seed)
    account_id, statement_id = uuid.uuid4(), uuid.uuid4()
    rows = []
    for n in range(movements):
        i = rng.randrange(COUNTERPARTIES)
        amount = Decimal(rng.randrange(100, 5_000_000)) / 100 * rng.choice((1, -1))
        day = date(2024, 1, 1) + timedelta(days=n % 360)
        rows.append(
            RecordedMovement(
                id=uuid.uuid4(),
                booking_date=day,
                value_date=day,
                amount=amount,
                currency="TRY",
                description=f"EFT {name(i)} ODEME {n}",
                bank_reference=f"REF{n}",
                customer_reference="",
                transaction_code="NTRF",
                counterparty_iban=iban(62, 100_000 + i),
                counterparty_name=f"{name(i)} SAN. VE TIC. A.S.",
                counterparty_tax_id="",
                payment_reference="",
            )  # fmt: skip
        )
    return [
        MovementsRecorded(
            account_id=account_id,
            iban=own_iban,
            account_number="6299999",
            ledger_code="",
            statement_id=statement_id,
            movements=rows[start : start + BATCH],
        )  # fmt: skip
        for start in range(0, movements, BATCH)
    ]


async def run(database: str, movements: int, *, vouchers: bool) -> tuple[float, int]:
    """(seconds from the first event to the last handled, vouchers issued)."""
    bus = InProcessBus(SUBSCRIPTIONS)
    await bus.start()
    app = create_app(MatcherSettings(database_url=database), bus=bus)
    tenant = uuid.uuid4()
    own_iban = iban(62, 999_999)
    try:
        async with serving(app) as client:
            sessions = app.state.runtime.sessions
            operator = await grant_key(app, tenant, Role.OPERATOR)
            await _handled(
                bus,
                sessions,
                [_wrap(CounterpartiesChanged(counterparties=counterparties()), tenant)],
            )
            if vouchers:
                response = await client.put(
                    "/bank-accounts",
                    json=[{"iban": own_iban, "code": BANK_CODE, "name": "Bench TL"}],
                    headers=operator,
                )
                response.raise_for_status()
            envelopes = [_wrap(e, tenant) for e in statement(own_iban, movements, seed=1)]
            started = time.perf_counter()
            await _handled(bus, sessions, envelopes)
            elapsed = time.perf_counter() - started
            async with sessions() as session:
                issued = await session.scalar(
                    select(func.count()).select_from(Voucher).where(Voucher.tenant_id == tenant)
                )
    finally:
        await bus.close()
    return elapsed, issued or 0


def _wrap(event, tenant: uuid.UUID) -> Envelope:
    return Envelope.wrap(event, tenant=tenant, correlation_id="bench")


async def _handled(bus: InProcessBus, sessions, envelopes: list[Envelope]) -> None:
    """Publish ``envelopes`` and wait until every one is in matcher's inbox."""
    ids = [e.id for e in envelopes]
    await bus.publish(envelopes)
    while True:
        async with sessions() as session:
            done = await session.scalar(
                select(func.count())
                .select_from(inbox)
                .where(inbox.c.consumer == "matcher", inbox.c.event_id.in_(ids))
            )
        if done == len(ids):
            return
        await asyncio.sleep(0.02)


async def measure(kind: str, movements: int, *, vouchers: bool) -> tuple[float, int]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="mutabik-bench-")) / "matcher.sqlite3"
        return await run(f"sqlite+aiosqlite:///{path}", movements, vouchers=vouchers)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    try:
        return await run(f"{PG}/{name}", movements, vouchers=vouchers)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=10_000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    add_json_option(parser)
    args = parser.parse_args()

    without_s, none = asyncio.run(measure(args.database, args.movements, vouchers=False))
    assert none == 0, none
    with_s, issued = asyncio.run(measure(args.database, args.movements, vouchers=True))
    assert issued == args.movements, f"{issued} vouchers for {args.movements} movements"
    rate, base = args.movements / with_s, args.movements / without_s
    ratio = rate / base
    print(f"{args.movements:,} movements on {args.database}, events of {BATCH:,}:")
    print(f"  without vouchers (baseline): {without_s:6.1f} s  {base:8,.0f} movements/s")
    print(f"  with vouchers:               {with_s:6.1f} s  {rate:8,.0f} movements/s "
          f"({issued:,} vouchers)")  # fmt: skip
    print(f"  ratio with / without: {ratio:.2f} (target ≥ {TARGET})")
    write_json(
        args.json,
        "voucher_issue",
        [
            Figure(
                f"movements auto-confirmed with vouchers ({args.database})",
                rate,
                "movements/s",
                baseline="the same without vouchers",
                baseline_value=base,
                ratio=ratio,
                target=f"ratio ≥ {TARGET}",
                met=ratio >= TARGET,
            )  # fmt: skip
        ],
    )


if __name__ == "__main__":
    main()
