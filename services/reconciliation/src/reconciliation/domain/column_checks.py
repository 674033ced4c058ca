"""A block's cells checked a column at a time, so the common case runs in C (``map``, dict lookups,
``in``) and only the odd cell goes through a Python converter of :mod:`.cells`.

A column check takes the column's cells, appends ``(position, column index, reason)`` for each bad
cell to ``problems``, and returns the converted values with :data:`BAD` at the bad positions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from itertools import compress, repeat
from operator import is_
from typing import cast

from .amounts import amount_cell, decimals
from .cells import Convert, text_cell

BAD = object()
"""A cell that failed its own check; the rules across columns leave it alone."""
MISS = object()
CACHE_MAX = 100_000
"""Distinct cells remembered per column of one import."""

Problems = list[tuple[int, int, str]]
"""(position in the block, column index, reason) of each problem."""
ColumnCheck = Callable[[Sequence[object], Problems, int], list]

_KEY_TYPES = frozenset({str, type(None), date, datetime, int, float})
_NUMBERS_OR_NONE = frozenset({int, float, type(None)})
_ONLY_EMPTY: dict[object, object] = {None: None}


def _cacheable(value: object) -> bool:
    # True == 1 and False == 0 (and hash alike): a cached 1 or 0 would let a bool cell through.
    return type(value) in _KEY_TYPES and (type(value) not in (int, float) or value not in (0, 1))


def one_by_one(convert: Convert, cells: Sequence[object], problems: Problems, index: int) -> list:
    """Each cell through ``convert``: the slow way, for a column with odd cells in it."""
    out: list = []
    for position, cell in enumerate(cells):
        try:
            out.append(convert(cell))
        except ValueError as exc:
            out.append(BAD)
            problems.append((position, index, str(exc)))
    return out


class Cached:
    """A column of few distinct cells (account codes, dates, currencies, types): each distinct cell
    converted once per import, the rest looked up."""

    def __init__(self, convert: Convert) -> None:
        self.convert = convert
        self.cache: dict[object, object] = {}

    def __call__(self, cells: Sequence[object], problems: Problems, index: int) -> list:
        try:
            out = list(map(self.cache.get, cells, repeat(MISS)))
        except TypeError:  # an unhashable cell: no reader gives one, but stay correct
            return one_by_one(self.convert, cells, problems, index)
        if any(map(is_, out, repeat(MISS))):  # identity: == against a Decimal or date is slow
            self._convert_missed(cells, out, problems, index)
        return out

    def _convert_missed(
        self, cells: Sequence[object], out: list, problems: Problems, index: int
    ) -> None:
        cache, convert = self.cache, self.convert
        for position in compress(range(len(out)), map(is_, out, repeat(MISS))):
            cell = cells[position]
            try:
                out[position] = value = convert(cell)
            except ValueError as exc:
                out[position] = BAD
                problems.append((position, index, str(exc)))
                continue
            if len(cache) < CACHE_MAX and _cacheable(cell):
                cache[cell] = value


class Text:
    """A column of free text (document numbers, keys, descriptions): stripped in one pass when
    every cell is text within ``limit``; cell by cell otherwise."""

    def __init__(self, limit: int, *, required: bool = False) -> None:
        self.limit, self.required = limit, required
        self.convert = text_cell(limit, required=required)

    def __call__(self, cells: Sequence[object], problems: Problems, index: int) -> list:
        try:
            out = list(map(str.strip, cast("Sequence[str]", cells)))
        except TypeError:  # empty cells (None) or numbers among the text
            if self.required or None not in cells:
                return one_by_one(self.convert, cells, problems, index)
            blanks_as_text = ["" if cell is None else cell for cell in cells]
            try:
                out = list(map(str.strip, cast("list[str]", blanks_as_text)))
            except TypeError:
                return one_by_one(self.convert, cells, problems, index)
        if (
            (self.required and "" in out)
            or max(map(len, out), default=0) > self.limit
            or "\x00" in "".join(out)
        ):
            return one_by_one(self.convert, cells, problems, index)
        return out


class Amounts:
    """A column of amounts. When every cell is an ``int``/``float`` or empty (what Excel holds),
    the column is converted at once in C by :func:`.amounts.decimals`; text and odd numbers go cell
    by cell. A column that mostly ``repeats`` another (YerelTutar repeats Tutar in TRY) takes the
    other's amounts for the cells equal to it."""

    def __init__(self, *, required: bool = False, repeats: Amounts | None = None) -> None:
        self.convert = amount_cell(required=required)
        self.required, self.repeats = required, repeats
        self.remember = False
        self.last: dict[object, object] = {}
        """This block's number cells and their amounts, kept for a column that repeats this one."""
        if repeats is not None:
            repeats.remember = True

    def __call__(self, cells: Sequence[object], problems: Problems, index: int) -> list:
        out = None
        if set(map(type, cells)) <= _NUMBERS_OR_NONE:  # bool is no number here
            out = self._numbers(cells)
        if out is None:
            self.last = {}
            return one_by_one(self.convert, cells, problems, index)
        if self.remember:
            self.last = dict(zip(cells, out, strict=True))
            self.last[None] = None
        return out

    def _numbers(self, cells: Sequence[object]) -> list | None:
        known = self.repeats.last if self.repeats is not None else {}
        if not known and self.required:
            return decimals(cells)  # type: ignore[arg-type]  # an empty cell gives None: one by one
        out = list(map((known or _ONLY_EMPTY).get, cells, repeat(MISS)))
        missed = list(map(is_, out, repeat(MISS)))
        numbers = list(compress(cells, missed))
        converted = decimals(numbers)  # type: ignore[arg-type]
        if converted is None:
            return None
        for position, amount in zip(compress(range(len(out)), missed), converted, strict=True):
            out[position] = amount
        return out
