"""Vouchers: issuing (lines, rates, numbering under concurrency), the ERP's pull and
acknowledgement, cancel and reversal, tenant isolation — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient

from matcher.adapters.orm import Decision, ErpBankAccount, Movement, OwnBankAccount
from matcher.adapters.repository import MatcherUnitOfWork
from matcher.adapters.voucher_tables import Voucher
from matcher.vouchers import VoucherNotBalanced, issue_vouchers
from shared.auth import Role, new_api_key, store_key
from shared.errors import Conflict
from shared.testing import eventually

IBAN = "TR330006100519786457841326"
BANK_CODE = "102.01.001"
PROCESSED = "matcher.movements.processed"


@pytest.fixture(autouse=True)
def quick_relay(monkeypatch):
    monkeypatch.setenv("MUTABIK_MATCHER_RELAY_POLL_SECONDS", "0.05")
    monkeypatch.setenv("MUTABIK_MATCHER_WEBHOOK_POLL_SECONDS", "0.2")


# -- helpers ----------------------------------------------------------------------------------


async def erp_bank_account(service, *, iban=IBAN, code=BANK_CODE, tenant=None) -> None:
    async with service.sessions() as session, session.begin():
        session.add(
            ErpBankAccount(
                tenant_id=tenant or service.tenant,
                iban=iban,
                code=code,
                name="Garanti TL",
                currency="TRY",
                updated_at=datetime.now(UTC),
            )  # fmt: skip
        )


async def add_movement(
    service,
    *,
    amount: str = "1500.00",
    currency: str = "TRY",
    booking_date: date = date(2024, 3, 5),
    iban: str = IBAN,
    ledger_code: str = "",
    account_id: uuid.UUID | None = None,
    contra: tuple[str, str, str] = ("counterparty", "120.01.007", "ACME SAN. VE TİC. LTD. ŞTİ."),
    document_type: str | None = "incoming_transfer",
    state: str = "confirmed",
    tenant: uuid.UUID | None = None,
    candidates: bool = True,
) -> uuid.UUID:
    now = datetime.now(UTC)
    movement_id = uuid.uuid4()
    async with service.sessions() as session, session.begin():
        session.add(
            Movement(
                id=movement_id,
                tenant_id=tenant or service.tenant,
                account_id=account_id or uuid.uuid4(),
                statement_id=uuid.uuid4(),
                account_iban=iban,
                account_ledger_code=ledger_code,
                booking_date=booking_date,
                value_date=booking_date,
                amount=Decimal(amount),
                currency=currency,
                description="EFT ACME FATURA 2024/113",
                bank_reference="REF1",
                transaction_code="NTRF",
                counterparty_iban="",
                counterparty_name="ACME",
                counterparty_tax_id="",
                payment_reference="",
                state=state,
                candidates=[{"kind": contra[0], "code": contra[1], "score": 0.99}]
                if candidates
                else [],
                proposal_note="",
                contra_kind=contra[0],
                contra_code=contra[1],
                contra_name=contra[2],
                document_type=document_type,
                confirmed_by="op",
                confirmed_at=now,
                recorded_at=now,
                updated_at=now,
            )  # fmt: skip
        )
    return movement_id


async def issue(service, *ids: uuid.UUID, commit: bool = True, **options) -> list[dict]:
    async with MatcherUnitOfWork(service.sessions) as uow:
        movements = [await uow.session.get(Movement, i) for i in ids]
        vouchers = await issue_vouchers(uow, movements, actor="op@example.com", **options)
        summary = [
            {"id": v.id, "series": v.series, "number": v.number, "seq": v.seq} for v in vouchers
        ]
        if commit:
            await uow.commit()
    return summary


async def movement(service, movement_id: uuid.UUID) -> Movement:
    async with service.sessions() as session:
        return await session.get(Movement, movement_id)


async def decisions(service, movement_id: uuid.UUID) -> list[str]:
    async with service.sessions() as session:
        rows = await session.scalars(
            select(Decision.action).where(Decision.movement_id == movement_id).order_by(Decision.id)
        )
        return list(rows)


async def key_for(service, tenant: uuid.UUID, role: Role) -> dict[str, str]:
    issued = new_api_key()
    async with service.sessions() as session, session.begin():
        await store_key(
            session, key_id=issued.key_id, tenant_id=tenant, secret_hash=issued.secret_hash,
            role=role.value, user_email=None, label="test", issued_at=datetime.now(UTC),
        )  # fmt: skip
    return {"Authorization": f"Bearer {issued.plaintext}"}


def processed_events(service, movement_id: uuid.UUID) -> list[dict]:
    return [
        e.payload
        for e in service.of_type(PROCESSED)
        if str(movement_id) in e.payload["movement_ids"]
    ]


def balanced(voucher: dict) -> bool:
    debit = sum(Decimal(line["debit"]) for line in voucher["lines"])
    credit = sum(Decimal(line["credit"]) for line in voucher["lines"])
    return debit == credit == Decimal(voucher["amount"])


# -- issuing ----------------------------------------------------------------------------------


async def test_lines_are_balanced_both_ways(service):
    await erp_bank_account(service)
    incoming = await add_movement(service, amount="1500.00")
    outgoing = await add_movement(
        service, amount="-250.40", document_type="outgoing_transfer",
        contra=("ledger", "770.01.001", "Genel Yönetim Giderleri"),
    )  # fmt: skip
    issued = await issue(service, incoming, outgoing)
    assert [(v["series"], v["number"]) for v in issued] == [("BNK", 1), ("BNK", 2)]
    assert (await movement(service, incoming)).voucher_id == issued[0]["id"]

    page = await service.get("/vouchers", auth=service.erp)
    first, second = page["items"]
    assert first["id"] == str(issued[0]["id"]) and page["next_cursor"] is None
    assert first["document_type"] == "incoming_transfer" and first["date"] == "2024-03-05"
    assert first["currency"] == "TRY" and Decimal(first["amount"]) == Decimal("1500")
    assert Decimal(first["exchange_rate"]) == 1 and Decimal(first["try_amount"]) == 1500
    bank, contra = first["lines"]
    assert (bank["account_kind"], bank["code"], bank["name"]) == ("bank", BANK_CODE, "Garanti TL")
    assert Decimal(bank["debit"]) == 1500 and Decimal(bank["credit"]) == 0
    assert (contra["account_kind"], contra["code"]) == ("counterparty", "120.01.007")
    assert Decimal(contra["credit"]) == 1500 and Decimal(contra["try_amount"]) == 1500
    assert balanced(first)

    assert Decimal(second["amount"]) == Decimal("250.40")
    contra, bank = second["lines"]
    assert (contra["account_kind"], Decimal(contra["debit"])) == ("ledger", Decimal("250.40"))
    assert (bank["code"], Decimal(bank["credit"])) == (BANK_CODE, Decimal("250.40"))
    assert balanced(second)


async def test_bank_code_fallbacks_and_an_unbalanceable_voucher(service):
    by_ledger = await add_movement(service, iban="TR000000000000000000000001", ledger_code="102.05")
    account_id = uuid.uuid4()
    async with service.sessions() as session, session.begin():
        session.add(
            OwnBankAccount(
                account_id=account_id,
                tenant_id=service.tenant,
                iban="TR2",
                currency="TRY",
                name="Akbank USD",
                ledger_code="102.09",
                registered_at=datetime.now(UTC),
            )  # fmt: skip
        )
    by_own = await add_movement(service, iban="TR2", account_id=account_id)
    [a, b] = await issue(service, by_ledger, by_own)
    voucher_a = await service.get(f"/vouchers/{a['id']}")
    voucher_b = await service.get(f"/vouchers/{b['id']}")
    assert voucher_a["lines"][0]["code"] == "102.05"
    assert (voucher_b["lines"][0]["code"], voucher_b["lines"][0]["name"]) == (
        "102.09",
        "Akbank USD",
    )

    nowhere = await add_movement(service, iban="TR000000000000000000000009")
    with pytest.raises(VoucherNotBalanced) as refused:
        await issue(service, nowhere)
    assert refused.value.status == 422 and "cannot be balanced" in refused.value.detail
    assert (await movement(service, nowhere)).voucher_id is None


async def test_foreign_currency_uses_the_erps_rate_of_the_day_or_before(service):
    await erp_bank_account(service)
    rates = [
        {"currency": "USD", "date": "2024-03-01", "rate": "32.1000"},
        {"currency": "USD", "date": "2024-03-05", "rate": "32.5012"},
        {"currency": "EUR", "date": "2024-03-10", "rate": "35.0"},
    ]
    assert await service.send("PUT", "/exchange-rates", rates, auth=service.erp) == {"stored": 3}
    listed = await service.get("/exchange-rates", auth=service.erp, currency="USD")
    assert [(r["date"], Decimal(r["rate"])) for r in listed] == [
        ("2024-03-05", Decimal("32.5012")),
        ("2024-03-01", Decimal("32.1")),
    ]
    await service.send(  # too many decimals for a rate
        "PUT", "/exchange-rates", [{"currency": "USD", "date": "2024-03-02", "rate": "1.23456"}],
        auth=service.erp, expect=422,
    )  # fmt: skip

    earlier = await add_movement(
        service, amount="100.00", currency="USD", booking_date=date(2024, 3, 4)
    )
    same_day = await add_movement(service, amount="-10.01", currency="USD")
    no_rate = await add_movement(
        service, amount="50", currency="EUR", booking_date=date(2024, 3, 9)
    )
    ids = [v["id"] for v in await issue(service, earlier, same_day, no_rate)]
    a, b, c = [await service.get(f"/vouchers/{i}") for i in ids]
    assert (Decimal(a["exchange_rate"]), Decimal(a["try_amount"])) == (
        Decimal("32.1"),
        Decimal("3210"),
    )
    assert Decimal(b["exchange_rate"]) == Decimal("32.5012")
    assert Decimal(b["try_amount"]) == Decimal("325.34")  # 10.01 × 32.5012 = 325.337..., rounded
    assert all(Decimal(line["try_amount"]) == Decimal("325.34") for line in b["lines"])
    assert c["exchange_rate"] is None and c["try_amount"] is None
    assert all(line["try_amount"] is None for line in c["lines"]) and balanced(c)


async def test_series_per_document_type_explicit_numbers_and_skips(service):
    await erp_bank_account(service)
    mapping = [
        {"document_type": "*", "series": "X"},
        {"document_type": "bank_fee", "series": "MSF"},
    ]
    out = await service.send("PUT", "/voucher-series", mapping)
    assert out["fallback"] == "BNK" and len(out["series"]) == 2
    await service.send("PUT", "/voucher-series", mapping, auth=service.erp, expect=403)

    explicit = await add_movement(service)
    [taken] = await issue(service, explicit, number=3)
    assert (taken["series"], taken["number"]) == ("X", 3)

    clash = await add_movement(service)
    with pytest.raises(Conflict) as refused:
        await issue(service, clash, number=3)
    assert refused.value.status == 409 and "already taken" in refused.value.detail
    assert (await movement(service, clash)).voucher_id is None  # nothing half-done

    fee = await add_movement(service, amount="-5", document_type="bank_fee")
    others = [await add_movement(service) for _ in range(3)]
    numbers = [(v["series"], v["number"]) for v in await issue(service, *others, fee)]
    assert numbers == [("X", 1), ("X", 2), ("X", 4), ("MSF", 1)]  # 3 was taken explicitly
    [forced] = await issue(service, await add_movement(service), series="OZEL")
    assert (forced["series"], forced["number"]) == ("OZEL", 1)


async def test_a_movement_gets_one_live_voucher_only(service):
    await erp_bank_account(service)
    movement_id = await add_movement(service)
    [first] = await issue(service, movement_id)
    with pytest.raises(Conflict):
        await issue(service, movement_id)
    async with service.sessions() as session:  # the database refuses it too
        copy = await session.get(Voucher, first["id"])
        session.expunge(copy)
        make_transient(copy)
        copy.id, copy.number, copy.seq = uuid.uuid4(), 99, 99
        session.add(copy)
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_parallel_issuing_gives_distinct_gapless_numbers(service, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("parallel writers are a PostgreSQL matter; SQLite has one writer")
    await erp_bank_account(service)
    [explicit] = await issue(service, await add_movement(service), number=7)
    ids = [await add_movement(service) for _ in range(21)]

    async def one(i: int, movement_id: uuid.UUID) -> list[dict]:
        # one of them is rolled back after taking its number: it gives the number back
        return await issue(service, movement_id, commit=i != 10)

    results = await asyncio.gather(*(one(i, m) for i, m in enumerate(ids)))
    async with service.sessions() as session:
        stored = list(
            await session.scalars(select(Voucher).where(Voucher.tenant_id == service.tenant))
        )
    numbers = sorted(v.number for v in stored)
    assert numbers == [*range(1, 7), 7, *range(8, 22)]  # 20 + the explicit one, no gap
    assert sorted(v.seq for v in stored) == list(range(1, 22))
    assert all(len(r) == 1 for r in results) and explicit["number"] == 7


# -- the ERP pulls and acknowledges -----------------------------------------------------------


async def test_pull_with_a_cursor(service):
    await erp_bank_account(service)
    ids = [await add_movement(service, amount=f"{100 + i}.00") for i in range(5)]
    issued = await issue(service, *ids)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await service.get("/vouchers", auth=service.erp, **params)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(v["id"]) for v in issued]

    await service.send(
        "POST", f"/vouchers/{issued[0]['id']}/acknowledge", {"erp_document_number": "D-1"},
        auth=service.erp,
    )  # fmt: skip
    ready = await service.get("/vouchers", auth=service.erp)
    assert [i["id"] for i in ready["items"]] == seen[1:]
    acked = await service.get("/vouchers", auth=service.erp, state="acknowledged")
    assert [i["id"] for i in acked["items"]] == seen[:1]
    assert len((await service.get("/vouchers", state="all"))["items"]) == 5
    by_movement = await service.get("/vouchers", state="all", movement_id=str(ids[2]))
    assert [i["id"] for i in by_movement["items"]] == [seen[2]]
    bad = await service.client.get("/vouchers", params={"cursor": "nope"}, headers=service.erp)
    assert bad.status_code == 400


async def test_acknowledge_is_idempotent_and_exports_once(service):
    await erp_bank_account(service)
    movement_id, other_id = await add_movement(service), await add_movement(service)
    first, other = await issue(service, movement_id, other_id)
    path = f"/vouchers/{first['id']}/acknowledge"

    replies = await asyncio.gather(
        *(
            service.client.post(
                path, json={"erp_document_number": "MHS-2024-0001"}, headers=service.erp
            )
            for _ in range(5)
        )
    )
    assert [r.status_code for r in replies] == [200] * 5
    body = replies[0].json()
    assert body["state"] == "acknowledged" and body["erp_document_number"] == "MHS-2024-0001"
    again = await service.send(
        "POST", path, {"erp_document_number": "MHS-2024-0001"}, auth=service.erp
    )
    assert again["acknowledged_at"] == body["acknowledged_at"]
    clash = await service.send(
        "POST", path, {"erp_document_number": "OTHER"}, auth=service.erp, expect=409
    )
    assert clash["erp_document_number"] == "MHS-2024-0001"

    exported = await movement(service, movement_id)
    assert exported.state == "exported" and exported.voucher_id == first["id"]
    assert await decisions(service, movement_id) == ["exported"]

    bulk = await service.send(
        "POST", "/vouchers/acknowledge",
        [
            {"id": str(first["id"]), "erp_document_number": "MHS-2024-0001"},
            {"id": str(uuid.uuid4()), "erp_document_number": "X"},
            {"id": str(other["id"]), "erp_document_number": "MHS-2024-0002"},
        ],
        auth=service.erp,
    )  # fmt: skip
    assert [(r["ok"], (r["problem"] or {}).get("status")) for r in bulk["results"]] == [
        (True, None), (False, 404), (True, None),
    ]  # fmt: skip
    assert bulk["results"][2]["voucher"]["erp_document_number"] == "MHS-2024-0002"

    await eventually(lambda: len(processed_events(service, other_id)) == 1, what="bulk exported")
    await asyncio.sleep(0.3)  # anything emitted twice would be here by now
    [event] = processed_events(service, movement_id)
    assert event == {"movement_ids": [str(movement_id)], "processed": True, "state": "exported"}
    assert len(processed_events(service, other_id)) == 1


# -- cancel and reverse -----------------------------------------------------------------------


async def test_cancel_before_acknowledgement_only(service):
    await erp_bank_account(service)
    movement_id, booked_id = await add_movement(service), await add_movement(service)
    voucher, booked = await issue(service, movement_id, booked_id)

    await service.send("POST", f"/vouchers/{voucher['id']}/cancel", auth=service.erp, expect=403)
    cancelled = await service.send("POST", f"/vouchers/{voucher['id']}/cancel")
    assert cancelled["state"] == "cancelled" and cancelled["cancelled_at"]
    again = await service.send("POST", f"/vouchers/{voucher['id']}/cancel")
    assert again["cancelled_at"] == cancelled["cancelled_at"]
    back = await movement(service, movement_id)
    assert (back.state, back.voucher_id, back.contra_code, back.contra_kind) == (
        "proposed",
        None,
        None,
        None,
    )
    assert await decisions(service, movement_id) == ["voucher_cancelled"]
    refused = await service.send(
        "POST", f"/vouchers/{voucher['id']}/acknowledge", {"erp_document_number": "D-9"},
        auth=service.erp, expect=409,
    )  # fmt: skip
    assert refused["state"] == "cancelled"

    await service.send(
        "POST", f"/vouchers/{booked['id']}/acknowledge", {"erp_document_number": "D-2"},
        auth=service.erp,
    )  # fmt: skip
    late = await service.send("POST", f"/vouchers/{booked['id']}/cancel", expect=409)
    assert "only a reversal" in late["detail"]

    lonely = await add_movement(service, candidates=False)  # confirmed by hand, no proposal
    [lonely_voucher] = await issue(service, lonely)
    await service.send("POST", f"/vouchers/{lonely_voucher['id']}/cancel")
    assert (await movement(service, lonely)).state == "unmatched"

    async with service.sessions() as session, session.begin():  # the operator confirms again
        row = await session.get(Movement, movement_id)
        row.state, row.contra_kind, row.contra_code = "confirmed", "ledger", "136.01"
    [reissued] = await issue(service, movement_id)
    assert reissued["number"] == 4  # the cancelled vouchers keep numbers 1 and 3
    assert (await movement(service, movement_id)).voucher_id == reissued["id"]


async def test_reversal_voucher(service):
    await erp_bank_account(service)
    movement_id = await add_movement(service, amount="-980.00", document_type="outgoing_transfer")
    [original] = await issue(service, movement_id)
    await service.send(
        "POST", f"/vouchers/{original['id']}/reverse", {}, expect=409
    )  # not acknowledged yet: cancel instead
    await service.send(
        "POST", f"/vouchers/{original['id']}/acknowledge", {"erp_document_number": "D-7"},
        auth=service.erp,
    )  # fmt: skip
    await service.send(
        "POST", f"/vouchers/{original['id']}/reverse", {}, auth=service.erp, expect=403
    )

    headers = {**service.operator, "Idempotency-Key": "reverse-1"}
    response = await service.client.post(
        f"/vouchers/{original['id']}/reverse", json={}, headers=headers
    )
    assert response.status_code == 201, response.text
    reversal = response.json()
    replay = await service.client.post(
        f"/vouchers/{original['id']}/reverse", json={}, headers=headers
    )
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == reversal["id"]
    again = await service.send("POST", f"/vouchers/{original['id']}/reverse", {}, expect=409)
    assert again["reversed_by"] == reversal["id"]

    before = await service.get(f"/vouchers/{original['id']}")
    assert before["state"] == "reversed" and before["reversed_by"] == reversal["id"]
    assert reversal["state"] == "ready" and reversal["reversal_of"] == str(original["id"])
    assert (reversal["series"], reversal["number"]) == ("BNK", 2)
    assert reversal["date"] == before["date"] and reversal["amount"] == before["amount"]
    assert [(line["code"], line["debit"], line["credit"]) for line in reversal["lines"]] == [
        (line["code"], line["credit"], line["debit"]) for line in before["lines"]
    ]
    assert balanced(reversal)
    reopened = await movement(service, movement_id)
    assert (reopened.state, reopened.voucher_id) == ("proposed", None)

    await service.send("POST", f"/vouchers/{reversal['id']}/cancel", expect=409)
    await service.send("POST", f"/vouchers/{reversal['id']}/reverse", {}, expect=409)
    await service.send(
        "POST", f"/vouchers/{reversal['id']}/acknowledge", {"erp_document_number": "D-8"},
        auth=service.erp,
    )  # fmt: skip
    assert (await movement(service, movement_id)).state == "proposed"
    assert await decisions(service, movement_id) == [
        "exported",
        "voucher_reversed",
        "reversal_exported",
    ]

    await eventually(
        lambda: (
            [e["state"] for e in processed_events(service, movement_id)] == ["exported", "proposed"]
        ),
        what="exported, then back on the worklist",
    )

    async with service.sessions() as session, session.begin():  # booked anew: allowed
        row = await session.get(Movement, movement_id)
        row.state, row.contra_kind, row.contra_code = "confirmed", "ledger", "320.01"
    [anew] = await issue(service, movement_id)
    assert anew["number"] == 3


async def test_a_dated_reversal_with_an_explicit_number(service):
    await erp_bank_account(service)
    [original] = await issue(service, await add_movement(service))
    await service.send(
        "POST", f"/vouchers/{original['id']}/acknowledge", {"erp_document_number": "D-1"},
        auth=service.erp,
    )  # fmt: skip
    taken = await service.send(
        "POST", f"/vouchers/{original['id']}/reverse", {"number": 1}, expect=409
    )
    assert "already taken" in taken["detail"]
    reversal = await service.send(
        "POST", f"/vouchers/{original['id']}/reverse", {"date": "2024-04-01", "number": 40},
        expect=201,
    )  # fmt: skip
    assert (reversal["number"], reversal["date"]) == (40, "2024-04-01")


# -- tenants ----------------------------------------------------------------------------------


async def test_another_tenants_vouchers_are_invisible(service):
    other = uuid.uuid4()
    await erp_bank_account(service, tenant=other)
    theirs = await add_movement(service, tenant=other)
    [voucher] = await issue(service, theirs)
    await service.send(
        "PUT", "/exchange-rates", [{"currency": "USD", "date": "2024-01-01", "rate": "30"}],
        auth=service.erp,
    )  # fmt: skip

    assert (await service.get("/vouchers", state="all"))["items"] == []
    path = f"/vouchers/{voucher['id']}"
    await service.send("GET", path, expect=404)
    await service.send("POST", f"{path}/acknowledge", {"erp_document_number": "X"}, expect=404)
    await service.send("POST", f"{path}/cancel", expect=404)
    await service.send("POST", f"{path}/reverse", {}, expect=404)

    their_erp = await key_for(service, other, Role.ERP)
    assert (await service.get("/exchange-rates", auth=their_erp)) == []
    [seen] = (await service.get("/vouchers", auth=their_erp))["items"]
    assert seen["id"] == str(voucher["id"])
    assert (await movement(service, theirs)).voucher_id == voucher["id"]
