"""A tenant with one of everything, made through the real flows over HTTP: counterparties, a
statement (its import, account, movements), matcher's movements, voucher, rule and webhook, a
connection and its refresh job, an import of the ERP's books, a sent round with its letters (one
answered on the portal, with a file), a letter template, SMTP settings and a second API key.

``World.ids`` names each resource by the path parameter that takes it, per service: the attack
tests fill every route's path from it."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from schwifty import IBAN

from shared.portal_links import letter_token

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def tr_iban(n: int) -> str:
    return str(IBAN.generate("TR", bank_code="00061", account_code=f"{n:016d}"))


def statement(own_iban: str, payer_iban: str, number: str, marker: str) -> bytes:
    """An MT940 statement: one payment from the counterparty (matched by its IBAN, so a voucher
    is made at once), one to nobody the books know (left for the operator)."""
    lines = [
        f":20:ATK{number}", f":25:{own_iban}", f":28C:{number}/1", ":60F:C251102TRY10000,00",
        ":61:2511031103C15250,00NTRFNONREF//GB25110300001",
        f":86:GELEN EFT {marker.upper()} IBAN {payer_iban} FATURA 12",
        ":61:2511031103D4000,00NTRFNONREF//GB25110300002",
        ":86:GIDEN EFT BILINMEYEN ALICI KIRA",
        ":62F:C251103TRY21250,00",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode()


def tiny_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Bakiyemiz 1000,00")
    return bytes(pdf.output())


@dataclass
class World:
    """What one tenant made; ``ids[(service, parameter)]`` is the value for that path
    parameter (``code`` of the counterparty; the transaction code has its own entry)."""

    headers: dict[str, str]
    marker: str
    """In the tenant's data (a counterparty's title, a template, SMTP settings, a webhook): no
    other tenant may ever be shown it."""
    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    """Values that must appear in no other tenant's answer and in no log line."""


Call = Callable[..., Awaitable[Any]]


