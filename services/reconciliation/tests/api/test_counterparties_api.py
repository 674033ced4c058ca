"""The counterparty directory over HTTP: bulk upsert by code (taken whole or refused whole), the
events that announce it, listing with filters and cursor, and tenant isolation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

from schwifty import IBAN
from stdnum.tr import tckimlik, vkn

from shared.auth import Role
from shared.testing import eventually, grant_key

CHANGED = "reconciliation.counterparties.changed"


def tax_number(n: int) -> str:
    """A valid VKN, distinct for each ``n``."""
    body = f"{n:09d}"
    return body + vkn.calc_check_digit(body)


def tr_iban(n: int) -> str:
    return str(IBAN.generate("TR", bank_code="00061", account_code=f"{n:016d}"))


def row(n: int, **changes: Any) -> dict[str, Any]:
    return {"code": f"120.01.{n:03d}", "title": f"Cari {n} Ltd. Şti.", **changes}


async def changed_records(service, events: int) -> list[dict]:
    await eventually(lambda: len(service.of_type(CHANGED)) >= events, what=f"{events} events")
    await service.outbox_empty()
    assert len(service.of_type(CHANGED)) == events
    return [r for e in service.of_type(CHANGED) for r in e.payload["counterparties"]]


async def test_upsert_creates_updates_and_leaves_unchanged(service) -> None:
    iban = tr_iban(1)
    first = [
        row(1, kind="Musteri", email="Muhasebe@Ornek.com.tr", tax_id="  " + tax_number(1),
            ibans=[f" {iban[:4].lower()} {iban[4:8]} {iban[8:]} "], aliases=["Örnek", "Örnek"],
            kep_email="ornek@hs01.kep.tr", reconciliation_email="ayse@firmamiz.com.tr",
            postal_code=34000, active=1),
        row(2, kind="Satıcı", tax_id="100000000" + tckimlik.calc_check_digits("100000000")),
        row(3, kind="supplier", phone=None, city="İzmir"),
    ]  # fmt: skip
    response = await service.put(first)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}

    one = await service.get("/counterparties/120.01.001")
    assert one["kind"] == "customer" and one["active"] is True
    assert one["ibans"] == [iban]
    assert one["tax_id"] == tax_number(1) and one["postal_code"] == "34000"
    assert one["email"] == "Muhasebe@ornek.com.tr" and one["aliases"] == ["Örnek"]
    assert (await service.get("/counterparties/120.01.002"))["kind"] == "supplier"
    assert (await service.get("/counterparties/120.01.003"))["phone"] == ""

    records = await changed_records(service, 1)
    assert [r["code"] for r in records] == ["120.01.001", "120.01.002", "120.01.003"]
    assert records[0] == {
        "code": "120.01.001",
        "title": "Cari 1 Ltd. Şti.",
        "kind": "customer",
        "tax_id": tax_number(1),
        "ibans": [iban],
        "emails": ["Muhasebe@ornek.com.tr", "ornek@hs01.kep.tr"],
        "aliases": ["Örnek"],
        "active": True,
        "email": "Muhasebe@ornek.com.tr",
        "kep_email": "ornek@hs01.kep.tr",
        "phone": "",
        "tax_office": "",
        "address": "",
        "city": "",
        "postal_code": "34000",
        "contacts": [],
    }
    assert service.of_type(CHANGED)[0].tenant == service.tenant_id

    second = [
        first[0],
        {**first[1], "title": "Cari 2 A.Ş."},
        {**first[2], "active": "0"},  # a deactivation is a change
        row(4),
    ]
    response = await service.put(second)
    assert response.json() == {"created": 1, "updated": 2, "unchanged": 1}
    records = await changed_records(service, 2)
    assert [(r["code"], r["title"], r["active"]) for r in records[3:]] == [
        ("120.01.002", "Cari 2 A.Ş.", True),
        ("120.01.003", "Cari 3 Ltd. Şti.", False),
        ("120.01.004", "Cari 4 Ltd. Şti.", True),
    ]
    after = await service.get("/counterparties/120.01.002")
    assert after["title"] == "Cari 2 A.Ş."
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(after["created_at"])
    untouched = await service.get("/counterparties/120.01.001")
    assert untouched["updated_at"] == one["updated_at"]


async def test_the_same_body_again_changes_nothing_and_emits_nothing(service) -> None:
    rows = [row(n, tax_id=tax_number(n), ibans=[tr_iban(n)]) for n in range(1, 6)]
    assert (await service.put(rows)).json() == {"created": 5, "updated": 0, "unchanged": 0}
    await changed_records(service, 1)
    before = (await service.get("/counterparties"))["items"]

    again = await service.put(rows)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 5}
    await service.outbox_empty()
    await asyncio.sleep(0.1)
    assert len(service.of_type(CHANGED)) == 1
    assert (await service.get("/counterparties"))["items"] == before


async def test_bad_rows_refuse_the_whole_request_naming_each(service) -> None:
    bad_vkn = tax_number(7)[:9] + str((int(tax_number(7)[9]) + 1) % 10)
    bad_iban = tr_iban(8)[:-1] + str((int(tr_iban(8)[-1]) + 1) % 10)
    rows = [
        row(1, tax_id=tax_number(1)),
        row(2, tax_id=bad_vkn),
        row(3, ibans=[tr_iban(3), bad_iban]),
        row(1, title="Again"),
        {"code": "120.01.005"},
        row(6, email="not-an-address"),
        row(7, tax_id="12345"),
        row(8, vergi_no="1"),
        "not an object",
    ]
    response = await service.put(rows)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 422 and "nothing was stored" in problem["detail"]
    assert problem["rows_refused"] == 8 and problem["error_count"] == 8
    by_row = {e["row"]: e for e in problem["errors"]}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert by_row[2] == {
        "row": 2,
        "field": "tax_id",
        "value": bad_vkn,
        "reason": "is not a valid VKN: a check digit is wrong",
    }
    assert by_row[3]["field"] == "ibans.1" and by_row[3]["value"] == bad_iban
    assert by_row[3]["reason"].startswith("is not a valid IBAN")
    assert by_row[4] == {
        "row": 4,
        "field": "code",
        "value": "120.01.001",
        "reason": "is a duplicate of row 1: each code once per request",
    }
    assert by_row[5] == {"row": 5, "field": "title", "value": None, "reason": "is required"}
    assert by_row[6]["field"] == "email" and by_row[6]["value"] == "not-an-address"
    assert by_row[7]["reason"] == "has 5 digits; a VKN has 10, a TCKN 11"
    assert by_row[8] == {
        "row": 8,
        "field": "vergi_no",
        "value": "1",
        "reason": "is not a counterparty field",
    }
    assert by_row[9]["reason"] == "must be an object"

    assert (await service.get("/counterparties")) == {"items": [], "next_cursor": None}
    await service.outbox_empty()
    assert service.of_type(CHANGED) == []


async def test_changes_are_announced_in_batches_of_at_most_1000(service) -> None:
    rows = [row(n, tax_id=tax_number(n)) for n in range(1, 2501)]
    response = await service.put(rows)
    assert response.json() == {"created": 2500, "updated": 0, "unchanged": 0}
    records = await changed_records(service, 3)
    assert [len(e.payload["counterparties"]) for e in service.of_type(CHANGED)] == [1000, 1000, 500]
    assert [r["code"] for r in records] == [r["code"] for r in rows]

    rows[1500]["title"] = "Yeni unvan"
    assert (await service.put(rows)).json() == {"created": 0, "updated": 1, "unchanged": 2499}
    records = await changed_records(service, 4)
    assert records[-1]["code"] == rows[1500]["code"]


async def test_request_shape_and_size_limits(service) -> None:
    not_array = await service.client.put(
        "/counterparties", json={"code": "1", "title": "x"}, headers=service.auth
    )
    assert not_array.status_code == 422 and "JSON array" in not_array.json()["detail"]
    not_json = await service.client.put(
        "/counterparties",
        content=b"[{",
        headers={**service.auth, "content-type": "application/json"},
    )
    assert not_json.status_code == 422 and "not valid JSON" in not_json.json()["detail"]
    too_many = await service.put([{}] * 50_001)
    assert too_many.status_code == 413 and "50,000" in too_many.json()["detail"]
    assert (await service.put([])).json() == {"created": 0, "updated": 0, "unchanged": 0}


async def test_another_tenant_sees_nothing(service) -> None:
    assert (await service.put([row(1), row(2)])).status_code == 200
    other = await grant_key(service.app, uuid.uuid4(), Role.OPERATOR)

    assert await service.get("/counterparties", auth=other) == {"items": [], "next_cursor": None}
    missing = await service.client.get("/counterparties/120.01.001", headers=other)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")

    # The same code is another tenant's own counterparty, created beside the first tenant's.
    mine = await service.put([row(1, title="Başka firma")], auth=other)
    assert mine.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert (await service.get("/counterparties/120.01.001"))["title"] == "Cari 1 Ltd. Şti."
    theirs = await service.get("/counterparties", auth=other)
    assert [c["title"] for c in theirs["items"]] == ["Başka firma"]


async def test_list_filters_and_pages(service) -> None:
    rows = [row(n, kind="supplier" if n % 3 == 0 else "customer", active=n % 5 != 0)
            for n in range(1, 26)]  # fmt: skip
    rows[3]["title"] = "ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ."
    rows[4]["title"] = "Işık Gıda"
    rows[6]["aliases"] = ["İstanbul Şubesi"]
    rows.append({"code": "320/01", "title": "Bölü Kodlu Satıcı", "kind": "Satici"})
    assert (await service.put(rows)).status_code == 200

    codes: list[str] = []
    cursor = None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = await service.get("/counterparties", **params)
        codes += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert codes == sorted(r["code"] for r in rows) and len(codes) == 26

    async def found(**params) -> list[str]:
        return [c["code"] for c in (await service.get("/counterparties", **params))["items"]]

    assert await found(text="ozturk insaat") == ["120.01.004"]
    assert await found(text="öztürk İnşaat") == ["120.01.004"]
    assert await found(text="ISIK") == ["120.01.005"]
    assert await found(text="istanbul") == ["120.01.007"]  # an alias
    assert await found(text="120.01.02") == [f"120.01.{n:03d}" for n in range(20, 26)]
    assert await found(text="100%") == []
    assert await found(active="false") == ["120.01.005", "120.01.010", "120.01.015",
                                           "120.01.020", "120.01.025"]  # fmt: skip
    assert await found(kind="supplier", active="false") == ["120.01.015"]
    assert len(await found(kind="supplier")) == 9
    assert (await service.get("/counterparties/320/01"))["kind"] == "supplier"

    bad_cursor = await service.client.get(
        "/counterparties", params={"cursor": "nonsense"}, headers=service.auth
    )
    assert bad_cursor.status_code == 400
