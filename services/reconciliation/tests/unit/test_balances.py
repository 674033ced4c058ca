"""Balances at a date, by hand-computed examples, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reconciliation.domain.balances import Balance, MovementRow, balances_at

D = Decimal
JAN1 = date(2025, 1, 1)


def move(
    amount: str,
    on: date,
    *,
    code: str = "120.01",
    kind: int = 14,
    local: str | None = None,
    currency: str = "TRY",
    odk: str = "Genel",
    reverses: str | None = None,
    record: date | None = None,
) -> MovementRow:
    return MovementRow(
        code=code,
        movement_type=kind,
        balance_date=on,
        document_date=on,
        record_date=record or on,
        amount=D(amount),
        local_amount=D(local if local is not None else amount),
        currency=currency,
        odk=odk,
        reverses=reverses,
    )


def only(balances: list[Balance]) -> Balance:
    assert len(balances) == 1, balances
    return balances[0]


def test_debits_and_credits_make_the_balance() -> None:
    rows = [move("1000.50", date(2025, 2, 1)), move("-400.25", date(2025, 2, 3))]
    assert only(balances_at(rows, date(2025, 12, 31))) == Balance(
        "120.01", "TRY", D("1000.50"), D("400.25"), D("600.25"),
        D("1000.50"), D("400.25"), D("600.25"), "debit", 2,
    )  # fmt: skip


def test_a_reversal_nets_on_the_side_of_what_it_reverses() -> None:
    rows = [
        move("100", date(2025, 2, 1)),
        move("-100", date(2025, 2, 2), reverses="S1"),  # cancels the invoice: debit 0, not credit
        move("-30", date(2025, 2, 3)),
        move("30", date(2025, 2, 4), reverses="S2"),  # cancels the payment: credit back to 0
        move("-70", date(2025, 2, 5)),
    ]
    balance = only(balances_at(rows, date(2025, 2, 28)))
    assert (balance.debit, balance.credit, balance.balance) == (D(0), D(70), D(-70))
    assert balance.side == "credit"
    assert balance.movement_count == 5


def test_a_zero_row_is_counted_but_on_no_side() -> None:
    balance = only(balances_at([move("0", JAN1)], JAN1))
    assert (balance.debit, balance.credit, balance.side, balance.movement_count) == (
        D(0), D(0), "zero", 1,
    )  # fmt: skip


def test_the_opening_supersedes_the_history_it_summarises() -> None:
    rows = [
        move("500", date(2024, 3, 1)),
        move("-200", date(2024, 12, 31)),
        move("300", JAN1, kind=12),
        move("100", JAN1),  # dated the opening day: counts
        move("-40", date(2025, 6, 30)),  # dated the day asked for: counts
        move("999", date(2025, 7, 1)),  # after it: doesn't
    ]
    balance = only(balances_at(rows, date(2025, 6, 30)))
    assert (balance.debit, balance.credit, balance.balance) == (D(400), D(40), D(360))
    assert balance.movement_count == 3
    # Before the opening there is none: the old history counts, the future opening doesn't.
    before = only(balances_at(rows, date(2024, 12, 31)))
    assert (before.debit, before.credit, before.movement_count) == (D(500), D(200), 2)


def test_only_the_latest_opening_counts() -> None:
    rows = [
        move("1000", date(2024, 1, 1), kind=12),
        move("50", date(2024, 5, 5)),
        move("1050", JAN1, kind=12),
        move("-1050", JAN1, kind=12, currency="USD", local="-1050"),
        move("10", date(2025, 1, 2)),
    ]
    result = balances_at(rows, date(2025, 1, 31))
    assert [(b.currency, b.balance, b.movement_count) for b in result] == [
        ("TRY", D(1060), 2),
        ("USD", D(-1050), 1),
    ]
    in_2024 = only(balances_at(rows, date(2024, 12, 31)))
    assert (in_2024.balance, in_2024.movement_count) == (D(1050), 2)


def test_type_13_is_dated_by_its_record_date() -> None:
    rows = [
        move("70", date(2024, 6, 1)),
        move("20", date(2024, 12, 31), kind=13, record=JAN1),
    ]
    assert only(balances_at(rows, date(2024, 12, 31))).balance == D(70)
    assert only(balances_at(rows, JAN1)).balance == D(20)


def test_an_opening_in_one_currency_closes_the_history_of_every_currency() -> None:
    rows = [
        move("100", date(2024, 8, 1), currency="USD", local="3000"),
        move("5000", JAN1, kind=12),
    ]
    assert [b.currency for b in balances_at(rows, date(2025, 3, 1))] == ["TRY"]


def test_foreign_currency_keeps_both_amounts() -> None:
    rows = [
        move("100", date(2025, 3, 1), currency="USD", local="3650.1234"),
        move("-40", date(2025, 3, 9), currency="USD", local="-1480"),
    ]
    balance = only(balances_at(rows, date(2025, 3, 31)))
    assert (balance.debit, balance.credit, balance.balance) == (D(100), D(40), D(60))
    assert (balance.debit_try, balance.credit_try, balance.balance_try) == (
        D("3650.1234"), D(1480), D("2170.1234"),
    )  # fmt: skip


def test_odk_filters_apply_to_openings_too() -> None:
    rows = [
        move("800", date(2024, 4, 1), odk="Cek"),
        move("300", JAN1, kind=12, odk="Genel"),
        move("40", date(2025, 2, 1), odk="Cek"),
        move("7", date(2025, 2, 2), odk="Senet"),
    ]
    at = date(2025, 2, 28)
    assert only(balances_at(rows, at, odk_in={"Genel"})).balance == D(300)
    # The Genel opening still closes the Cek history before it.
    assert only(balances_at(rows, at, odk_in={"Cek"})).balance == D(40)
    assert only(balances_at(rows, at, odk_not_in={"Genel"})).balance == D(47)
    assert only(balances_at(rows, at, odk_in={"Genel", "Cek"}, odk_not_in={"Cek"})).balance == 300
    assert balances_at(rows, at, odk_in=set()) == []


def test_counterparties_and_currencies_come_sorted() -> None:
    rows = [
        move("1", JAN1, code="320.01", currency="USD"),
        move("2", JAN1, code="120.02"),
        move("3", JAN1, code="320.01", currency="EUR"),
        move("4", JAN1, code="120.02"),
    ]
    result = balances_at(rows, JAN1)
    assert [(b.code, b.currency, b.balance) for b in result] == [
        ("120.02", "TRY", D(6)),
        ("320.01", "EUR", D(3)),
        ("320.01", "USD", D(1)),
    ]
    assert balances_at(rows, date(2024, 12, 31)) == []
