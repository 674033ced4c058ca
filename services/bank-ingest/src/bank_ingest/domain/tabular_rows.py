"""One data row of a spreadsheet or CSV file to one movement, to nothing, or to a ParseError.

A row with neither a date nor an amount is skipped (blank rows, footers). A row that lacks one of
them, or whose date or amount does not read, is skipped only when it is labelled as a summary
("Toplam", "Genel Toplam", "Devir", "Önceki Bakiye" …) or repeats the header; otherwise the file is
refused at that row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from .statement import ParsedMovement, ParseError
from .tabular_cells import (
    AmountReader,
    Cell,
    CellError,
    DateReader,
    cell_text,
    currency_code,
    is_blank,
    normalize_account,
    normalize_iban,
    tax_id,
)
from .tabular_columns import Column, Columns
from .tabular_mapping import ColumnMapping, fold_title
from .tabular_sources import Record
from .text import fold, squash

T = TypeVar("T")
DetailsFinder = Callable[..., Any]
"""``extract_details(text, *, own_account)`` of :mod:`.details`, when that module is present."""

_WORD = re.compile(r"[a-z]+")
_SUMMARY_LABELS = tuple(
    tuple(label.split())
    for label in (
        "toplam", "genel toplam", "ara toplam", "total", "devir", "devreden", "nakli yekun",
        "onceki bakiye", "acilis bakiye", "acilis bakiyesi", "kapanis bakiye", "kapanis bakiyesi",
        "donem basi", "donem sonu", "bakiye", "opening balance", "closing balance",
    )
)  # fmt: skip


class Row(NamedTuple):
    account: str
    currency: str
    movement: ParsedMovement
    balance: Decimal | None
    """The running balance after this row, when the file has a balance column."""


class RowReader:
    """Reads data rows against resolved columns; holds the per-file caches."""

    def __init__(
        self,
        mapping: ColumnMapping,
        columns: Columns,
        *,
        account: str,
        details: DetailsFinder | None = None,
    ) -> None:
        self._columns = columns
        self._dates = DateReader(mapping.date_format)
        self._amounts = AmountReader(mapping.decimal_separator, mapping.thousands_separator)
        self._currency = mapping.fixed_currency
        self._account = account
        self._details = details

    def read(self, record: Record) -> Row | None:
        """The row's movement, or None for a row that holds none."""
        columns = self._columns
        money = (columns.amount,) if columns.amount else (columns.debit, columns.credit)
        if is_blank(_get(record.cells, columns.booking_date)) and all(
            is_blank(_get(record.cells, column)) for column in money
        ):
            return None
        try:
            currency = self._row_currency(record)
            booking, amount = self._date_and_amount(record, currency)
        except ParseError:
            if self._is_summary(record.cells):
                return None
            raise
        account = self._row_account(record)
        balance = self._optional(lambda c: self._amounts(c, currency), record, columns.balance)
        movement = self._movement(record, booking, amount, currency)
        if self._details is not None and movement.description:
            self._add_details(movement, account)
        return Row(account, currency, movement, balance)

    def _date_and_amount(self, record: Record, currency: str) -> tuple[date, Decimal]:
        columns = self._columns
        amount = self._amount(record, currency)
        if is_blank(_get(record.cells, columns.booking_date)):
            raise ParseError(
                f"the row has an amount ({amount}) but no date",
                line=record.line,
                field=columns.booking_date.title,
            )
        booking = self._convert(self._dates, record, columns.booking_date)
        if amount is None:
            money = columns.amount or columns.credit
            raise ParseError(
                f"the row has a date ({booking:%d.%m.%Y}) but no amount",
                line=record.line,
                field=money.title if money else None,
            )
        return booking, amount

    def _amount(self, record: Record, currency: str) -> Decimal | None:
        columns = self._columns

        def read(cell: Cell) -> Decimal:
            return self._amounts(cell, currency)

        if columns.amount is not None:
            return self._optional(read, record, columns.amount)
        debit = self._optional(read, record, columns.debit)
        credit = self._optional(read, record, columns.credit)
        if debit is None and credit is None:
            return None
        if credit is not None and credit < 0:
            raise self._error(record, columns.credit, "is negative; credits are positive amounts")
        if debit and credit:
            raise self._error(
                record, columns.debit, f"is a debit on a row with a credit ({credit})"
            )
        zero = Decimal(0)
        return (credit or zero) - abs(debit or zero)

    def _movement(
        self, record: Record, booking: date, amount: Decimal, currency: str
    ) -> ParsedMovement:
        columns, cells = self._columns, record.cells
        descriptions = (cell_text(_get(cells, column)) for column in columns.description)
        return ParsedMovement(
            booking_date=booking,
            value_date=self._optional(self._dates, record, columns.value_date) or booking,
            amount=amount,
            currency=currency,
            description=squash(" ".join(descriptions)),
            bank_reference=_text(cells, columns.reference),
            transaction_code=_text(cells, columns.transaction_code),
            counterparty_iban=self._optional(_iban, record, columns.counterparty_iban) or "",
            counterparty_name=squash(_text(cells, columns.counterparty_name)),
            counterparty_tax_id=self._optional(tax_id, record, columns.counterparty_tax_id) or "",
            raw=record.raw if record.raw is not None else _joined(cells),
            line=record.line,
        )

    def _add_details(self, movement: ParsedMovement, account: str) -> None:
        """Counterparty fields the columns left empty, from the description's free text."""
        assert self._details is not None
        found = self._details(movement.description, own_account=account)
        movement.counterparty_iban = movement.counterparty_iban or found.counterparty_iban
        movement.counterparty_name = movement.counterparty_name or found.counterparty_name
        movement.counterparty_tax_id = movement.counterparty_tax_id or found.counterparty_tax_id
        movement.payment_reference = movement.payment_reference or found.payment_reference

    def _row_currency(self, record: Record) -> str:
        code = self._optional(lambda c: currency_code(cell_text(c)), record, self._columns.currency)
        return code or self._currency

    def _row_account(self, record: Record) -> str:
        column = self._columns.account
        account = self._optional(lambda c: normalize_account(cell_text(c)), record, column)
        if account or self._account:
            return account or self._account
        raise ParseError(
            "the row names no account and the connection has none",
            line=record.line,
            field=column.title if column else None,
        )

    def _optional(
        self, read: Callable[[Cell], T], record: Record, column: Column | None
    ) -> T | None:
        """The column's value, or None when the column is not mapped or the cell is empty."""
        if column is None or is_blank(cell := _get(record.cells, column)):
            return None
        return self._convert(read, record, column, cell)

    @staticmethod
    def _convert(read: Callable[[Cell], T], record: Record, column: Column, cell: Cell = None) -> T:
        if cell is None:
            cell = _get(record.cells, column)
        try:
            return read(cell)
        except CellError as exc:
            raise ParseError(str(exc), line=record.line, field=column.title) from exc

    @staticmethod
    def _error(record: Record, column: Column | None, what: str) -> ParseError:
        value = cell_text(_get(record.cells, column)) if column else ""
        return ParseError(
            f"{value!r} {what}", line=record.line, field=column.title if column else None
        )

    def _is_summary(self, cells: Sequence[Cell]) -> bool:
        """A totals or carried-balance row, or the header repeated (page breaks in some exports)."""
        header = fold_title(self._columns.booking_date.title)
        if fold_title(cell_text(_get(cells, self._columns.booking_date))) == header:
            return True
        for cell in cells:
            if isinstance(cell, str) and cell:
                words = tuple(_WORD.findall(fold(cell)))
                for label in _SUMMARY_LABELS:
                    if words[: len(label)] == label and len(words) <= len(label) + 2:
                        return True
        return False


def _get(cells: Sequence[Cell], column: Column | None) -> Cell:
    if column is None or column.index >= len(cells):
        return None
    return cells[column.index]


def _text(cells: Sequence[Cell], column: Column | None) -> str:
    return cell_text(_get(cells, column)) if column else ""


def _iban(cell: Cell) -> str:
    return normalize_iban(cell_text(cell))


def _joined(cells: Sequence[Cell]) -> str:
    texts = [cell_text(cell) for cell in cells]
    start, end = 0, len(texts)
    while start < end and not texts[start]:
        start += 1
    while end > start and not texts[end - 1]:
        end -= 1
    return " | ".join(texts[start:end])
