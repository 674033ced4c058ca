"""Bank Excel and CSV exports, read through a connection's saved :class:`ColumnMapping`.

Rows below the header become movements; contiguous rows of one account (and currency) make one
statement. With a balance column the statement gets its opening balance (the first row's balance
less its amount) and its closing balance (the last row's); files listing the newest row first are
recognised by their running balance, or else by their dates, and emitted oldest first.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby, pairwise
from typing import BinaryIO, Literal

from .statement import (
    Balance,
    ParseError,
    StatementFooter,
    StatementHeader,
    StatementPart,
)
from .tabular_cells import CellError, normalize_account
from .tabular_columns import resolve_columns
from .tabular_mapping import ColumnMapping
from .tabular_rows import DetailsFinder, Row, RowReader
from .tabular_sources import Record, read_records

__all__ = ["ColumnMapping", "parse_tabular"]


def parse_tabular(
    stream: BinaryIO,
    mapping: ColumnMapping,
    *,
    kind: Literal["excel", "csv"],
    encoding: str = "auto",
    account: str = "",
) -> Iterator[StatementPart]:
    """Statement parts of an Excel workbook (xlsx, xls, ods) or a CSV file.

    ``account`` is the connection's account, for files that do not name theirs; ``encoding`` applies
    to CSV only. Raises :class:`ParseError` naming the row and column of the first bad cell.
    """
    fallback = _fallback_account(mapping, account)
    records = read_records(
        stream,
        kind=kind,
        sheet=mapping.sheet,
        delimiter=mapping.delimiter,
        encoding=encoding,
        header_row=mapping.header_row,
    )
    header = _header(records, mapping.header_row)
    columns = resolve_columns(mapping, header.cells, line=header.line)
    reader = RowReader(mapping, columns, account=fallback, details=_details_finder())
    rows = (row for record in records if (row := reader.read(record)) is not None)
    for _, group in groupby(rows, key=lambda row: (row.account, row.currency)):
        yield from _statement(list(group), kind)


def _fallback_account(mapping: ColumnMapping, given: str) -> str:
    """The account for rows that name none: the mapping's, else the caller's; never two."""
    try:
        given = normalize_account(given)
    except CellError as exc:
        raise ParseError(f"the connection's account: {exc}") from exc
    fixed = mapping.fixed_account or ""
    if fixed and given and fixed != given:
        raise ParseError(
            f"the mapping's fixed_account {fixed} is not the connection's account {given}"
        )
    if not (fixed or given or mapping.account):
        raise ParseError(
            "the statement's account is unknown: map an `account` column, set `fixed_account`, "
            "or give the connection's account"
        )
    return fixed or given


def _header(records: Iterator[Record], header_row: int) -> Record:
    count = 0
    for count, record in enumerate(records, start=1):  # noqa: B007 - count is read after the loop
        if count == header_row:
            return record
    raise ParseError(
        f"the file has {count} rows; the column titles were expected on row {header_row}"
    )


def _details_finder() -> DetailsFinder | None:
    """The free-text extractor, when its module is part of this build."""
    try:
        from .details import extract_details  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    return extract_details  # type: ignore[no-any-return, unused-ignore]


def _statement(rows: list[Row], kind: Literal["excel", "csv"]) -> Iterator[StatementPart]:
    line = rows[0].movement.line
    if _newest_first(rows):
        rows.reverse()
    first, last = rows[0], rows[-1]
    opening = closing = None
    if first.balance is not None:
        start = first.movement
        opening = Balance(first.balance - start.amount, start.booking_date, first.currency)
    if last.balance is not None:
        closing = Balance(last.balance, last.movement.booking_date, last.currency)
    yield StatementHeader(
        format=kind, account=first.account, currency=first.currency, opening=opening, line=line
    )
    for row in rows:
        yield row.movement
    yield StatementFooter(closing=closing)


def _newest_first(rows: list[Row]) -> bool:
    """Whether the running balance reads bottom-up; by the dates when the balances don't say."""
    forward = backward = 0
    for above, below in pairwise(rows):
        if above.balance is None or below.balance is None:
            continue
        forward += above.balance + below.movement.amount == below.balance
        backward += below.balance + above.movement.amount == above.balance
    if forward != backward:
        return backward > forward
    return rows[0].movement.booking_date > rows[-1].movement.booking_date
