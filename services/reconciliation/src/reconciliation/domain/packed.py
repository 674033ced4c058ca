"""A block of checked rows packed for PostgreSQL's bulk upsert (see ``adapters/books.py``):
pure, so that the import's child process builds it without loading the database layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .cells import TEXT_OF

_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Packed:
    """A block of checked rows as PostgreSQL takes it: each column one string joined with
    U+001F, cut by the server with string_to_array — asyncpg would otherwise inspect every element
    of every array, most of the client's time. A column with a value holding the separator, and
    any column of a one-row block (``string_to_array('')`` is empty), goes as a list instead."""

    count: int
    columns: tuple[str | list[Any], ...]

    def values(self, index: int) -> list[Any]:
        """One column's values: text when packed, as checked when sent as a list."""
        column = self.columns[index]
        return column.split(_SEPARATOR) if isinstance(column, str) else column


def pack(rows: Sequence[tuple]) -> Packed:
    """Pure and picklable: built next to the checker (in a child process for large files)."""
    columns: list[str | list[Any]] = []
    for column in zip(*rows, strict=True):
        joined = _joined(column)
        ok = len(column) > 1 and joined.count(_SEPARATOR) == len(column) - 1
        columns.append(joined if ok else list(column))
    return Packed(len(rows), tuple(columns))


def _joined(column: tuple) -> str:
    try:
        return _SEPARATOR.join(column)  # a column of text, most of them
    except TypeError:
        pass
    if None in column:
        return _SEPARATOR.join(["" if value is None else str(value) for value in column])
    # dates (ISO) and movement types from the checkers' cache of their text, amounts as str
    return _SEPARATOR.join(map(str, map(TEXT_OF.get, column, column)))
