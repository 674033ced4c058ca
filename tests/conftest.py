"""Cross-service tests' shared pieces.

``statement_flow``: the statements side as its users drive it, for the embedded and the
distributed tests:
counterparties from reconciliation → statement uploaded to bank-ingest → proposals in matcher →
the operator chooses for the ambiguous line → the ERP pulls and acknowledges the vouchers →
bank-ingest shows the movements exported."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import pytest

from shared.testing import eventually

Call = Callable[..., Awaitable[Any]]
"""``await call(method, path, expect=200, **httpx_kwargs)`` → the JSON answer."""

OUR_IBAN = "TR830006200000000012345678"
OZTURK_IBAN = "TR090004600000000012345678"  # not the smoke test's own account IBAN
STATEMENT = f"""{{1:F01TGBATRISXXXX0000000000}}{{2:O9401200240102TGBATRISXXXX00000000002401021200N}}{{4:
:20:GAR2511030001
:25:{OUR_IBAN}
:28C:1/1
:60F:C251102TRY10000,00
:61:2511031103C15250,00NTRFNONREF//GB25110300001
:86:GELEN EFT ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ. IBAN {OZTURK_IBAN} FATURA NO 12
:61:2511031103D4000,00NTRFNONREF//GB25110300002
:86:GİDEN EFT YILMAZ GIDA SAN VE TIC AS KIRA
:62F:C251103TRY21250,00
-}}
""".encode()


async def statement_to_exported(call: Call, *, within: float = 10.0) -> dict[str, Any]:
    """Runs the flow; returns what every service shows at the end (see ``state``)."""
    await call(
        "PUT",
        "/reconciliation/counterparties",
        json=[
            {"code": "120.01.005", "kind": "customer", "ibans": [OZTURK_IBAN],
             "title": "ÖZTÜRK İNŞAAT TAAHHÜT SAN. VE TİC. LTD. ŞTİ."},
            {"code": "320.01.007", "kind": "supplier", "title": "YILMAZ GIDA SAN. VE TİC. A.Ş."},
            {"code": "320.01.008", "kind": "supplier", "title": "YILMAZ GIDA PAZARLAMA A.Ş."},
        ],
    )  # fmt: skip
    await call("PUT", "/matcher/bank-accounts", json=[{"iban": OUR_IBAN, "code": "102.01.001"}])

    async def matcher_knows_counterparties() -> bool:
        found = await call("GET", "/matcher/accounts/search", params={"q": "320.01.00"})
        return len(found) == 2  # one event brings all three

    # counterparties travel by event; a movement arriving before them would only be proposed
    await eventually(matcher_knows_counterparties, within=within, what="counterparties replicated")
    upload = await call(
        "POST", "/bank-ingest/statements", files={"file": ("garanti.sta", STATEMENT)}, expect=201
    )
    assert upload["movements_new"] == 2

    async def both_arrived() -> bool:
        page = await call("GET", "/matcher/movements")
        return len(page["items"]) == 2

    await eventually(both_arrived, within=within, what="movements reach the matcher")
    worklist = (await call("GET", "/matcher/movements"))["items"]
    incoming, outgoing = sorted(worklist, key=lambda m: m["amount"], reverse=True)
    assert incoming["state"] == "confirmed", (incoming["proposal_note"], incoming["candidates"])
    assert incoming["contra_code"] == "120.01.005"
    assert outgoing["state"] == "proposed"  # two YILMAZ GIDA firms: the operator decides
    assert {c["code"] for c in outgoing["candidates"][:2]} == {"320.01.007", "320.01.008"}

    await call(
        "POST", f"/matcher/movements/{outgoing['id']}/choose",
        json={"kind": "counterparty", "code": "320.01.007"},
    )  # fmt: skip
    ready = (await call("GET", "/matcher/vouchers"))["items"]
    assert len(ready) == 2
    for voucher in ready:
        assert sum(float(line["debit"]) for line in voucher["lines"]) == sum(
            float(line["credit"]) for line in voucher["lines"]
        )
    results = await call(
        "POST",
        "/matcher/vouchers/acknowledge",
        json=[{"id": v["id"], "erp_document_number": f"LOGO-{i}"} for i, v in enumerate(ready)],
    )
    assert all(r["ok"] for r in results["results"])

    async def exported_in_bank_ingest() -> bool:
        page = await call("GET", "/bank-ingest/movements", params={"processed": "true"})
        return len(page["items"]) == 2

    await eventually(
        exported_in_bank_ingest, within=within, what="bank-ingest marks the movements exported"
    )

    return await state(call)


async def state(call: Call) -> dict[str, Any]:
    matcher = await call("GET", "/matcher/movements", params={"state": "exported"})
    vouchers = (await call("GET", "/matcher/vouchers", params={"state": "all"}))["items"]
    processed = await call("GET", "/bank-ingest/movements", params={"processed": "true"})
    counterparties = await call("GET", "/reconciliation/counterparties")
    return {
        "matcher": matcher["counts"],
        "vouchers": sorted((v["id"], v["state"], v["number"]) for v in vouchers),
        "bank_ingest": sorted(m["id"] for m in processed["items"]),
        "counterparties": len(counterparties["items"]),
    }


@pytest.fixture
def statement_flow() -> SimpleNamespace:
    return SimpleNamespace(run=statement_to_exported, state=state)
