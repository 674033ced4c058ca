"""The demo data (valid identifiers, a calendar relative to today), its load over the REST API
into embedded mode (what it stores, what the matcher makes of it, loading twice changes
nothing), the ``up`` options, and the local SMTP sink's outbox page."""

from __future__ import annotations

import argparse
import json
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from schwifty import IBAN
from stdnum.tr import tckimlik, vkn

from mutabik.demo import load_demo
from mutabik.demo.dates import DemoDates
from mutabik.demo.files import STATEMENTS, read_json, statement
from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.outbox import OutboxSink
from mutabik.tenants import new_tenant_with_key
from mutabik.up import UpOptions

TODAY = date(2026, 3, 4)


def test_every_identifier_of_the_demo_is_valid() -> None:
    setup, parties = read_json("setup.json"), read_json("counterparties.json")
    ibans = [a["iban"] for a in setup["bank_accounts"]]
    ibans += [iban for party in parties for iban in party.get("ibans", [])]
    for iban in ibans:
        IBAN(iban)  # raises on a bad check digit or bank code
    tax_ids = [setup["profile"]["tax_id"]] + [p["tax_id"] for p in parties if p.get("tax_id")]
    for tax_id in tax_ids:
        assert vkn.is_valid(tax_id) or tckimlik.is_valid(tax_id), tax_id
    addresses = [p[k] for p in parties for k in ("email", "reconciliation_email") if p.get(k)]
    addresses += [c["email"] for p in parties for c in p.get("contacts", [])]
    # letters may leave through a real SMTP server: no address may exist
    assert all(a.split("@")[1].endswith("example.com") for a in addresses), addresses


def test_the_calendar_is_the_two_months_before_today() -> None:
    dates = DemoDates(date(2026, 1, 15))
    assert (dates.month(1), dates.month(2)) == (date(2025, 11, 1), date(2025, 12, 1))
    assert (dates.period(1), dates.period(2)) == ("2025-11-Kasım", "2025-12-Aralık")
    for today in (date(2026, 1, 1), TODAY, date(2026, 12, 31)):
        days = DemoDates(today).statement_days
        assert days == sorted(days) and len(set(days)) == 4
        assert all(d.weekday() < 5 and d < today.replace(day=1) for d in days)
        assert all(d.month == DemoDates(today).month(2).month for d in days[1:])
    fields = DemoDates(TODAY).statement_fields()
    for name in STATEMENTS:
        text = statement(name, DemoDates(TODAY)).decode()
        assert "${" not in text and (fields["d2"] in text or fields["d3_iso"] in text), name


def test_up_options_empty_flag_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    args = argparse.Namespace(empty=False, host="127.0.0.1", port=8000, tenant="demo",
                              log_level="WARNING")  # fmt: skip
    monkeypatch.delenv("MUTABIK_DEMO", raising=False)
    assert UpOptions.of(args, Path("data")).demo
    assert not UpOptions.of(argparse.Namespace(**{**vars(args), "empty": True}), Path()).demo
    for off in ("0", "false", "Off"):
        monkeypatch.setenv("MUTABIK_DEMO", off)
        assert not UpOptions.of(args, Path()).demo
    monkeypatch.setenv("MUTABIK_DEMO", "1")
    assert UpOptions.of(args, Path()).demo


async def test_the_demo_loads_over_the_api_once(tmp_path: Path) -> None:
    root, apps = embedded_system(tmp_path, retry_delays=(0.05, 0.1))
    async with root.router.lifespan_context(root):
        async with apps["reconciliation"].state.runtime.new_uow() as uow:
            _, issued = await new_tenant_with_key(uow, "demo")
        await wait_until_key_works(apps, issued.api_key)
        headers = {"Authorization": f"Bearer {issued.api_key}"}
        transport = httpx.ASGITransport(app=root)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://demo", headers=headers, timeout=30
        ) as client:
            summary = await load_demo(client, today=TODAY)
            assert (summary.counterparties, summary.bank_accounts) == (13, 3)
            assert (summary.statements, summary.bank_movements) == (4, 18)
            assert (summary.erp_movements, summary.babs_rows) == (35, 22)
            assert summary.worklist == {"confirmed": 14, "proposed": 2, "unmatched": 2}
            await _what_the_demo_shows(client)
            before = await _everything(client)

            again = await load_demo(client, today=TODAY)
            assert again.worklist == summary.worklist
            assert await _everything(client) == before


