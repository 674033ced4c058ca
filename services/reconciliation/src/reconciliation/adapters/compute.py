"""Balances and the BA/BS forms computed in the database: the arithmetic of ``domain/balances.py``
and ``domain/babs.py`` as SQL that runs the same on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.types import Money

from ..domain.babs import DEFAULT_THRESHOLD, FORMS, BabsDocument, BabsLine, BabsSide
from ..domain.balances import BY_DOCUMENT_DATE, Balance, side_of
from ..domain.datasets import OPENING_TYPES
from .orm import AccountMovement, BabsDocumentRow, Counterparty
from .scope import Scope, code_in, in_scope

__all__ = ["Scope", "babs", "babs_documents", "balances"]

_moves = AccountMovement.__table__
_parties = Counterparty.__table__
_ZERO: ColumnElement[int] = literal_column("0")
_EMPTY: ColumnElement[str] = literal_column("''")


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


# Balances ---------------------------------------------------------------------------------------

_is_opening = _moves.c.movement_type.in_([literal_column(str(t)) for t in sorted(OPENING_TYPES)])
_opening_date = case(
    (_moves.c.movement_type == literal_column(str(BY_DOCUMENT_DATE)), _moves.c.document_date),
    else_=_moves.c.record_date,
)


def _debit_sum(amount: Any) -> Any:
    """Σ of the rows on the debit side; a reversal counts on the side opposite its sign."""
    ordinary = _moves.c.reverses.is_(None)
    on_debit = or_(and_(ordinary, amount > _ZERO), and_(~ordinary, amount < _ZERO))
    return type_coerce(func.sum(amount).filter(on_debit), Money())


def _counted_rows(
    tenant_id: uuid.UUID, at: date, where: list[Any], odk: list[Any]
) -> tuple[Any, list[Any]]:
    """The movements joined to their code's opening date, and the conditions under which one
    counts at ``at``. ``where`` (scope, paging) bears on the opening; ``odk`` doesn't move it."""
    m = _moves
    openings = (
        select(m.c.code, func.max(_opening_date).label("opened"))
        .where(m.c.tenant_id == tenant_id, _is_opening, _opening_date <= at, *where)
        .group_by(m.c.code)
        .cte("openings")
    )
    opened = openings.c.opened
    since = or_(opened.is_(None), m.c.balance_date >= opened)
    normal = and_(~_is_opening, m.c.balance_date <= at, since)
    opening = and_(_is_opening, _opening_date == opened)
    rows = m.outerjoin(openings, openings.c.code == m.c.code)
    return rows, [m.c.tenant_id == tenant_id, or_(normal, opening), *where, *odk]


def _balance_query(rows: Any, counted: list[Any], limit: int | None) -> Select:
    """(code, currency, total, total in TRY, debit, debit in TRY, rows) of the counted rows."""
    m = _moves
    if limit is not None:
        # The page's codes first: walking the code index, the database stops after ``limit``.
        codes = select(m.c.code).select_from(rows).where(*counted).distinct()
        page = codes.order_by(m.c.code).limit(limit).cte("page")
        counted = [*counted, m.c.code.in_(select(page.c.code))]
    sums = (
        type_coerce(func.sum(m.c.amount), Money()),
        type_coerce(func.sum(m.c.local_amount), Money()),
        _debit_sum(m.c.amount),
        _debit_sum(m.c.local_amount),
    )
    return (
        select(m.c.code, m.c.currency, *sums, func.count())
        .select_from(rows)
        .where(*counted)
        .group_by(m.c.code, m.c.currency)
        .order_by(m.c.code, m.c.currency)
    )


