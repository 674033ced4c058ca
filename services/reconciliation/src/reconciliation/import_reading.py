"""Reading and checking an import file, block by block: the part of an import that is pure CPU
work, run in a worker thread or — for large files on PostgreSQL — in a child process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .domain.datasets import BABS_FIELDS, Dataset
from .domain.packed import Packed, pack
from .domain.rows import (
    BabsChecker,
    CounterpartyChecker,
    MovementChecker,
    RowError,
    cells_from_json,
    series_of,
)
from .domain.workbook import read_rows

BLOCK = 5000
_DOCUMENT_NO = BABS_FIELDS.index("document_no")


class JsonRowsError(ValueError):
    """The JSON file is not an array of objects."""


@dataclass
class Checked:
    """A block: how many rows were read, the good ones (tuples in the data set's field order, or
    (row, counterparty) pairs), and the problems of the bad ones."""

    read: int
    good: list[Any]
    errors: list[RowError]


@dataclass
class PackedChecked:
    """A block of the books as PostgreSQL takes it (see :class:`~.adapters.books.Packed`)."""

    read: int
    packed: Packed
    errors: list[RowError]


def blocks(
    path: str, source: str, dataset: Dataset, memory_limited: bool = False
) -> Iterator[list[tuple[int, tuple]]]:
    """The file's rows in blocks of (row number, cells in the template's column order). In a
    memory-limited process a workbook's cells are not counted first (see ``read_rows``)."""
    if source == "xlsx":
        with open(path, "rb") as stream:
            yield from read_rows(stream, dataset, block_size=BLOCK, check_cells=not memory_limited)
        return
    with open(path, "rb") as stream:
        try:
            items = json.load(stream)
        except ValueError as exc:
            raise JsonRowsError(f"the file is not valid JSON: {exc}") from None
    if not isinstance(items, list):
        raise JsonRowsError("the JSON must be an array of rows (objects)")
    for start in range(0, len(items), BLOCK):
        chunk = items[start : start + BLOCK]
        yield [(start + i + 1, cells_from_json(dataset, item)) for i, item in enumerate(chunk)]


def _checker(dataset: Dataset) -> Any:
    return {
        Dataset.MOVEMENTS: MovementChecker,
        Dataset.BABS: BabsChecker,
        Dataset.COUNTERPARTIES: CounterpartyChecker,
    }[dataset]()


def checked_blocks(
    path: str, source: str, dataset: Dataset, memory_limited: bool = False
) -> Iterator[Checked]:
    """Each block checked; BA/BS rows get their series appended."""
    checker = _checker(dataset)
    for block in blocks(path, source, dataset, memory_limited):
        good, errors = checker.check(block)
        rows = [row for _, row in good]
        if dataset is Dataset.COUNTERPARTIES:
            yield Checked(len(block), good, errors)
            continue
        if dataset is Dataset.BABS:
            rows = [(*row, series_of(row[_DOCUMENT_NO])) for row in rows]
        yield Checked(len(block), rows, errors)


def packed_blocks(
    path: str, source: str, dataset: Dataset, memory_limited: bool = False
) -> Iterator[PackedChecked]:
    """Each block of the books checked and packed for PostgreSQL."""
    checker = _checker(dataset)
    for block in blocks(path, source, dataset, memory_limited):
        good, errors = checker.check(block)
        rows = [row for _, row in good]
        if dataset is Dataset.BABS:
            rows = [(*row, series_of(row[_DOCUMENT_NO])) for row in rows]
        yield PackedChecked(len(block), pack(rows), errors)