async def _what_the_demo_shows(client: httpx.AsyncClient) -> None:
    statements = (await client.get("/bank-ingest/statements")).json()["items"]
    assert [s["balance_check"] for s in statements] == ["balanced"] * 4
    proposed = (await client.get("/matcher/movements", params={"state": "proposed"})).json()
    by_text = {m["description"].split()[2]: m for m in proposed["items"]}
    assert {c["code"] for c in by_text["YILMAZ"]["candidates"][:2]} == {"320.01.001", "320.01.002"}
    assert by_text["HASAN"]["candidates"][0]["confidence"] < 0.95  # a lookalike, not a match
    virman = (await client.get("/matcher/movements", params={"amount_min": 60000})).json()
    assert [(m["document_type"], m["contra_code"]) for m in virman["items"]] == [
        ("virman", "102.01.001")
    ]
    balances = (await client.get("/reconciliation/balances", params={"at": "2026-02-28"})).json()
    balance = {b["code"]: b["balance_try"] for b in balances["items"]}
    assert balance["120.01.001"] == "74400.00" and balance["320.01.003"] == "-36000.00"
    assert balance["120.02.001"] == "353780.00"  # 9,800 EUR at 36.10
    babs = (await client.get("/reconciliation/babs", params={"period": "2026-02"})).json()
    lines = {line["key"]: line for line in babs["lines"]}
    assert lines["120.01.001"]["bs"] == {"count": 1, "total": "52000.00"}
    assert "120.01.005" not in lines and "320.01.006" not in lines  # below 5,000 TRY
    tenant = (await client.get("/reconciliation/tenant")).json()
    assert "Demo Gıda San. ve Tic. A.Ş." in json.dumps(tenant, ensure_ascii=False)


async def _everything(client: httpx.AsyncClient) -> dict[str, object]:
    paths = {
        "counterparties": "/reconciliation/counterparties",
        "accounts": "/bank-ingest/accounts",
        "movements": "/bank-ingest/movements?limit=500",
        "worklist": "/matcher/movements?state=exported&limit=1",
        "vouchers": "/matcher/vouchers?state=all&limit=500",
        "rules": "/matcher/rules",
        "balances": "/reconciliation/balances?at=2026-02-28",
        "babs": "/reconciliation/babs?period=2026-01",
    }
    seen: dict[str, object] = {}
    for name, path in paths.items():
        answer = (await client.get(path)).json()
        seen[name] = answer["counts"] if name == "worklist" else answer
    return seen


# -- the outbox ------------------------------------------------------------------------------------

PORTAL_LINK = "http://127.0.0.1:8000/portal/letters/AbCdEf0123456789_-AbCdEf0123456789_-AbCdEf0"


def letter() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Mutabık <mutabik@localhost>"
    message["To"] = "muhasebe@ozturkinsaat.example.com"
    message["Subject"] = 'Öztürk & "Oğulları" <mutabakat>'
    message.set_content(f"Sayın Öztürk İnşaat,\n\nYanıtlamak için:\n{PORTAL_LINK}\n")
    message.add_alternative(
        '<p onclick="steal()">Merhaba</p><script>alert("x")</script>'
        f'<a href="{PORTAL_LINK}">Yanıtla</a>',
        subtype="html",
    )
    return message


async def test_an_email_to_the_sink_is_shown_in_the_outbox_safely(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    sink = OutboxSink(folder)
    async with sink.serving():
        await aiosmtplib.send(letter(), hostname=sink.host, port=sink.port, timeout=10)
    [kept] = list(folder.glob("*.eml"))

    root, _ = embedded_system(tmp_path, outbox=folder)  # pages only: no lifespan needed
    transport = httpx.ASGITransport(app=root)
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        assert 'href="/outbox"' in (await client.get("/")).text
        listing = await client.get("/outbox")
        assert listing.status_code == 200 and "1 e-mail(s)" in listing.text
        assert "muhasebe@ozturkinsaat.example.com" in listing.text
        assert "Öztürk &amp; &quot;Oğulları&quot; &lt;mutabakat&gt;" in listing.text
        assert f'href="/outbox/{kept.name}"' in listing.text

        page = await client.get(f"/outbox/{kept.name}")
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        assert f'<a href="{PORTAL_LINK}" rel="noreferrer">{PORTAL_LINK}</a>' in page.text
        assert '<iframe sandbox="" ' in page.text
        # the e-mail's HTML never reaches the page as markup, only escaped
        assert "<script>alert" not in page.text and "<p onclick" not in page.text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text

        raw = await client.get(f"/outbox/{kept.name}/raw")
        assert raw.headers["content-type"].startswith("text/plain") and b"X-Mutabik" in raw.content
        for bad in ("nope.eml", "..%2F..%2Fetc%2Fpasswd", f"{kept.name[:-4]}.txt"):
            assert (await client.get(f"/outbox/{bad}")).status_code == 404

    # the sink of the next start keeps the same folder: the message is still listed
    async with OutboxSink(folder).serving():
        pass
    assert list(folder.glob("*.eml")) == [kept]


async def test_without_a_sink_there_is_no_outbox_page(tmp_path: Path) -> None:
    root, _ = embedded_system(tmp_path)
    transport = httpx.ASGITransport(app=root)
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
        assert "/outbox" not in (await client.get("/")).text
        assert (await client.get("/outbox")).status_code == 404