async def balances(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    at: date,
    scope: Scope,
    *,
    odk_in: Collection[str] | None = None,
    odk_not_in: Collection[str] | None = None,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[Balance]:
    """``domain.balances.balances_at`` over the tenant's stored movements in ``scope``, by (code,
    currency). Pages by code: ``after_code`` and ``limit`` codes (all currencies of a code)."""
    where = in_scope(_moves.c.code, tenant_id, scope, _dialect(session))
    if after_code is not None:
        where.append(_moves.c.code > after_code)
    odk = [] if odk_in is None else [_moves.c.odk.in_(sorted(odk_in))]
    if odk_not_in is not None:
        odk.append(_moves.c.odk.not_in(sorted(odk_not_in)))
    query = _balance_query(*_counted_rows(tenant_id, at, where, odk), limit)
    return [_balance(*row) for row in await session.execute(query)]


def _balance(
    code: str,
    currency: str,
    total: Decimal,
    total_try: Decimal,
    debit: Decimal | None,
    debit_try: Decimal | None,
    rows: int,
) -> Balance:
    debit, debit_try = debit or Decimal(0), debit_try or Decimal(0)
    return Balance(
        code, currency, debit, debit - total, total,
        debit_try, debit_try - total_try, total_try, side_of(total), rows,
    )  # fmt: skip


async def balance_movements(
    session: AsyncSession, tenant_id: uuid.UUID, at: date, codes: Sequence[str]
) -> list[tuple[str, date, str, str, str, Decimal, bool]]:
    """The movements ``balances()`` counts for ``codes`` at ``at``: (code, date, document no,
    description, currency, amount, is a reversal), by code and date."""
    m = _moves
    rows, counted = _counted_rows(tenant_id, at, [code_in(m.c.code, codes, _dialect(session))], [])
    query = (
        select(m.c.code, m.c.balance_date, m.c.document_no, m.c.description, m.c.currency,
               m.c.amount, m.c.reverses.is_not(None))
        .select_from(rows)
        .where(*counted)
        .order_by(m.c.code, m.c.balance_date, m.c.document_no, m.c.control_key)
    )  # fmt: skip
    return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]


async def month_documents(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    period: date,
    codes: Sequence[str],
    *,
    excluded_series: Collection[str] = frozenset(),
) -> list[tuple[str, str, date, str, Decimal]]:
    """The BA/BS documents of ``codes`` in ``period`` that count (net not zero): (code, form,
    document date, document no, net), by code, form and date."""
    d = _docs
    where = _babs_rows(tenant_id, period, excluded_series)
    where += [code_in(d.c.code, codes, _dialect(session)), d.c.net != _ZERO]
    query = (
        select(d.c.code, d.c.form, d.c.document_date, d.c.document_no, d.c.net)
        .where(*where)
        .order_by(d.c.code, d.c.form, d.c.document_date, d.c.document_no)
    )
    return [tuple(row) for row in await session.execute(query)]  # type: ignore[misc]


# BA/BS ------------------------------------------------------------------------------------------

_docs = BabsDocumentRow.__table__


def _babs_rows(tenant_id: uuid.UUID, period: date, excluded_series: Collection[str]) -> list:
    """The month's documents, less those of an excluded series."""
    where = [_docs.c.tenant_id == tenant_id, _docs.c.period == period]
    if excluded_series:
        where.append(_docs.c.series.not_in(sorted({s.upper() for s in excluded_series})))
    return where


def _documents(where: list[Any]) -> Any:
    """Per document (code, form, document key) its net: the summed ``babs_documents``."""
    return select(_docs.c.code, _docs.c.form, _docs.c.net).where(*where).subquery("documents")


def _sides(where: list[Any], threshold: Any = None) -> Select:
    """Per (code, form) the number of documents with a net and the total of the nets; only those
    reaching ``threshold`` when given."""
    documents = _documents(where)
    counted = func.count().filter(documents.c.net != _ZERO).label("count")
    total = type_coerce(func.sum(documents.c.net), Money())
    query = select(documents.c.code, documents.c.form, counted, total.label("total"))
    query = query.group_by(documents.c.code, documents.c.form)
    return query if threshold is None else query.having(total >= threshold)


def _plain_lines(tenant_id: uuid.UUID, where: list[Any], threshold: Any) -> Select:
    """A row per code with a side that reaches the threshold: code, title, tax id, then count and
    total of BA and of BS (a side below the threshold comes back too; the caller drops it)."""
    documents = _documents(where)
    figures = []
    for form in FORMS:
        of_form = documents.c.form == literal_column(f"'{form}'")
        figures += [
            func.count().filter(and_(of_form, documents.c.net != _ZERO)),
            type_coerce(func.sum(documents.c.net).filter(of_form), Money()),
        ]
    per_code = (
        select(documents.c.code, *figures)
        .group_by(documents.c.code)
        .having(or_(figures[1] >= threshold, figures[3] >= threshold))
        .subquery("per_code")
    )
    party = and_(_parties.c.tenant_id == tenant_id, _parties.c.code == per_code.c.code)
    counts = [column for column in per_code.c if column.key != "code"]
    return (
        select(per_code.c.code, _parties.c.title, _parties.c.tax_id, *counts)
        .select_from(per_code.outerjoin(_parties, party))
        .order_by(per_code.c.code)
    )


