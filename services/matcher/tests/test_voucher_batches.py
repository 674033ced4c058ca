"""A statement's auto-confirmed movements get their vouchers as one batch: numbers handed out a
block per series skip the explicitly taken ones and leave the counter where one-by-one numbering
would; one voucher per movement, also on redelivery — on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from matcher.adapters.orm import Movement
from matcher.adapters.repository import MatcherUnitOfWork
from matcher.adapters.voucher_tables import Voucher
from matcher.vouchers import issue_vouchers
from shared.errors import Conflict
from shared.events import (
    CounterpartiesChanged,
    CounterpartyRecord,
    MovementsRecorded,
    RecordedMovement,
)

OUR_IBAN = "TR830006200000000012345678"
PARTY_IBAN = "TR330006100519786457841326"
BANK_CODE = "102.01.001"


def recorded(count: int) -> MovementsRecorded:
    day = date(2025, 11, 3)
    return MovementsRecorded(
        account_id=uuid.uuid4(), iban=OUR_IBAN, account_number="", ledger_code="",
        statement_id=uuid.uuid4(),
        movements=[
            RecordedMovement(
                id=uuid.uuid4(), booking_date=day, value_date=day,
                amount=Decimal(f"{i + 1}.25") * (1 if i % 3 else -1), currency="TRY",
                description=f"EFT {i}", bank_reference=f"R{i}", customer_reference="",
                transaction_code="NTRF", counterparty_iban=PARTY_IBAN,
                counterparty_name="ÖZTÜRK LTD.", counterparty_tax_id="", payment_reference="",
            )
            for i in range(count)
        ],
    )  # fmt: skip


def confirmed(service) -> Movement:
    """A movement the operator booked, without a voucher yet."""
    now = datetime.now(UTC)
    return Movement(
        id=uuid.uuid4(), tenant_id=service.tenant, account_id=uuid.uuid4(),
        statement_id=uuid.uuid4(), account_iban=OUR_IBAN, account_ledger_code="",
        booking_date=date(2025, 11, 1), value_date=date(2025, 11, 1), amount=Decimal("9"),
        currency="TRY", description="", bank_reference="", transaction_code="NTRF",
        counterparty_iban="", counterparty_name="", counterparty_tax_id="", payment_reference="",
        state="confirmed", candidates=[], proposal_note="", contra_kind="ledger",
        contra_code="770.01", contra_name="Genel", document_type="incoming_transfer",
        confirmed_by="op", confirmed_at=now, recorded_at=now, updated_at=now,
    )  # fmt: skip


async def explicit(service, number: int) -> None:
    """A voucher that took ``number`` of the default series explicitly."""
    movement = confirmed(service)
    async with MatcherUnitOfWork(service.sessions) as uow:
        uow.session.add(movement)
        await uow.session.flush()
        await issue_vouchers(uow, [movement], actor="op", number=number)
        await uow.commit()


async def stored(service) -> list[Voucher]:
    async with service.sessions() as session:
        return list(
            await session.scalars(
                select(Voucher).where(Voucher.tenant_id == service.tenant).order_by(Voucher.seq)
            )
        )


@pytest.fixture
async def ready(service):
    await service.publish(
        CounterpartiesChanged(
            counterparties=[
                CounterpartyRecord(code="120.01.005", title="ÖZTÜRK LTD.", ibans=[PARTY_IBAN])
            ]
        )
    )
    await service.send(
        "PUT", "/bank-accounts", [{"iban": OUR_IBAN, "code": BANK_CODE}], auth=service.erp
    )
    return service


async def test_a_statement_batch_skips_taken_numbers_once_each(ready):
    service = ready
    for number in (3, 4, 9, 13):  # 13: just past the batch's first block
        await explicit(service, number)
    event = recorded(10)
    envelope = await service.publish(event)

    vouchers = await stored(service)
    batch = [v for v in vouchers if v.created_by == "auto"]
    assert [v.number for v in batch] == [1, 2, 5, 6, 7, 8, 10, 11, 12, 14]
    assert [v.movement_id for v in batch] == [m.id for m in event.movements]
    assert [v.seq for v in vouchers] == list(range(1, 15))
    for voucher in batch:
        debit = sum(Decimal(line["debit"]) for line in voucher.lines)
        credit = sum(Decimal(line["credit"]) for line in voucher.lines)
        assert debit == credit == voucher.amount
        assert BANK_CODE in {line["code"] for line in voucher.lines}

    await service.redeliver(envelope)  # the inbox drops it: nothing issued twice
    assert len(await stored(service)) == 14
    await explicit(service, 16)
    await service.publish(recorded(2))  # the counter went on from 15, and 16 is taken
    assert [v.number for v in await stored(service)][-2:] == [15, 17]


async def test_a_movement_twice_in_a_batch_is_refused(ready):
    service = ready
    movement = confirmed(service)
    async with MatcherUnitOfWork(service.sessions) as uow:
        uow.session.add(movement)
        await uow.session.flush()
        with pytest.raises(Conflict, match="twice"):
            await issue_vouchers(uow, [movement, movement], actor="op")
    assert await stored(service) == []
