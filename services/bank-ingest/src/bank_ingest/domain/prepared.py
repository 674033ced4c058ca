"""Movements made ready to store: the per-movement work of an import, done where the parsing is.

A large file is parsed in a child process (:mod:`..parse_worker`), and whatever is done to a
movement there is off the service's core. So the parser's part stream is turned here, next to
the parser, into rows of plain strings: the checks, the search text, the identity fingerprint and
the movement's JSON for the ``MovementsRecorded`` event are all computed before the movement
crosses to the service, which only adds what it alone knows (account, statement, occurrence).
Small files go through the very same function in the service's own process.

Consecutive movements of a statement travel as one :class:`MovementBlock`: each column's values
joined into one string with :data:`SEPARATOR`, which is how the PostgreSQL insert takes them.
Unpickling a hundred thousand rows of seventeen strings would cost the service more than all
the rest it does with them.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # C, no ensure_ascii
from typing import Any, NamedTuple

from .identity import fingerprint_of
from .statement import (
    ParsedMovement,
    ParseError,
    StatementFooter,
    StatementHeader,
    StatementPart,
)
from .text import fold

AMOUNT_QUANTUM = Decimal("0.0001")  # the Money column's scale


class MovementRow(NamedTuple):
    """One movement, column values as the ``movements`` table takes them (dates ISO, amount as
    text) plus what the service needs to identify and announce it.

    The parts carry these as plain tuples (:data:`Row`): they cross a process boundary by the
    hundred thousand, and a named tuple costs a Python call to pickle and another to unpickle.
    Read them by the indexes below, or with ``MovementRow(*row)`` where speed does not matter."""

    booking_date: str
    value_date: str
    amount: str
    currency: str
    """"" when neither the movement nor its statement header says: the account's then."""
    description: str
    bank_reference: str
    customer_reference: str
    transaction_code: str
    counterparty_iban: str
    counterparty_name: str
    counterparty_tax_id: str
    payment_reference: str
    search_text: str
    raw: str
    line: int
    fingerprint: str
    """:func:`.identity.fingerprint`; the id is derived from it, the account and the occurrence."""


Row = tuple
"""A :class:`MovementRow` as a plain tuple."""
CURRENCY, LINE, FINGERPRINT = 3, 14, 15
ROW_COLUMNS = MovementRow._fields[:15]
"""The fields of :class:`MovementRow` that are ``movements`` columns of the same name."""


@dataclass(slots=True)
class StatementEnd:
    """Sent instead of the footer: the footer and the sums over the statement's movements."""

    footer: StatementFooter
    movement_count: int = 0
    movements_sum: Decimal = Decimal(0)
    first_booking: str | None = None
    """ISO date, so that comparing strings compares days."""
    last_booking: str | None = None


SEPARATOR = "\x1f"
"""Joins a block's column values (the unit separator: no statement text needs it)."""
BLOCK = 250
"""Movements per block, at most."""