def _merged_lines(tenant_id: uuid.UUID, where: list[Any], threshold: Any) -> Select:
    """A line per tax number (per code without one), a row per code and form, each with the
    line's figures; only lines with a side that reaches the threshold."""
    sides = _sides(where).subquery("sides")
    party = and_(_parties.c.tenant_id == tenant_id, _parties.c.code == sides.c.code)
    has_tax_id = func.coalesce(_parties.c.tax_id, _EMPTY) != _EMPTY
    key = case((has_tax_id, _parties.c.tax_id), else_=sides.c.code)
    line = (key, case((has_tax_id, 1), else_=0))
    figures = []
    for form in FORMS:
        of_form = sides.c.form == literal_column(f"'{form}'")
        figures += [
            func.sum(sides.c.count).filter(of_form).over(partition_by=line).label(f"{form}_count"),
            func.sum(sides.c.total).filter(of_form).over(partition_by=line).label(f"{form}_total"),
        ]
    first = func.min(sides.c.code).over(partition_by=line).label("first")
    columns = (sides.c.code, key.label("key"), first, _parties.c.title, _parties.c.tax_id)
    merged = select(*columns, *figures).select_from(sides.outerjoin(_parties, party)).subquery()
    listed = or_(merged.c.BA_total >= threshold, merged.c.BS_total >= threshold)
    return select(merged).where(listed).order_by(merged.c.key, merged.c.first, merged.c.code)


async def babs(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    period: date,
    scope: Scope,
    *,
    threshold: Decimal = DEFAULT_THRESHOLD,
    merge_by_tax_id: bool = False,
    excluded_series: Collection[str] = frozenset(),
) -> list[BabsLine]:
    """``domain.babs.babs_lines`` over the tenant's stored BA/BS movements of ``period`` (first
    day of the month) in ``scope``. Codes out of scope don't count, not even on a merged line."""
    where = _babs_rows(tenant_id, period, excluded_series)
    where += in_scope(_docs.c.code, tenant_id, scope, _dialect(session))
    limit = literal(threshold, Money())
    if not merge_by_tax_id:
        rows = await session.execute(_plain_lines(tenant_id, where, limit))
        return _plain(rows, threshold)
    return _assemble(await session.execute(_merged_lines(tenant_id, where, limit)), threshold)


def _plain(rows: Iterable[Any], threshold: Decimal) -> list[BabsLine]:
    return [
        BabsLine(
            code,
            (code,),
            title,
            tax_id,
            BabsSide(ba_count, ba_total)
            if ba_total is not None and ba_total >= threshold
            else None,
            BabsSide(bs_count, bs_total)
            if bs_total is not None and bs_total >= threshold
            else None,
        )  # fmt: skip
        for code, title, tax_id, ba_count, ba_total, bs_count, bs_total in rows
    ]


def _assemble(rows: Iterable[Any], threshold: Decimal) -> list[BabsLine]:
    """Lines from rows (code, key, first code, title, tax id, BA count, BA total, BS count,
    BS total) that come by line, its first code first; a figure is None where not known."""
    lines: list[BabsLine] = []
    for code, key, first, title, tax_id, ba_count, ba_total, bs_count, bs_total in rows:
        ba = None if ba_total is None or ba_total < threshold else BabsSide(int(ba_count), ba_total)
        bs = None if bs_total is None or bs_total < threshold else BabsSide(int(bs_count), bs_total)
        if lines and lines[-1].key == key and lines[-1].codes[0] == first:
            line = lines[-1]
            codes = line.codes if line.codes[-1] == code else (*line.codes, code)
            lines[-1] = BabsLine(key, codes, line.title, line.tax_id, line.ba or ba, line.bs or bs)
        else:
            lines.append(BabsLine(key, (code,), title, tax_id, ba, bs))
    return lines


async def babs_documents(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    period: date,
    codes: Sequence[str],
    form: str,
    *,
    excluded_series: Collection[str] = frozenset(),
) -> list[BabsDocument]:
    """``domain.babs.babs_documents``: the documents of ``codes`` on ``form`` in ``period``,
    cancelled ones included, by (code, document date, document number, document key)."""
    d = _docs
    where = _babs_rows(tenant_id, period, excluded_series)
    where += [d.c.form == form, code_in(d.c.code, codes, _dialect(session))]
    query = (
        select(
            d.c.code,
            d.c.document_key,
            d.c.document_no,
            d.c.document_date,
            d.c.net,
            d.c.rows,
            d.c.reversed,
        )  # fmt: skip
        .where(*where)
        .order_by(d.c.code, d.c.document_date, d.c.document_no, d.c.document_key)
    )
    return [
        BabsDocument(code, form, key, number, day, net, rows, bool(reversed_))
        for code, key, number, day, net, rows, reversed_ in await session.execute(query)
    ]
