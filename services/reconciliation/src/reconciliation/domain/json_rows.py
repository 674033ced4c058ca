"""JSON items (objects keyed by the template's headers or the English field names) to the same
cells an .xlsx row gives, so both go through one checker."""

from __future__ import annotations

import json

from shared.text import fold

from ..schemas import CounterpartyIn
from .cells import JsonCells, JsonValue, shown
from .datasets import COLUMNS, Dataset


def _column_of_key(dataset: Dataset) -> dict[str, int]:
    """Header, field, and both folded (``CariDonem``, ``caridönem``) to the column's index."""
    index: dict[str, int] = {}
    for number, column in enumerate(COLUMNS[dataset]):
        for key in (column.header, column.field, fold(column.header), fold(column.field)):
            if index.setdefault(key, number) != number:
                raise RuntimeError(f"{key!r} names two columns of {dataset}")
    return index


_COLUMN_OF_KEY = {dataset: _column_of_key(dataset) for dataset in Dataset}
COUNTERPARTY_EXTRA_FIELDS = frozenset(CounterpartyIn.model_fields) - {
    column.field for column in COLUMNS[Dataset.COUNTERPARTIES]
}
"""Counterparty fields the template lacks (``ibans``, ``aliases``, ...): taken from JSON only."""


_NAMES = {
    dataset: (tuple(c.header for c in COLUMNS[dataset]), tuple(c.field for c in COLUMNS[dataset]))
    for dataset in Dataset
}
_NAME_SETS = {dataset: tuple(map(frozenset, names)) for dataset, names in _NAMES.items()}
_NESTED = frozenset({list, dict})


def cells_from_json(dataset: Dataset, item: object) -> tuple:
    """One JSON item as the template's cells, in column order (a missing key or ``null`` is an
    empty cell). Keys are the template's headers or the English field names, in any mix (and any
    case or Turkish spelling: ``CariDonem``). What is wrong with the item itself — not an object,
    a key that is no column, a column given twice, a list or object where one value belongs —
    travels in the returned :class:`JsonCells` and becomes the checker's row errors: this never
    raises."""
    if not isinstance(item, dict):
        empty: list[object] = [None] * len(COLUMNS[dataset])
        return JsonCells(empty, [(None, shown(item), "must be an object")], whole=True)
    headers, fields = _NAME_SETS[dataset]
    keys = item.keys()
    names = _NAMES[dataset][0] if keys <= headers else _NAMES[dataset][1] if keys <= fields else ()
    if names:
        cells = tuple(map(item.get, names))
        if _NESTED.isdisjoint(map(type, cells)):
            return cells
    return _cells_one_by_one(dataset, item)


def _cells_one_by_one(dataset: Dataset, item: dict) -> tuple:
    columns = COLUMNS[dataset]
    column_of_key = _COLUMN_OF_KEY[dataset]
    cells: list[object] = [None] * len(columns)
    problems: list[tuple[str | None, object, str]] = []
    extra: dict[str, object] = {}
    given: dict[int, str] = {}
    for key, value in item.items():
        index = column_of_key.get(key)
        if index is None:
            index = column_of_key.get(fold(str(key)))
        if index is None:
            if dataset is Dataset.COUNTERPARTIES and key in COUNTERPARTY_EXTRA_FIELDS:
                extra[key] = value
            else:
                problems.append((None, shown(key), f"is not a column of {dataset.value}"))
        elif index in given:
            reason = f"is given twice, as {given[index]} and as {key}"
            problems.append((columns[index].header, shown(value), reason))
        else:
            given[index] = key
            cells[index] = _cell(value)
    if problems or extra:
        return JsonCells(cells, problems, extra=extra)
    return tuple(cells)


def _cell(value: object) -> object:
    if isinstance(value, list | dict):
        return JsonValue(json.dumps(value, ensure_ascii=False, default=str))
    return value
