"""What the movement and BA/BS checkers share: a block checked column by column
(:mod:`.column_checks`), the data set's rules across columns, the checked tuples in the data set's
field order, and duplicates by KontrolKey across the blocks of one import."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count
from operator import attrgetter, itemgetter

from .cells import JsonCells, RowError, shown
from .column_checks import ColumnCheck, Problems
from .datasets import Column

Block = list[tuple[int, Sequence[object]]]
Good = list[tuple[int, tuple]]


class RowChecker:
    """Cells to checked tuples: each column's check, then :meth:`_rules` across columns, then the
    tuple in :attr:`fields` order (KontrolKey first), then duplicates by KontrolKey."""

    columns: tuple[Column, ...]
    fields: tuple[str, ...]

    def __init__(self) -> None:
        self.duplicates_dropped = 0
        """Rows dropped because an earlier row of the import had the same key and content."""
        # A first row is remembered by its number and its content's hash, not its content: an
        # import of millions of rows would hold them all (and plain ints keep the GC away).
        self._first: dict[str, int] = {}
        """Each KontrolKey's first row, as a position in :attr:`_rows` and :attr:`_hashes`."""
        self._rows: list[int] = []
        self._hashes: list[int] = []
        checks = self._column_checks()
        self._checks = tuple(checks[column.header] for column in self.columns)
        self._headers = tuple(column.header for column in self.columns)
        index_of_field = {column.field: index for index, column in enumerate(self.columns)}
        self._order = tuple(index_of_field[field] for field in self.fields)

    def _column_checks(self) -> dict[str, ColumnCheck]:
        """Each column's check by its header; made per import, as they remember cells."""
        raise NotImplementedError

    def _rules(self, values: list[list], problems: Problems) -> None:
        """The rules across columns over a block's checked columns (template order, ``BAD`` for a
        failed cell): adds problems, fills defaults in place."""
        raise NotImplementedError

    def check(self, block: Block) -> tuple[Good, list[RowError]]:
        """Good rows as (row number, checked tuple), and every problem of the bad ones (all of a
        row's problems, not just its first). A later row repeating an earlier one's key and content
        is dropped (:attr:`duplicates_dropped`); the same key with other content is an error."""
        if not block:
            return [], []
        errors: list[RowError] = []
        rows: Sequence[int]
        cells: Sequence[Sequence]
        rows, cells = zip(*block, strict=True)
        if JsonCells in set(map(type, cells)):
            rows, cells = self._set_aside_json_problems(rows, cells, errors)
        good = self._first_of_each_key(self._checked(rows, cells, errors), errors)
        errors.sort(key=attrgetter("row"))
        return good, errors

    def _checked(self, rows: Sequence[int], cells: Sequence[Sequence], errors: list) -> Good:
        """The rows whose cells and rules hold, checked; the problems of the others to ``errors``."""
        if not rows:
            return []
        columns = self._columns_of(cells)
        problems: Problems = []
        checks = zip(self._checks, columns, strict=True)
        values = [check(column, problems, index) for index, (check, column) in enumerate(checks)]
        self._rules(values, problems)
        checked = zip(*[values[index] for index in self._order], strict=True)
        good = list(zip(rows, checked, strict=True))
        if problems:
            bad = {position for position, _, _ in problems}
            good = [pair for position, pair in enumerate(good) if position not in bad]
            errors.extend(self._errors(rows, columns, problems))
        return good

    def _errors(self, rows: Sequence[int], columns: list[tuple], problems: Problems) -> list:
        problems.sort()
        headers = self._headers
        return [
            RowError(rows[position], headers[index], shown(columns[index][position]), reason)
            for position, index, reason in problems
        ]

    def _columns_of(self, cells: Sequence[Sequence]) -> list[tuple]:
        width = len(self.columns)
        if set(map(len, cells)) != {width}:
            raise ValueError(f"every row must have {width} cells, one per template column")
        return list(zip(*cells, strict=True))

    def _set_aside_json_problems(
        self, rows: Sequence[int], cells: Sequence[Sequence], errors: list[RowError]
    ) -> tuple[list[int], list[Sequence]]:
        """JSON items with problems of their own (unknown keys, …): those and their cells' problems
        to ``errors``; the other rows back."""
        kept_rows, kept_cells = [], []
        for row, row_cells in zip(rows, cells, strict=True):
            if type(row_cells) is JsonCells and row_cells.problems:
                errors.extend(row_cells.errors(row))
                if not row_cells.whole:
                    self._checked([row], [row_cells], errors)
            else:
                kept_rows.append(row)
                kept_cells.append(row_cells)
        return kept_rows, kept_cells

    def _first_of_each_key(self, good: Good, errors: list[RowError]) -> Good:
        """``good`` without the rows whose KontrolKey came before: dropped when their content is
        the same, an error when not."""
        checked = list(map(itemgetter(1), good))
        keys = list(map(itemgetter(0), checked))
        first, rows, hashes = self._first, self._rows, self._hashes
        if first.keys().isdisjoint(keys) and len(set(keys)) == len(keys):
            first.update(zip(keys, count(len(rows)), strict=False))
            rows.extend(map(itemgetter(0), good))
            hashes.extend(map(hash, checked))
            return good
        kept: Good = []
        for key, pair in zip(keys, good, strict=True):
            row, content = pair[0], hash(pair[1])
            earlier = first.setdefault(key, len(rows))
            if earlier == len(rows):
                rows.append(row)
                hashes.append(content)
                kept.append(pair)
            elif hashes[earlier] == content:
                self.duplicates_dropped += 1
            else:
                reason = f"is a duplicate of row {rows[earlier]} with different values"
                errors.append(RowError(row, "KontrolKey", key, reason))
        return kept
