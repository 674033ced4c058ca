"""Cari Kayıtlar rows checked by :class:`~reconciliation.schemas.CounterpartyIn`, the model of the
JSON API, so an .xlsx row and a JSON counterparty obey one set of rules."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from ..schemas import CounterpartyIn
from .cells import REQUIRED, JsonCells, RowError, active, as_text, shown
from .datasets import COUNTERPARTY_COLUMNS

_HEADER_OF_FIELD = {column.field: column.header for column in COUNTERPARTY_COLUMNS}
_INDEX_OF_FIELD = {column.field: index for index, column in enumerate(COUNTERPARTY_COLUMNS)}
_INDEX_OF_HEADER = {column.header: index for index, column in enumerate(COUNTERPARTY_COLUMNS)}


class CounterpartyChecker:
    """Counterparty rows to :class:`CounterpartyIn`; numbers typed where text belongs (HesapKod,
    VergiNo, PostaKod, Telefon) are taken as their digits, Aktif as 1/0 or true/false. Fields the
    template lacks (``ibans``, ``aliases``, ...) keep their defaults, unless a JSON item gives them."""

    def __init__(self) -> None:
        self.duplicates_dropped = 0
        """Rows dropped because an earlier row of the import had the same HesapKod and content."""
        self._first: dict[str, tuple[int, CounterpartyIn]] = {}

    def check(
        self, block: list[tuple[int, Sequence[object]]]
    ) -> tuple[list[tuple[int, CounterpartyIn]], list[RowError]]:
        """Good rows as (row number, counterparty), and every problem of the bad ones. A later row
        repeating an earlier one's HesapKod and content is dropped (:attr:`duplicates_dropped`);
        the same HesapKod with other content is an error."""
        good: list[tuple[int, CounterpartyIn]] = []
        errors: list[RowError] = []
        for row, cells in block:
            counterparty, problems = _checked(row, cells)
            if counterparty is None:
                errors.extend(problems)
                continue
            first = self._first.setdefault(counterparty.code, (row, counterparty))
            if first[0] == row:
                good.append((row, counterparty))
            elif first[1] == counterparty:
                self.duplicates_dropped += 1
            else:
                reason = f"is a duplicate of row {first[0]} with different values"
                errors.append(RowError(row, "HesapKod", shown(cells[0]), reason))
        return good, errors


def _checked(row: int, cells: Sequence[object]) -> tuple[CounterpartyIn | None, list[RowError]]:
    """The row's counterparty, or None and all its problems."""
    problems: list[RowError] = []
    if type(cells) is JsonCells:
        problems.extend(cells.errors(row))
        if cells.whole:
            return None, problems
    data: dict[str, object] = {}
    for column, cell in zip(COUNTERPARTY_COLUMNS, cells, strict=True):
        try:
            value = _value(column.field, cell)
        except ValueError as exc:
            problems.append(RowError(row, column.header, shown(cell), str(exc)))
            continue
        if value != "":
            data[column.field] = value
    if type(cells) is JsonCells:
        data.update(cells.extra)
    failed = {error.column for error in problems}
    try:
        counterparty = CounterpartyIn.model_validate(data)
    except ValidationError as exc:
        problems.extend(e for e in _model_errors(row, cells, exc) if e.column not in failed)
        problems.sort(key=_in_column_order)
        return None, problems
    return (None, problems) if problems else (counterparty, problems)


def _in_column_order(error: RowError) -> int:
    if error.column is None:
        return -1
    return _INDEX_OF_HEADER.get(error.column, len(_INDEX_OF_HEADER))


def _value(field: str, cell: object) -> object:
    if field != "active":
        return as_text(cell)
    if cell is None or (type(cell) is str and not cell.strip()):
        return ""
    return active(cell)


def _model_errors(row: int, cells: Sequence[object], exc: ValidationError) -> list[RowError]:
    """Pydantic's errors in the template's words: its header, the cell as written, our phrasing."""
    errors = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        field = str(loc[0]) if loc else ""
        header = _HEADER_OF_FIELD.get(field) or ".".join(str(part) for part in loc) or None
        kind = error["type"]
        if kind == "missing":
            reason = REQUIRED
        elif kind == "string_too_long":
            reason = f"is longer than {error['ctx']['max_length']} characters"
        else:
            reason = error["msg"].removeprefix("Value error, ")
        index = _INDEX_OF_FIELD.get(field)
        value = shown(cells[index]) if index is not None else shown(error.get("input"))
        errors.append(RowError(row, header, value, reason))
    return errors
