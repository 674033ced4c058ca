"""Loads the demo into a tenant over the public REST API, as its ERP and operator would: the
firm's profile, counterparties, chart of accounts, bank accounts and matching rules, the ERP's
books through the Excel templates, then the bank statements — whose movements the matcher
proposes contra accounts for.

Works against any running system: an ``httpx.AsyncClient`` whose base URL is the system's root
(embedded mode in process, or a gateway) and which sends an admin key of the tenant."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from .books import Books, books, fill_template
from .dates import DemoDates
from .files import STATEMENTS, read_json, statement

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EUR_RATE = "35.8000"
"""TRY per euro on the statement days: vouchers of the EUR account carry their TRY amount."""


class DemoLoadError(RuntimeError):
    """A step of the demo load was refused; the message names the call and the answer."""


@dataclass
class DemoSummary:
    """What the demo load stored, and what the matcher made of the statements."""

    counterparties: int = 0
    bank_accounts: int = 0
    statements: int = 0
    bank_movements: int = 0
    erp_movements: int = 0
    babs_rows: int = 0
    periods: list[str] = field(default_factory=list)
    worklist: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        states = ", ".join(f"{n} {state}" for state, n in sorted(self.worklist.items()))
        return [
            f"{self.counterparties} counterparties, {self.bank_accounts} bank accounts, "
            f"the tenant's profile, chart of accounts, matching rules",
            f"{self.statements} bank statements with {self.bank_movements} movements "
            f"(matcher: {states})",
            f"ERP books of {' and '.join(self.periods)}: {self.erp_movements} account movements, "
            f"{self.babs_rows} BA/BS rows",
        ]


class _Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kw) -> Any:
        answer = await self.client.request(method, path, **kw)
        if answer.status_code not in ok:
            raise DemoLoadError(f"{method} {path}: {answer.status_code} {answer.text[:800]}")
        return answer.json() if answer.content else None

    async def until(
        self, probe: Callable[[], Awaitable[bool]], what: str, *, within: float
    ) -> None:
        """Data travels between services by event: wait until ``probe()`` is true."""
        deadline = asyncio.get_running_loop().time() + within
        while not await probe():
            if asyncio.get_running_loop().time() > deadline:
                raise DemoLoadError(f"timed out after {within:g} s waiting until {what}")
            await asyncio.sleep(0.1)


async def load_demo(
    client: httpx.AsyncClient, *, today: date | None = None, within: float = 30.0
) -> DemoSummary:
    """Load the whole demo into the client's tenant. Loading it again changes nothing."""
    api, dates = _Api(client), DemoDates(today or date.today())
    setup, summary = read_json("setup.json"), DemoSummary()
    demo_books = books(read_json("books.json"), dates)
    await api.call("PUT", "/reconciliation/tenant/profile", json=setup["profile"])
    counterparties = read_json("counterparties.json")
    await api.call("PUT", "/reconciliation/counterparties", json=counterparties)
    summary.counterparties = len(counterparties)
    await _directory(api, setup, demo_books, dates)
    for account in setup["bank_accounts"]:
        await api.call(
            "POST", "/bank-ingest/accounts", json=account, ok=(201,),
            headers={"Idempotency-Key": f"demo-account-{account['iban']}"},
        )  # fmt: skip
    summary.bank_accounts = len(setup["bank_accounts"])
    summary.erp_movements = await _import(api, "movements", demo_books.movements)
    summary.babs_rows = await _import(api, "babs", demo_books.babs)
    summary.periods = [f"{dates.month(1):%Y-%m}", f"{dates.month(2):%Y-%m}"]
    await _replicated(api, counterparties, setup["bank_accounts"], within=within)
    await _statements(api, dates, summary, within=within)
    return summary


async def _directory(api: _Api, setup: dict[str, Any], demo: Books, dates: DemoDates) -> None:
    """What matching reads besides the counterparties: the chart of accounts, the ERP's code of
    each bank account (the own-account mapping), open invoices, rules and the euro's rate."""
    await api.call("PUT", "/matcher/ledger-accounts", json=setup["ledger_accounts"])
    await api.call(
        "PUT", "/matcher/bank-accounts",
        json=[{"iban": a["iban"], "code": a["ledger_code"], "name": a["name"],
               "currency": a["currency"]} for a in setup["bank_accounts"]],
    )  # fmt: skip
    await api.call("PUT", "/matcher/open-items", json=demo.open_items)
    for n, rule in enumerate(setup["rules"], start=1):
        await api.call(
            "POST", "/matcher/rules", json=rule, ok=(201,),
            headers={"Idempotency-Key": f"demo-rule-{n}"},
        )  # fmt: skip
    rates = [{"currency": "EUR", "date": day.isoformat(), "rate": EUR_RATE}
             for day in dates.statement_days]  # fmt: skip
    await api.call("PUT", "/matcher/exchange-rates", json=rates)


async def _import(api: _Api, dataset: str, rows: list[dict[str, Any]]) -> int:
    """Download the template, fill it, upload it — the user's way with Excel."""
    template = await api.client.get(f"/reconciliation/templates/{dataset}")
    if template.status_code != 200:
        raise DemoLoadError(f"GET template {dataset}: {template.status_code} {template.text}")
    workbook = fill_template(template.content, rows)
    job = await api.call(
        "POST", f"/reconciliation/imports/{dataset}", params={"wait": "true"},
        files={"file": (f"demo-{dataset}.xlsx", workbook, XLSX)},
    )  # fmt: skip
    return job["rows_stored"]


async def _replicated(
    api: _Api, counterparties: list[dict], accounts: list[dict], *, within: float
) -> None:
    """A movement that reaches the matcher before its counterparty would only be proposed."""

    async def matcher_knows_them() -> bool:
        for party in counterparties:
            answer = await api.client.get(f"/matcher/counterparties/{party['code']}")
            if answer.status_code != 200:
                return False
        own = await api.call("GET", "/matcher/own-accounts")
        return {a["iban"] for a in accounts} <= {a["iban"] for a in own}

    await api.until(matcher_knows_them, "the matcher knows the counterparties", within=within)


async def _statements(api: _Api, dates: DemoDates, summary: DemoSummary, *, within: float) -> None:
    days = dates.statement_days
    for name in STATEMENTS:
        uploaded = await api.call(
            "POST", "/bank-ingest/statements", ok=(201,),
            files={"file": (name, statement(name, dates))},
            headers={"Idempotency-Key": f"demo-statement-{name}-{days[1]:%Y%m%d}"},
        )  # fmt: skip
        summary.statements += uploaded["statement_count"]
        summary.bank_movements += uploaded["movements_new"] + uploaded["movements_duplicate"]

    async def all_proposed() -> bool:
        # with a state given, the counts cover every state (exported too: a second load)
        page = await api.call("GET", "/matcher/movements", params={"state": "exported", "limit": 1})
        summary.worklist = page["counts"]
        return sum(page["counts"].values()) >= summary.bank_movements

    await api.until(all_proposed, "the matcher has every movement", within=within)
