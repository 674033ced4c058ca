"""Form Ba (purchases) and Form Bs (sales) of one month: the reference arithmetic, over plain rows.

A document is keyed by its system document number; a reversal row belongs to the document it
reverses and cancels it. ``adapters/compute.py`` computes the same in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

DEFAULT_THRESHOLD = Decimal(5000)
FORMS = ("BA", "BS")


@dataclass(frozen=True)
class BabsRow:
    """The fields of one BA/BS movement the forms need (its period is the caller's concern)."""

    code: str
    form: str
    document_date: date
    document_no: str
    series: str
    base_amount: Decimal
    system_document_no: str
    reverses: str | None = None


@dataclass(frozen=True)
class CounterpartyInfo:
    title: str
    tax_id: str


@dataclass(frozen=True)
class BabsSide:
    count: int
    """Documents whose net is not zero."""
    total: Decimal


@dataclass(frozen=True)
class BabsLine:
    """One line of the forms: a counterparty, or with merging one tax number and its codes.
    ``title``/``tax_id`` are None when the code has no counterparty row."""

    key: str
    codes: tuple[str, ...]
    title: str | None
    tax_id: str | None
    ba: BabsSide | None
    bs: BabsSide | None


@dataclass(frozen=True)
class BabsDocument:
    """One document behind a line. ``document_no``/``document_date`` come from its ordinary rows
    (the smallest), from its reversal rows when the month has only those."""

    code: str
    form: str
    document_key: str
    document_no: str
    document_date: date
    net: Decimal
    rows: int
    reversed: bool


def document_key(row: BabsRow) -> str:
    """The document a row belongs to: the one it reverses, else its own."""
    return row.reverses if row.reverses is not None else row.system_document_no


def net_amount(row: BabsRow) -> Decimal:
    """What a row adds to its document's net: a reversal always subtracts."""
    return -abs(row.base_amount) if row.reverses is not None else row.base_amount


def line_key(code: str, info: CounterpartyInfo | None, merge_by_tax_id: bool) -> tuple[str, bool]:
    """(key, keyed by tax number). Kept apart from a code that happens to equal a tax number."""
    if merge_by_tax_id and info is not None and info.tax_id:
        return info.tax_id, True
    return code, False


def listed_side(side: BabsSide | None, threshold: Decimal) -> BabsSide | None:
    """The side when it has rows and its total reaches the threshold, else None."""
    return side if side is not None and side.total >= threshold else None


def _own_rows(rows: list[BabsRow]) -> list[BabsRow]:
    """The rows that name a document: its ordinary rows, its reversal rows when the month has
    only those."""
    return [row for row in rows if row.reverses is None] or rows


def document_series(rows: list[BabsRow]) -> str:
    """A document's series: the smallest of its own rows' (see :func:`_own_rows`). A series left
    out leaves its documents out whole, reversals included."""
    return min(row.series for row in _own_rows(rows))


def _grouped(
    rows: Iterable[BabsRow], excluded_series: Collection[str]
) -> dict[tuple[str, str, str], list[BabsRow]]:
    """The month's documents by (code, form, document key), less those of an excluded series."""
    documents: dict[tuple[str, str, str], list[BabsRow]] = defaultdict(list)
    for row in rows:
        documents[(row.code, row.form, document_key(row))].append(row)
    excluded = {series.upper() for series in excluded_series}
    return {key: rows for key, rows in documents.items() if document_series(rows) not in excluded}


def babs_lines(
    rows: Iterable[BabsRow],
    counterparties: Mapping[str, CounterpartyInfo],
    *,
    threshold: Decimal = DEFAULT_THRESHOLD,
    merge_by_tax_id: bool = False,
    excluded_series: Collection[str] = frozenset(),
) -> list[BabsLine]:
    """The lines of one month's forms (``rows`` all of that month), sorted by key.

    A side is listed when its total reaches ``threshold`` (exactly: 4,999.99 is out of 5,000);
    a line when either side is. A side with no rows at all is never listed."""
    documents = _grouped(rows, excluded_series)
    totals, codes = _side_totals(documents, counterparties, merge_by_tax_id)
    lines = []
    for key, members in codes.items():
        listed = {form: listed_side(totals.get((key, form)), threshold) for form in FORMS}
        if any(listed.values()):
            lines.append(_line(key[0], tuple(sorted(members)), counterparties, listed))
    return sorted(lines, key=lambda line: (line.key, line.codes))


def _side_totals(
    documents: Mapping[tuple[str, str, str], list[BabsRow]],
    counterparties: Mapping[str, CounterpartyInfo],
    merge_by_tax_id: bool,
) -> tuple[dict[tuple[tuple[str, bool], str], BabsSide], dict[tuple[str, bool], set[str]]]:
    """Per (line key, form) the side's figures, and per line key its codes."""
    totals: dict[tuple[tuple[str, bool], str], BabsSide] = {}
    codes: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for (code, form, _), document in documents.items():
        key = line_key(code, counterparties.get(code), merge_by_tax_id)
        codes[key].add(code)
        net = sum((net_amount(row) for row in document), Decimal(0))
        before = totals.get((key, form), BabsSide(0, Decimal(0)))
        totals[(key, form)] = BabsSide(before.count + (net != 0), before.total + net)
    return totals, codes


def _line(
    key: str,
    codes: tuple[str, ...],
    counterparties: Mapping[str, CounterpartyInfo],
    listed: dict[str, BabsSide | None],
) -> BabsLine:
    info = counterparties.get(codes[0])
    return BabsLine(
        key=key,
        codes=codes,
        title=info.title if info else None,
        tax_id=info.tax_id if info else None,
        ba=listed["BA"],
        bs=listed["BS"],
    )


def babs_documents(
    rows: Iterable[BabsRow],
    codes: Collection[str],
    form: str,
    *,
    excluded_series: Collection[str] = frozenset(),
) -> list[BabsDocument]:
    """The documents of ``codes`` on ``form`` in one month, cancelled ones included, sorted by
    (code, document date, document number, document key)."""
    wanted = (row for row in rows if row.code in codes and row.form == form)
    documents = [
        _document(code, form_, key, document)
        for (code, form_, key), document in _grouped(wanted, excluded_series).items()
    ]
    return sorted(documents, key=lambda d: (d.code, d.document_date, d.document_no, d.document_key))


def _document(code: str, form: str, key: str, rows: list[BabsRow]) -> BabsDocument:
    ordinary = _own_rows(rows)
    return BabsDocument(
        code=code,
        form=form,
        document_key=key,
        document_no=min(row.document_no for row in ordinary),
        document_date=min(row.document_date for row in ordinary),
        net=sum((net_amount(row) for row in rows), Decimal(0)),
        rows=len(rows),
        reversed=any(row.reverses is not None for row in rows),
    )
