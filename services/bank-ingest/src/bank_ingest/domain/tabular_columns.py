"""The mapping's column references resolved against one file's header row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .statement import ParseError
from .tabular_cells import Cell, cell_text
from .tabular_mapping import (
    ColumnMapping,
    column_index,
    column_letters,
    fold_title,
    is_column_letter,
)


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    """0-based position in the row."""
    title: str
    """The header's title, or ``column C`` when the header cell is empty: names it in errors."""


@dataclass(frozen=True, slots=True)
class Columns:
    booking_date: Column
    value_date: Column | None = None
    amount: Column | None = None
    debit: Column | None = None
    credit: Column | None = None
    description: tuple[Column, ...] = ()
    counterparty_iban: Column | None = None
    counterparty_name: Column | None = None
    counterparty_tax_id: Column | None = None
    reference: Column | None = None
    transaction_code: Column | None = None
    balance: Column | None = None
    currency: Column | None = None
    account: Column | None = None


def resolve_columns(mapping: ColumnMapping, header: Sequence[Cell], *, line: int) -> Columns:
    """Each mapped column's position; every title the header lacks is named in one error."""
    titles = [cell_text(cell) for cell in header]
    positions: dict[str, list[int]] = {}
    for index, title in enumerate(titles):
        if title:
            positions.setdefault(fold_title(title), []).append(index)
    found: dict[str, tuple[Column, ...]] = {}
    missing: list[tuple[str, str]] = []
    for name, refs in mapping.column_refs().items():
        places = [(ref, _position(ref, positions, line=line)) for ref in refs]
        missing.extend((ref, name) for ref, place in places if place is None)
        found[name] = tuple(_column(place, titles) for _, place in places if place is not None)
    if missing:
        shown = ", ".join(repr(t) for t in titles if t) or "nothing"
        named = ", ".join(f"{ref!r} ({name})" for ref, name in missing)
        raise ParseError(
            f"no column {named} in header row {line}; it holds {shown}",
            line=line,
            field=missing[0][0],
        )
    _check_no_overlap(found, line=line)
    single = {name: columns[0] for name, columns in found.items() if name != "description"}
    return Columns(description=found.get("description", ()), **single)


def _column(index: int, titles: list[str]) -> Column:
    title = titles[index] if index < len(titles) else ""
    return Column(index, title or f"column {column_letters(index)}")


def _position(ref: str, positions: dict[str, list[int]], *, line: int) -> int | None:
    matches = positions.get(fold_title(ref), [])
    if len(matches) > 1:
        letters = ", ".join(column_letters(i) for i in matches)
        raise ParseError(
            f"{ref!r} is the title of columns {letters}; name the one to read by its letter",
            line=line,
            field=ref,
        )
    if matches:
        return matches[0]
    return column_index(ref) if is_column_letter(ref) else None


def _check_no_overlap(found: dict[str, tuple[Column, ...]], *, line: int) -> None:
    """Date and money columns must be distinct: reading one as the other is never intended."""
    seen: dict[int, str] = {}
    for name in ("booking_date", "amount", "debit", "credit", "balance"):
        for column in found.get(name, ()):
            if column.index in seen:
                raise ParseError(
                    f"{seen[column.index]} and {name} both point at {column.title!r}",
                    line=line,
                    field=column.title,
                )
            seen[column.index] = name