async def eventually(probe: Callable[[], Awaitable[bool]], what: str, within: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await probe():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {within}s waiting until {what}")
        await asyncio.sleep(0.05)


async def build_world(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    secret_key: str,
    folder: Path,
    marker: str,
    n: int = 1,
    smtp: dict[str, Any] | None = None,
) -> World:
    """Everything of one tenant (admin ``headers``). ``n`` keeps IBANs apart between tenants;
    ``secret_key`` is the portal's, to open the answered letter's link; ``smtp`` the settings
    to store (a harmless default otherwise)."""
    world = World(headers, marker)

    async def call(method: str, path: str, *, expect: int | tuple[int, ...] = 200, **kw) -> Any:
        response = await client.request(method, path, headers=headers, **kw)
        wanted = (expect,) if isinstance(expect, int) else expect
        assert response.status_code in wanted, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    own, payer = tr_iban(1000 + n), tr_iban(2000 + n)
    code = f"120.77.{n:03d}"
    await _books(call, world, code=code, payer=payer, own=own)
    await _statement(call, world, own=own, payer=payer, number=f"{n}")
    await _matcher(call, world, code=code)
    await _connection(call, world, folder=folder)
    await _round(call, world, code=code)
    await _notifier(call, world, smtp=smtp)
    issued = await call("POST", "/reconciliation/api-keys", expect=201,
                        json={"role": "erp", "label": "Logo"})  # fmt: skip
    world.ids["reconciliation", "key_id"] = issued["key_id"]
    world.secrets["erp_api_key"] = issued["api_key"]
    world.secrets["api_key"] = headers["Authorization"].removeprefix("Bearer ")
    await _portal_answer(client, call, world, secret_key=secret_key)
    return world


async def _books(call: Call, world: World, *, code: str, payer: str, own: str) -> None:
    marker = world.marker
    await call("PUT", "/reconciliation/tenant/profile", json={
        "legal_name": f"{marker} A.Ş.", "tax_office": "Kozyatağı", "tax_id": "4540536920"})  # fmt: skip
    await call("PUT", "/reconciliation/counterparties", json=[
        {"code": code, "kind": "customer", "title": f"{marker} İnşaat Ltd. Şti.",
         "ibans": [payer], "email": "muhasebe@zeta.example.com.tr"},
    ])  # fmt: skip
    await call("PUT", "/matcher/bank-accounts", json=[{"iban": own, "code": "102.01.001"}])
    await call("PUT", "/matcher/ledger-accounts", json=[{"code": "770.01", "name": "Kira"}])

    async def matcher_knows_it() -> bool:
        response = await call("GET", f"/matcher/counterparties/{code}", expect=(200, 404))
        return bool(response and response.get("code") == code)

    await eventually(matcher_knows_it, "the counterparty reaches the matcher")


async def _statement(call: Call, world: World, *, own: str, payer: str, number: str) -> None:
    content = statement(own, payer, number, world.marker)
    upload = await call("POST", "/bank-ingest/statements", expect=201,
                        files={"file": ("ekstre.sta", content)})  # fmt: skip
    assert upload["movements_new"] == 2, upload
    [account] = (await call("GET", "/bank-ingest/accounts"))["items"]
    movements = (await call("GET", "/bank-ingest/movements"))["items"]
    world.ids.update({
        ("bank-ingest", "import_id"): upload["id"],
        ("bank-ingest", "statement_id"): upload["statements"][0]["statement_id"],
        ("bank-ingest", "account_id"): account["id"],
        ("bank-ingest", "movement_id"): movements[0]["id"],
    })  # fmt: skip

    async def both_arrived() -> bool:
        return len((await call("GET", "/matcher/movements"))["items"]) == 2

    await eventually(both_arrived, "the movements reach the matcher")


async def _matcher(call: Call, world: World, *, code: str) -> None:
    worklist = (await call("GET", "/matcher/movements"))["items"]
    open_one = next(m for m in worklist if m["state"] != "confirmed")
    vouchers = (await call("GET", "/matcher/vouchers"))["items"]
    assert vouchers, worklist
    rule = await call("POST", "/matcher/rules", expect=201, json={
        "kind": "contains", "pattern": "KIRA", "target_kind": "ledger", "target_code": "770.01",
        "direction": "outgoing"})  # fmt: skip
    hook = await call("POST", "/matcher/webhooks", expect=201,
                      json={"url": "http://127.0.0.1:9/zeta-hook", "description": world.marker})  # fmt: skip
    await call("PUT", "/matcher/transaction-codes/NZET", json={"document_type": "bank_fee"})
    world.ids.update({
        ("matcher", "movement_id"): open_one["id"],
        ("matcher", "voucher_id"): vouchers[0]["id"],
        ("matcher", "rule_id"): str(rule["id"]),
        ("matcher", "webhook_id"): hook["id"],
        ("matcher", "code"): code,
        ("matcher", "transaction_code"): "NZET",
    })  # fmt: skip


async def _connection(call: Call, world: World, *, folder: Path) -> None:
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    connection = await call("POST", "/bank-ingest/connections", expect=201, json={
        "name": f"{world.marker} klasör", "kind": "folder",
        "source": {"kind": "folder", "path": str(folder)}})  # fmt: skip
    job = await call("POST", f"/bank-ingest/connections/{connection['id']}/refresh", expect=202)
    world.ids.update({
        ("bank-ingest", "connection_id"): connection["id"],
        ("bank-ingest", "job_id"): job["id"],
    })  # fmt: skip


async def _round(call: Call, world: World, *, code: str) -> None:
    imported = await call("POST", "/reconciliation/imports/movements", params={"wait": "true"},
                          json=[{"code": code, "document_date": "2025-11-20", "amount": "1234.56",
                                 "currency": "TRY", "system_document_no": "S1",
                                 "movement_type": 14, "control_key": "ZK1"}])  # fmt: skip
    created = await call("POST", "/reconciliation/rounds", expect=201, json={
        "kind": "balance", "as_of": "2025-12-31",
        "validity_date": (date.today() + timedelta(days=7)).isoformat(),
        "description": f"{world.marker} mutabakatı", "send": True})  # fmt: skip
    letters = (await call("GET", f"/reconciliation/rounds/{created['id']}/letters"))["items"]
    world.ids.update({
        ("reconciliation", "import_id"): imported["id"],
        ("reconciliation", "round_id"): created["id"],
        ("reconciliation", "letter_id"): letters[0]["id"],
        ("reconciliation", "code"): code,
        ("portal", "letter_id"): letters[0]["id"],
        ("notifier", "letter_id"): letters[0]["id"],
        ("notifier", "round_id"): created["id"],
    })  # fmt: skip


async def _notifier(call: Call, world: World, *, smtp: dict[str, Any] | None) -> None:
    await call("PUT", "/notifier/letter-templates/tr",
               json={"subject": f"{world.marker}: {{{{ subject }}}}"})  # fmt: skip
    password = f"smtp-{uuid.uuid4().hex}"
    settings = smtp or {
        "host": "smtp.zeta.example.com.tr", "port": 587, "security": "starttls",
        "username": "mutabakat@zeta.example.com.tr", "password": password,
        "sender_name": world.marker, "sender_address": "mutabakat@zeta.example.com.tr",
    }  # fmt: skip
    await call("PUT", "/notifier/smtp-settings", json=settings)
    world.secrets["smtp_password"] = settings["password"]


async def _portal_answer(
    client: httpx.AsyncClient, call: Call, world: World, *, secret_key: str
) -> None:
    """The counterparty opens its link and disagrees, with a PDF."""
    letter_id = world.ids["portal", "letter_id"]

    async def portal_has_it() -> bool:
        return bool(await call("GET", f"/portal/answers/{letter_id}", expect=(200, 404)))

    await eventually(portal_has_it, "the letter reaches the portal")
    token = letter_token(secret_key, uuid.UUID(letter_id))
    world.secrets["portal_token"] = token
    page = await client.get(f"/portal/letters/{token}")
    assert page.status_code == 200, page.text
    found = CSRF_FIELD.search(page.text)
    assert found, page.text
    answered = await client.post(
        f"/portal/letters/{token}/answer",
        data={"csrf_token": found.group(1), "answer": "disagreed", "reason": "Fatura eksik",
              "answered_by": "Ayşe Yılmaz", "answered_title": "Muhasebe"},
        files={"attachment": ("mutabakat.pdf", tiny_pdf(), "application/pdf")},
    )  # fmt: skip
    assert answered.status_code == 303, answered.text

    async def answered_in_reconciliation() -> bool:
        letter = await call(
            "GET", f"/reconciliation/letters/{world.ids['reconciliation', 'letter_id']}"
        )
        return letter["state"] == "disagreed"

    await eventually(answered_in_reconciliation, "the answer reaches reconciliation")
