"""Movements prepared for storing: the same identity, row and event JSON as built one by one."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from decimal import Decimal

import pytest

from bank_ingest.domain.identity import Occurrences, fingerprint
from bank_ingest.domain.prepared import (
    BLOCK,
    FINGERPRINT,
    MovementBlock,
    MovementRow,
    StatementEnd,
    movement_row,
    prepare,
)
from bank_ingest.domain.statement import (
    ParsedMovement,
    ParseError,
    StatementFooter,
    StatementHeader,
)
from bank_ingest.domain.text import fold, squash
from shared.events import RecordedMovement

MOVEMENT = ParsedMovement(
    booking_date=date(2025, 12, 1),
    value_date=date(2025, 11, 30),
    amount=Decimal("-1250.5"),
    currency="TRY",
    description='GELEN  EFT "ÖZTÜRK" İNŞAAT\\LTD\x1fŞTİ\ttab',
    bank_reference=" BNK-1 ",
    customer_reference="NONREF",
    transaction_code="NTRF",
    counterparty_iban="TR330006100519786457841326",
    counterparty_name="ÖZTÜRK İNŞAAT",
    counterparty_tax_id="1234567890",
    payment_reference="2025-17",
    raw=":61:…",
    line=7,
)


def test_ids_are_the_identity_rules_uuid() -> None:
    account = uuid.uuid4()
    occurrences = Occurrences()
    first = occurrences.id_for(str(account), fingerprint(MOVEMENT))
    second = occurrences.id_for(str(account), fingerprint(MOVEMENT))
    for n, found in enumerate((first, second), 1):
        identity = f"{account}\x1e{fingerprint(MOVEMENT)}\x1e{n}".encode()
        expected = uuid.UUID(bytes=hashlib.sha256(identity).digest()[:16], version=5)
        assert found == str(expected)
    assert Occurrences().movement_id(account, MOVEMENT) == uuid.UUID(first)


def test_fingerprint_collapses_whitespace_as_squash_did() -> None:
    assert fingerprint(MOVEMENT).rsplit("\x1f", 1)[1] == squash(MOVEMENT.description)


def test_row_holds_the_columns_search_text_and_event_json() -> None:
    row = MovementRow(*movement_row(MOVEMENT))
    assert (row.booking_date, row.value_date, row.amount) == ("2025-12-01", "2025-11-30", "-1250.5")
    assert row.search_text == fold(
        " ".join(
            (MOVEMENT.description, "ÖZTÜRK İNŞAAT", "TR330006100519786457841326", " BNK-1 ")
            + ("NONREF", "2025-17", "1234567890")
        )
    )
    assert row.fingerprint == fingerprint(MOVEMENT)


@pytest.mark.parametrize("packed", [True, False])
def test_blocks_give_the_event_json_of_the_movements_kept(packed: bool) -> None:
    plain = ParsedMovement(date(2025, 12, 2), date(2025, 12, 2), Decimal(5), "TRY", 'A "B" \\ C')
    rows = [movement_row(plain), movement_row(MOVEMENT if not packed else plain)]
    block = MovementBlock.of(rows)
    assert (block.columns is not None) is packed
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    [recorded] = [json.loads(text) for text in block.recorded(ids, {ids[1]})]
    assert list(recorded) == list(RecordedMovement.model_fields)
    model = RecordedMovement.model_validate(recorded)
    expected = plain if packed else MOVEMENT
    assert (str(model.id), model.description) == (ids[1], expected.description)
    assert model.amount == expected.amount and model.bank_reference == expected.bank_reference


def test_unknown_currency_is_left_to_the_service() -> None:
    nameless = ParsedMovement(date(2025, 1, 2), date(2025, 1, 2), Decimal(1), currency="")
    assert movement_row(nameless)[3] == "" and movement_row(nameless, "EUR")[3] == "EUR"
    assert MovementBlock.of([movement_row(nameless)] * 2).columns is None
    assert movement_row(nameless)[FINGERPRINT] == fingerprint(nameless)


def test_statement_end_carries_the_sums() -> None:
    later = ParsedMovement(date(2025, 12, 3), date(2025, 12, 3), Decimal("10.25"), "TRY")
    header = StatementHeader(format="mt940", account="TR1", currency="TRY")
    parts = list(prepare([header, later, MOVEMENT, StatementFooter()]))
    assert parts[0] is header
    end = parts[-1]
    assert isinstance(end, StatementEnd) and end.movement_count == 2
    assert end.movements_sum == Decimal("-1240.25")
    assert (end.first_booking, end.last_booking) == ("2025-12-01", "2025-12-03")


def test_more_than_four_decimals_is_refused_with_the_line() -> None:
    odd = ParsedMovement(date(2025, 1, 2), date(2025, 1, 2), Decimal("1.00001"), "TRY", line=9)
    with pytest.raises(ParseError) as refused:
        list(prepare([StatementHeader("mt940", "TR1", "TRY"), odd]))
    assert refused.value.line == 9


def test_blocks_carry_joined_columns_unless_a_value_holds_the_separator() -> None:
    plain = ParsedMovement(date(2025, 12, 2), date(2025, 12, 2), Decimal(5), "TRY", "KIRA", line=3)
    header = StatementHeader(format="mt940", account="TR1", currency="TRY")
    [_, block, _] = list(prepare([header, plain, plain, StatementFooter()]))
    assert isinstance(block, MovementBlock) and block.rows is None and block.count == 2
    rows = [MovementRow(*movement_row(plain, "TRY"))] * 2
    assert block.values() == [[value, value] for value in rows[0][:14]] + [["3", "3"]]

    [_, odd, _] = list(prepare([header, plain, MOVEMENT, StatementFooter()]))  # \x1f in text
    assert odd.columns is None and odd.rows is not None and odd.count == 2
    assert odd.values()[4] == ["KIRA", MOVEMENT.description]


def test_blocks_end_with_their_statement_and_hold_at_most_block_movements() -> None:
    plain = ParsedMovement(date(2025, 12, 2), date(2025, 12, 2), Decimal(5), "TRY", "KIRA")
    header = StatementHeader(format="mt940", account="TR1", currency="TRY")
    parts = list(prepare([header, *[plain] * (BLOCK + 1), StatementFooter(), header]))
    assert [type(p).__name__ for p in parts] == [
        "StatementHeader", "MovementBlock", "MovementBlock", "StatementEnd", "StatementHeader",
    ]  # fmt: skip
    assert (parts[1].count, parts[2].count) == (BLOCK, 1)