@dataclass(slots=True)
class MovementBlock:
    """Consecutive movements of one statement.

    ``columns`` holds each of :data:`ROW_COLUMNS` as its values joined with :data:`SEPARATOR`
    (``line`` as text). When a value holds the separator itself, or a movement's currency is not
    known here, the block carries ``rows`` instead and ``columns`` is None."""

    fingerprints: list[str]
    columns: tuple[str, ...] | None = None
    rows: list[Row] | None = None

    @property
    def count(self) -> int:
        return len(self.fingerprints)

    def values(self) -> list[list[Any]]:
        """The block's column values, column by column."""
        if self.columns is not None:
            return [column.split(SEPARATOR) for column in self.columns]
        assert self.rows is not None
        return [list(column) for column in zip(*self.rows, strict=True)][: len(ROW_COLUMNS)]

    def recorded(self, ids: Sequence[str], keep: Container[str]) -> list[str]:
        """The movements whose id (``ids[i]`` is the i-th's) is in ``keep``, each as
        ``RecordedMovement`` JSON: built from the columns, without a model per movement."""
        rows = zip(*self.values()[:_RECORDED_COLUMNS], strict=True)
        quote = encode_basestring
        return [
            f'{{"id":"{id_}",' + _RECORDED % (booking, value, amount, *map(quote, texts))
            for id_, (booking, value, amount, *texts) in zip(ids, rows, strict=True)
            if id_ in keep
        ]

    @classmethod
    def of(cls, rows: list[Row]) -> MovementBlock:
        fingerprints = [row[FINGERPRINT] for row in rows]
        if all(row[CURRENCY] for row in rows):  # else the service fills in the account's
            count = len(rows) - 1
            text = islice(zip(*rows, strict=True), LINE)
            columns = [SEPARATOR.join(column) for column in text]
            if all(column.count(SEPARATOR) == count for column in columns):
                lines = SEPARATOR.join([str(row[LINE]) for row in rows])
                return cls(fingerprints, columns=(*columns, lines))
        return cls(fingerprints, rows=rows)


PreparedPart = StatementHeader | MovementBlock | StatementEnd

# RecordedMovement's fields in its order, from the first columns of a row; the id goes in front.
# Dates and amounts need no escaping; encode_basestring quotes and escapes a string.
_RECORDED_COLUMNS = 12
_RECORDED = (
    '"booking_date":"%s","value_date":"%s","amount":"%s","currency":%s,"description":%s,'
    '"bank_reference":%s,"customer_reference":%s,"transaction_code":%s,"counterparty_iban":%s,'
    '"counterparty_name":%s,"counterparty_tax_id":%s,"payment_reference":%s}'
)


def prepare(parts: Iterable[StatementPart]) -> Iterator[PreparedPart]:
    """The parser's parts with movements in :class:`MovementBlock` s and each footer as a
    :class:`StatementEnd`. Raises :class:`ParseError` for an amount the ledger cannot hold."""
    currency = ""
    rows: list[Row] = []
    count, total, first, last = 0, Decimal(0), None, None
    for part in parts:
        if isinstance(part, ParsedMovement):
            row = movement_row(part, currency)
            count += 1
            total += part.amount
            day = row[0]
            if first is None or day < first:
                first = day
            if last is None or day > last:
                last = day
            rows.append(row)
            if len(rows) >= BLOCK:
                yield MovementBlock.of(rows)
                rows = []
        elif isinstance(part, StatementHeader):
            currency = part.currency
            count, total, first, last = 0, Decimal(0), None, None
            yield part
        else:
            if rows:
                yield MovementBlock.of(rows)
                rows = []
            yield StatementEnd(part, count, total, first, last)


def movement_row(movement: ParsedMovement, statement_currency: str = "") -> Row:
    amount = movement.amount
    if amount.quantize(AMOUNT_QUANTUM) != amount:
        raise ParseError(f"amount {amount} has more than 4 decimals", line=movement.line or None)
    description = movement.description
    name = movement.counterparty_name[:200]
    iban = movement.counterparty_iban[:34]
    bank_reference = movement.bank_reference[:100]
    customer_reference = movement.customer_reference[:100]
    payment_reference = movement.payment_reference[:100]
    tax_id = movement.counterparty_tax_id[:11]
    currency = movement.currency or statement_currency
    search = fold(
        " ".join(
            (
                description,
                movement.counterparty_name,
                movement.counterparty_iban,
                movement.bank_reference,
                movement.customer_reference,
                movement.payment_reference,
                movement.counterparty_tax_id,
            )
        )
    )
    booking, value = movement.booking_date.isoformat(), movement.value_date.isoformat()
    return (
        booking, value, str(amount), currency, description, bank_reference, customer_reference,
        movement.transaction_code[:60], iban, name, tax_id, payment_reference, search,
        movement.raw, movement.line,
        fingerprint_of(movement, booking, value),
    )  # fmt: skip
