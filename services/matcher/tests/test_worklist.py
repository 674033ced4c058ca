"""The worklist through the service: movements arrive as events, get proposals, are confirmed,
chosen, dropped and restored over REST, with every decision recorded."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from shared.auth import Role
from shared.events import (
    BankAccountRegistered,
    CounterpartiesChanged,
    CounterpartyRecord,
    MovementsRecorded,
    RecordedMovement,
)

OUR_IBAN = "TR830006200000000012345678"
OZTURK_IBAN = "TR330006100519786457841326"
ACCOUNT = uuid.UUID("00000000-0000-0000-0000-00000000a001")


def movement(amount: str, **fields) -> RecordedMovement:
    values = dict(
        id=uuid.uuid4(), booking_date=date(2025, 11, 3), value_date=date(2025, 11, 3),
        amount=Decimal(amount), currency="TRY", description="", bank_reference="NONREF",
        customer_reference="", transaction_code="NTRF", counterparty_iban="",
        counterparty_name="", counterparty_tax_id="", payment_reference="",
    )  # fmt: skip
    values.update(fields)
    return RecordedMovement(**values)


def recorded(*movements: RecordedMovement) -> MovementsRecorded:
    return MovementsRecorded(
        account_id=ACCOUNT, iban=OUR_IBAN, account_number="", ledger_code="102.01.001",
        statement_id=uuid.uuid4(), movements=list(movements),
    )  # fmt: skip


@pytest.fixture
async def directory(service):
    await service.publish(
        BankAccountRegistered(account_id=ACCOUNT, iban=OUR_IBAN, currency="TRY", name="Garanti TL")
    )
    await service.publish(
        CounterpartiesChanged(
            counterparties=[
                CounterpartyRecord(code="120.01.005", title="ÖZTÜRK İNŞAAT TAAHHÜT SAN. TİC. LTD. ŞTİ.",
                                   ibans=[OZTURK_IBAN], tax_id="4540536920"),
                CounterpartyRecord(code="120.01.006", title="YILMAZ İNŞAAT A.Ş."),
                CounterpartyRecord(code="120.01.007", title="YILMAZ GIDA SAN. VE TİC. A.Ş."),
            ]
        )
    )  # fmt: skip
    await service.send(
        "PUT", "/bank-accounts",
        [{"iban": OUR_IBAN, "code": "102.01.001", "name": "Garanti TL"}], auth=service.erp,
    )  # fmt: skip
    await service.send(
        "PUT",
        "/ledger-accounts",
        [{"code": "780.01", "name": "BANKA MASRAFLARI"}],
        auth=service.erp,
    )
    return service


async def test_movements_get_proposals_and_the_sure_ones_are_confirmed_with_a_voucher(directory):
    service = directory
    by_iban = movement("1500", counterparty_iban=OZTURK_IBAN, description="FATURA ODEMESI")
    twins = movement("700", counterparty_name="YILMAZ A.S.")
    unknown = movement("-25", description="NAKIT CEKIM")
    await service.publish(recorded(by_iban, twins, unknown))

    page = await service.get("/movements")
    states = {m["id"]: m for m in page["items"]}
    assert page["counts"] == {"confirmed": 1, "proposed": 1, "unmatched": 1}
    sure = states[str(by_iban.id)]
    assert sure["state"] == "confirmed" and sure["confirmed_by"] == "auto"
    assert (sure["contra_code"], sure["document_type"]) == ("120.01.005", "incoming_transfer")
    assert sure["candidates"][0]["evidence"] == [f"IBAN {OZTURK_IBAN} belongs to 120.01.005"]
    assert sure["voucher_id"] is not None
    ambiguous = states[str(twins.id)]
    assert ambiguous["state"] == "proposed"
    assert {c["code"] for c in ambiguous["candidates"][:2]} == {"120.01.006", "120.01.007"}
    assert states[str(unknown.id)]["state"] == "unmatched"

    detail = await service.get(f"/movements/{by_iban.id}")
    assert [d["action"] for d in detail["decisions"]] == ["auto_confirm"]
    assert detail["decisions"][0]["after"]["contra_code"] == "120.01.005"


async def test_redelivered_movements_change_nothing(directory):
    service = directory
    event = recorded(movement("1500", counterparty_iban=OZTURK_IBAN))
    envelope = await service.publish(event)
    await service.redeliver(envelope)  # same envelope id: the inbox drops it
    await service.publish(event)  # same movements, new envelope: already known, skipped
    page = await service.get("/movements")
    assert page["counts"] == {"confirmed": 1}


async def test_the_operator_confirms_a_proposal_and_teaches_a_rule(directory):
    service = directory
    twins = movement("700", counterparty_name="YILMAZ A.S.")
    await service.publish(recorded(twins))
    proposal = await service.get(f"/movements/{twins.id}")
    second = next(i for i, c in enumerate(proposal["candidates"]) if c["code"] == "120.01.007")

    confirmed = await service.send(
        "POST", f"/movements/{twins.id}/confirm", {"candidate": second, "series": "X"}
    )
    assert confirmed["state"] == "confirmed" and confirmed["contra_code"] == "120.01.007"
    assert confirmed["voucher_id"]
    again = await service.send("POST", f"/movements/{twins.id}/confirm", {}, expect=409)
    assert "already confirmed" in again["detail"]

    learned = await service.get("/learned-rules")
    assert [(r["kind"], r["key"], r["target_code"]) for r in learned] == [
        ("contains", "YILMAZ AS", "120.01.007")
    ]
    # the next movement with that name is proposed to the same account, by the learned rule
    later = movement("900", counterparty_name="YILMAZ A.S.")
    await service.publish(recorded(later))
    proposal = await service.get(f"/movements/{later.id}")
    assert proposal["candidates"][0]["code"] == "120.01.007"
    assert "learned: 'YILMAZ AS' was booked to 120.01.007" in proposal["candidates"][0]["evidence"]


async def test_choose_another_account_by_type_and_code(directory):
    service = directory
    fee = movement("-25", description="NAKIT CEKIM", transaction_code="NCHG")
    await service.publish(recorded(fee))
    unknown = await service.send(
        "POST", f"/movements/{fee.id}/choose", {"kind": "ledger", "code": "999"}, expect=422
    )
    assert unknown["errors"] == [
        {"field": "code", "value": "999", "reason": "unknown ledger account"}
    ]
    found = await service.get("/accounts/search", q="masraf")
    assert found == [{"kind": "ledger", "code": "780.01", "name": "BANKA MASRAFLARI"}]
    chosen = await service.send(
        "POST", f"/movements/{fee.id}/choose", {"kind": "ledger", "code": "780.01"}
    )
    assert (chosen["state"], chosen["contra_name"]) == ("confirmed", "BANKA MASRAFLARI")
    assert chosen["document_type"] == "bank_fee"  # NCHG's default
    detail = await service.get(f"/movements/{fee.id}")
    decision = detail["decisions"][-1]
    assert decision["action"] == "choose" and decision["actor"].startswith("key:")
    assert decision["before"]["state"] == "unmatched"
    assert decision["after"]["contra_code"] == "780.01"


async def test_drop_and_restore_lines_and_tell_bank_ingest(directory):
    service = directory
    a, b = movement("10", description="X"), movement("20", description="Y")
    await service.publish(recorded(a, b))
    dropped = await service.send("POST", "/movements/drop", {"ids": [str(a.id), str(b.id)]})
    assert {m["state"] for m in dropped} == {"dropped"}
    assert (await service.get("/movements", state="dropped"))["counts"] == {"dropped": 2}
    await service.send("POST", "/movements/restore", {"ids": [str(a.id)]})
    assert (await service.get(f"/movements/{a.id}"))["state"] == "unmatched"
    await service.send("POST", f"/movements/{b.id}/confirm", {}, expect=409)

    from shared.testing import eventually

    await eventually(lambda: len(service.of_type("matcher.movements.processed")) == 2)
    first, second = (e.payload for e in service.of_type("matcher.movements.processed"))
    assert (first["processed"], first["state"], len(first["movement_ids"])) == (True, "dropped", 2)
    assert (second["processed"], second["movement_ids"]) == (False, [str(a.id)])


async def test_bulk_confirm_reports_each_line(directory):
    service = directory
    ok = movement("100", counterparty_name="ÖZTÜRK İNŞ. TAAH. SAN. VE TİC. LTD. ŞTİ.")
    nothing = movement("5", description="?")
    admin = await service.grant(service.tenant, Role.ADMIN)
    await service.send("PUT", "/settings", {"auto_confirm": False}, auth=admin)
    await service.publish(recorded(ok, nothing))
    outcomes = await service.send(
        "POST", "/movements/confirm", {"ids": [str(ok.id), str(nothing.id)]}
    )
    assert [o["ok"] for o in outcomes] == [True, False]
    assert outcomes[0]["state"] == "confirmed" and outcomes[0]["voucher_id"]
    assert "no candidate" in outcomes[1]["error"]


async def test_bulk_choose_books_many_lines_to_one_account(directory):
    service = directory
    fees = [movement("-5", description=f"ISLEM {i}") for i in range(3)]
    await service.publish(recorded(*fees))
    await service.send("POST", "/movements/drop", {"ids": [str(fees[2].id)]})
    outcomes = await service.send(
        "POST", "/movements/choose",
        {"ids": [str(f.id) for f in fees], "kind": "ledger", "code": "780.01"},
    )  # fmt: skip
    assert [o["ok"] for o in outcomes] == [True, True, False]
    assert "dropped" in outcomes[2]["error"]
    vouchers = (await service.get("/vouchers", auth=service.erp))["items"]
    numbers = sorted(
        v["number"] for v in vouchers if v["movement_id"] in {o["id"] for o in outcomes}
    )
    assert numbers == [numbers[0], numbers[0] + 1]


async def test_another_tenant_sees_nothing(directory):
    service = directory
    mine = movement("100", counterparty_iban=OZTURK_IBAN)
    await service.publish(recorded(mine))
    other = await service.grant(uuid.uuid4())
    assert (await service.get("/movements", auth=other))["items"] == []
    await service.send("POST", f"/movements/{mine.id}/confirm", {}, auth=other, expect=404)


async def test_rules_and_transaction_codes_steer_proposals(directory):
    service = directory
    rule = await service.send(
        "POST", "/rules",
        {"kind": "contains", "pattern": "masraf", "target_kind": "ledger", "target_code": "780.01",
         "document_type": "bank_fee", "direction": "outgoing"},
        expect=201,
    )  # fmt: skip
    bad = await service.send(
        "POST", "/rules",
        {"kind": "regex", "pattern": "(", "target_kind": "ledger", "target_code": "780.01"},
        expect=422,
    )  # fmt: skip
    assert bad["errors"][0]["field"] == "pattern"
    await service.send("PUT", "/transaction-codes/NMSC", {"direction": "incoming",
                                                          "document_type": "pos_collection"})  # fmt: skip
    codes = await service.get("/transaction-codes")
    assert {"code": "NMSC", "direction": "incoming", "document_type": "pos_collection",
            "source": "tenant"} in codes  # fmt: skip

    fee = movement("-7.50", description="EFT MASRAFI")
    pos = movement("250", description="GUNSONU", transaction_code="NMSC")
    await service.publish(recorded(fee, pos))
    fee_row = await service.get(f"/movements/{fee.id}")
    assert fee_row["candidates"][0]["rule_id"] == rule["id"]
    assert (fee_row["state"], fee_row["document_type"]) == ("confirmed", "bank_fee")
    assert (await service.get(f"/movements/{pos.id}"))["document_type"] == "pos_collection"

    await service.client.delete(f"/rules/{rule['id']}", headers=service.operator)
    again = movement("-7.50", description="EFT MASRAFI")
    await service.publish(recorded(again))
    assert (await service.get(f"/movements/{again.id}"))["state"] == "unmatched"


async def test_sure_proposals_wait_while_the_bank_account_has_no_erp_code(service):
    await service.publish(
        CounterpartiesChanged(
            counterparties=[
                CounterpartyRecord(code="120.01.005", title="ÖZTÜRK LTD.", ibans=[OZTURK_IBAN])
            ]  # fmt: skip
        )
    )
    event = MovementsRecorded(
        account_id=uuid.uuid4(), iban="TR640006200000006299887766", account_number="",
        ledger_code="", statement_id=uuid.uuid4(),
        movements=[movement("100", counterparty_iban=OZTURK_IBAN)],
    )  # fmt: skip
    await service.publish(event)
    row = await service.get(f"/movements/{event.movements[0].id}")
    assert row["state"] == "proposed" and row["candidates"][0]["confidence"] == 0.99
    assert "no ERP code" in row["proposal_note"]
    refused = await service.send("POST", f"/movements/{row['id']}/confirm", {}, expect=422)
    assert "bank" in refused["detail"].lower()
