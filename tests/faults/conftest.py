"""Helpers of the fault tests: large inputs, whole listings, the servers' own start and stop.

Each fault test starts the cluster with the ``distributed`` fixture (tests/conftest.py), breaks
one thing while work is under way, and then counts: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import socket
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from schwifty import IBAN

from shared.bus.rabbitmq import RabbitMQBus
from shared.events import Envelope

OWN_IBAN = str(IBAN.generate("TR", bank_code="00062", account_code="0000000000007788"))


def party_iban(n: int) -> str:
    return str(IBAN.generate("TR", bank_code="00046", account_code=f"{n:016d}"))


def counterparties(count: int) -> list[dict[str, Any]]:
    """``count`` customers, each with an IBAN of its own and an e-mail address."""
    return [
        {"code": f"120.01.{n:05d}", "kind": "customer", "title": f"MÜŞTERİ {n:05d} TİC. A.Ş.",
         "ibans": [party_iban(n)], "email": f"muhasebe{n:05d}@musteri.com.tr"}
        for n in range(count)
    ]  # fmt: skip


def mt940(movements: int, *, parties: int, per_statement: int = 400, tag: str = "FLT") -> bytes:
    """``movements`` incoming EFTs from ``parties`` counterparties (each named by its IBAN in
    :86:), in daily statements of ``per_statement`` with balances that add up. ``tag`` starts
    every reference (:20: and the bank's reference of each movement): files with different tags
    share no movement."""
    lines: list[str] = []
    balance = Decimal("100000.00")
    day = date(2024, 1, 1)
    written = number = 0
    while written < movements:
        number += 1
        count = min(per_statement, movements - written)
        lines += [f":20:{tag}{number:08d}", f":25:{OWN_IBAN}", f":28C:{number}/1",
                  f":60F:{_balance(balance, day - timedelta(days=1))}"]  # fmt: skip
        stamp = day.strftime("%y%m%d")
        for i in range(count):
            n = written + i
            amount = Decimal(1000 + n % 9000) + Decimal(n % 100) / 100
            balance += amount
            lines.append(f":61:{stamp}{stamp[2:]}C{_amount(amount)}NTRFNONREF//{tag}-{n:09d}")
            lines.append(f":86:GELEN EFT IBAN {party_iban(n % parties)} FATURA {n}")
        lines.append(f":62F:{_balance(balance, day)}")
        written += count
        day += timedelta(days=1)
    return ("\r\n".join(lines) + "\r\n").encode()


def _amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _balance(amount: Decimal, day: date) -> str:
    return f"C{day.strftime('%y%m%d')}TRY{_amount(amount)}"


async def every_item(
    call: Callable, path: str, *, limit: int = 1000, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a cursor-paged listing, ``limit`` a page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await call("GET", path, params={**params, "limit": limit,
                                               **({"cursor": cursor} if cursor else {})})  # fmt: skip
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def run_command(*command: str, timeout: float = 60) -> str:
    """Runs a server's control command; raises with its output if it fails."""
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout)
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {out.decode()}")
    return out.decode()


async def wait_for(check: Callable[[], Any], *, within: float, what: str, every: float = 0.2):
    """Polls ``check`` (sync or async) until it returns something true; returns that."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within}s")
        await asyncio.sleep(every)


async def publish(run: Any, envelopes: list[Envelope]) -> None:
    """Publishes onto the cluster's exchange the way a service's outbox relay does."""
    bus = RabbitMQBus(run.config.amqp_url, {}, exchange=run.config.exchange,
                      queue_prefix=run.config.queue_prefix)  # fmt: skip
    await bus.start()
    try:
        await bus.publish(envelopes)
    finally:
        await bus.close()


async def events_consumed(run: Any, service: str) -> Counter[tuple[str, str]]:
    """``(event type, outcome)`` → how many, from the service's /metrics (this process's life)."""
    answer = await run.client.get(f"/{service}/metrics")
    assert answer.status_code == 200, answer.text
    counts: Counter[tuple[str, str]] = Counter()
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "mutabik_events_consumed_total":
                counts[(sample.labels["type"], sample.labels["outcome"])] += int(sample.value)
    return counts


async def books_for_a_round(call: Callable, count: int) -> None:
    """The firm's profile, ``count`` customers with e-mail addresses, and one movement each, so a
    balance round has ``count`` letters to send."""
    await call("PUT", "/reconciliation/tenant/profile", json={
        "legal_name": "Demo Gıda San. ve Tic. A.Ş.", "tax_office": "Kozyatağı",
        "tax_id": "4540536920"})  # fmt: skip
    summary = await call("PUT", "/reconciliation/counterparties", json=counterparties(count))
    assert summary["created"] == count, summary
    movements = [
        {"code": f"120.01.{n:05d}", "document_date": "2025-11-20", "amount": f"{100 + n}.25",
         "currency": "TRY", "system_document_no": f"F{n}", "movement_type": 14,
         "control_key": f"K{n}"}
        for n in range(count)
    ]  # fmt: skip
    job = await call("POST", "/reconciliation/imports/movements", params={"wait": "true"},
                     json=movements)  # fmt: skip
    assert job["rows_created"] == count, job


async def send_round(call: Callable, description: str, *, as_of: str = "2025-12-31") -> str:
    """A balance round over every counterparty, sent at once; returns its id."""
    validity = (date.today() + timedelta(days=30)).isoformat()
    created = await call("POST", "/reconciliation/rounds", expect=201, json={
        "kind": "balance", "as_of": as_of, "validity_date": validity,
        "description": description, "send": True})  # fmt: skip
    assert created["excluded"] == [], created["excluded"]
    return created["id"]


async def round_counts(call: Callable, round_id: str) -> dict[str, int]:
    """The round's letters per state, the states with none left out."""
    counts = (await call("GET", f"/reconciliation/rounds/{round_id}"))["counts"]
    return {state: n for state, n in counts.items() if n}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def smtp_server(handler: Any, port: int) -> Controller:
    """A real SMTP server (aiosmtpd) on 127.0.0.1:``port``; ``.stop()`` it."""
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    return controller
