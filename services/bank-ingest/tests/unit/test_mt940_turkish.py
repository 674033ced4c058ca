"""Our Turkish-bank MT940 samples (tests/fixtures/turkish) against their expected results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bank_ingest.domain.decoding import text_lines
from bank_ingest.domain.mt940 import parse_mt940
from bank_ingest.domain.statement import Statement, collect

SAMPLES = Path(__file__).parents[1] / "fixtures" / "turkish"
NAMES = sorted(path.name.removesuffix(".sta") for path in SAMPLES.glob("*.sta"))


def test_every_bank_has_a_sample() -> None:
    assert NAMES == ["akbank", "garanti_bbva", "isbank", "vakifbank", "yapi_kredi"]


def parse(name: str) -> tuple[list[Statement], dict[str, Any]]:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    with (SAMPLES / f"{name}.sta").open("rb") as stream:
        return collect(parse_mt940(text_lines(stream, expected["encoding"]))), expected


@pytest.mark.parametrize("name", NAMES)
def test_statements(name: str) -> None:
    statements, expected = parse(name)
    got = [
        {
            "account": s.header.account,
            "currency": s.header.currency,
            "reference": s.header.reference,
            "number": s.header.statement_number,
            "page": s.header.page,
            "opening": {"amount": str(s.header.opening.amount), "date": str(s.header.opening.date)}
            if s.header.opening
            else None,
            "closing": {"amount": str(s.footer.closing.amount), "date": str(s.footer.closing.date)}
            if s.footer.closing
            else None,
            "movement_count": len(s.movements),
        }
        for s in statements
    ]
    assert got == expected["statements"]
    for statement in statements:
        assert statement.header.format == "mt940"
        assert statement.header.opening and statement.footer.closing
        total = statement.header.opening.amount + sum(m.amount for m in statement.movements)
        assert total == statement.footer.closing.amount


@pytest.mark.parametrize("name", NAMES)
def test_movements(name: str) -> None:
    statements, expected = parse(name)
    got = [
        {
            "statement": index,
            "booking_date": str(m.booking_date),
            "value_date": str(m.value_date),
            "amount": str(m.amount),
            "transaction_code": m.transaction_code,
            "customer_reference": m.customer_reference,
            "description": m.description,
            "counterparty_iban": m.counterparty_iban,
            "counterparty_name": m.counterparty_name,
            "counterparty_tax_id": m.counterparty_tax_id,
            "payment_reference": m.payment_reference,
        }
        for index, statement in enumerate(statements)
        for m in statement.movements
    ]
    assert got == expected["movements"]
    for statement in statements:
        assert all(m.currency == statement.header.currency for m in statement.movements)


def test_garanti_statements_follow_each_other() -> None:
    (first, second), _ = parse("garanti_bbva")
    assert first.footer.closing and second.header.opening
    assert first.footer.closing.amount == second.header.opening.amount


def test_identical_movements_both_kept_with_their_raw_lines() -> None:
    (first, _), _ = parse("garanti_bbva")
    fees = [m for m in first.movements if m.transaction_code == "NCHG"]
    assert len(fees) == 2
    assert fees[0].raw == fees[1].raw == ":61:2401020102D12,50NCHGNONREF\n:86:EFT ÜCRETİ"
    assert fees[0].line != fees[1].line


def test_raw_keeps_the_65_column_lines() -> None:
    (first, _), _ = parse("garanti_bbva")
    raw_lines = first.movements[0].raw.split("\n")
    assert len(raw_lines) == 3 and len(raw_lines[1]) == len(":86:") + 65
    assert raw_lines[1].endswith("TR09000460000")


def test_yapi_kredi_is_windows_1254_and_auto_reads_it() -> None:
    data = (SAMPLES / "yapi_kredi.sta").read_bytes()
    assert "Ş".encode("windows-1254") in data and "Ş".encode() not in data
    with (SAMPLES / "yapi_kredi.sta").open("rb") as stream:
        (statement,) = collect(parse_mt940(text_lines(stream, "auto")))
    assert statement.movements[0].counterparty_name == "ŞEKER GIDA PAZARLAMA A.Ş."


def test_vakifbank_reversal_and_debit_opening() -> None:
    (statement,), _ = parse("vakifbank")
    assert statement.header.opening and statement.header.opening.amount < 0
    reversal = statement.movements[1]
    assert reversal.raw.startswith(":61:2403010301RC150,00")
    assert str(reversal.amount) == "-150.00"
