"""What the books say: balances at a date and BA/BS per month, for one counterparty, a filter or
all — always within the caller's row-level access."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from shared.auth import Principal
from shared.errors import ValidationFailed
from shared.http.deps import ANY_ROLE, get_uow
from shared.http.problems import PROBLEM_RESPONSES
from shared.pagination import Page, decode_cursor, page_of
from shared.text import fold

from ..access import responsible_email
from ..adapters import compute
from ..adapters.repository import ReconciliationUnitOfWork
from ..domain.balances import Balance

router = APIRouter(tags=["balances and BA/BS"], responses=PROBLEM_RESPONSES)

MONTHS = ("ocak", "subat", "mart", "nisan", "mayis", "haziran",
          "temmuz", "agustos", "eylul", "ekim", "kasim", "aralik")  # fmt: skip
_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-(.+))?$")


class CurrencyBalance(BaseModel):
    currency: str
    debit: Decimal = Field(description="Borç: debit total, reversals netted, in the currency")
    credit: Decimal = Field(description="Alacak: credit total, reversals netted")
    balance: Decimal = Field(description="debit − credit; positive: the counterparty owes us")
    side: Literal["debit", "credit", "zero"]
    debit_try: Decimal
    credit_try: Decimal
    balance_try: Decimal = Field(description="The same in TRY (YerelTutar)")
    movement_count: int


class CounterpartyBalance(BaseModel):
    code: str
    title: str | None = Field(description="None for a code with movements but no counterparty")
    at: date
    balance_try: Decimal = Field(description="Sum over currencies, in TRY")
    currencies: list[CurrencyBalance]


class BabsSideOut(BaseModel):
    count: int = Field(description="Documents (reversed ones left out)")
    total: Decimal = Field(description="Total excluding VAT, reversals netted")


class BabsLineOut(BaseModel):
    key: str = Field(description="The code, or the tax number when counterparties are merged")
    codes: list[str]
    title: str | None
    tax_id: str | None
    ba: BabsSideOut | None = Field(description="Form Ba (purchases); None below the threshold")
    bs: BabsSideOut | None = Field(description="Form Bs (sales); None below the threshold")


class BabsReportOut(BaseModel):
    period: date
    threshold: Decimal
    merge_by_tax_id: bool
    excluded_series: list[str]
    ba_lines: int
    bs_lines: int
    lines: list[BabsLineOut]


class BabsDocumentOut(BaseModel):
    code: str
    form: Literal["BA", "BS"]
    document_key: str = Field(description="SistemEvrakNo of the document")
    document_no: str
    document_date: date
    net: Decimal
    rows: int
    reversed: bool


def _scope(
    code: list[str] | None = Query(None, description="One or more counterparty codes"),
    text: str | None = Query(None, min_length=1, max_length=200),
    kind: Literal["customer", "supplier"] | None = None,
    active: bool | None = None,
    principal: Principal = Depends(ANY_ROLE),
) -> compute.Scope:
    return compute.Scope(codes=code or None, text=text, kind=kind, active=active,
                         responsible_email=responsible_email(principal))  # fmt: skip


def parse_period(value: str) -> date:
    """``2025-01`` or the template's ``2025-01-Ocak`` → 1 January 2025."""
    match = _PERIOD.match(value.strip())
    month = int(match.group(2)) if match else 0
    if not match or not 1 <= month <= 12:
        raise ValidationFailed(
            "period must look like 2025-01 or 2025-01-Ocak",
            [{"location": "query.period", "message": "yyyy-mm or yyyy-mm-Ay", "value": value}],
        )
    if match.group(3) is not None and fold(match.group(3)) != MONTHS[month - 1]:
        raise ValidationFailed(
            f"period {value!r} says month {month:02d} but names {match.group(3)}",
            [{"location": "query.period", "message": "month name does not match"}],
        )
    return date(int(match.group(1)), month, 1)


@router.get(
    "/balances",
    response_model=Page[CounterpartyBalance],
    summary="Balances at a date, per counterparty and currency",
    description="Opening entries (HareketTipi 12/13) are the balance brought forward: movements "
    "dated before a counterparty's latest opening on or before `at` are left out. Reversals "
    "(TersKayit) are netted on the side of what they reverse. `odk` keeps only those ÖDK codes, "
    "`exclude_odk` leaves them out. Filters combine; pages go by code.",
)
async def balances(
    at: date = Query(description="The balance date (ISO, e.g. 2025-12-31)"),
    odk: list[str] | None = Query(None, description="Only these ÖDK codes (e.g. Genel)"),
    exclude_odk: list[str] | None = Query(None, description="Leave these ÖDK codes out"),
    cursor: str | None = None,
    limit: int = Query(500, ge=1, le=5000),
    scope: compute.Scope = Depends(_scope),
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> Page[CounterpartyBalance]:
    after = decode_cursor(cursor, str)[0] if cursor else None
    async with uow:
        lines = await compute.balances(
            uow.session, principal.tenant_id, at, scope,
            odk_in=set(odk) if odk else None, odk_not_in=set(exclude_odk) if exclude_odk else None,
            after_code=after, limit=limit + 1,
        )  # fmt: skip
        codes = list(dict.fromkeys(line.code for line in lines))
        titles = await uow.counterparties.titles(principal.tenant_id, codes)
    by_code: dict[str, list[Balance]] = {}
    for line in lines:
        by_code.setdefault(line.code, []).append(line)
    items = [_counterparty_balance(code, titles.get(code), at, by_code[code]) for code in codes]
    return page_of(items, limit, lambda item: (item.code,))


def _counterparty_balance(
    code: str, title: str | None, at: date, mine: list[Balance]
) -> CounterpartyBalance:
    return CounterpartyBalance(
        code=code,
        title=title,
        at=at,
        balance_try=sum((line.balance_try for line in mine), Decimal(0)),
        currencies=[CurrencyBalance.model_validate(line, from_attributes=True) for line in mine],
    )


@router.get(
    "/babs",
    response_model=BabsReportOut,
    summary="BA/BS for a month: Form Ba and Form Bs side by side",
    description="Per counterparty (or per tax number with `merge_by_tax_id`), the number of "
    "documents and their total excluding VAT, for purchases (BA) and sales (BS). A side is "
    "listed only at or above `threshold` (default 5,000 TRY); a line appears when either side "
    "is. Reversals cancel the document they reverse; `exclude_series` leaves out documents "
    "whose number starts with that series (documents posted later).",
)
async def babs(
    period: str = Query(description="The month: 2025-01 or 2025-01-Ocak"),
    threshold: Decimal = Query(Decimal(5000), ge=0, description="Minimum total, TRY"),
    merge_by_tax_id: bool = Query(False, description="One line per tax number (Cari Birleştirme)"),
    exclude_series: list[str] | None = Query(None, description="Document series to leave out"),
    scope: compute.Scope = Depends(_scope),
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> BabsReportOut:
    month = parse_period(period)
    series = frozenset(s.strip().upper() for s in exclude_series or () if s.strip())
    async with uow:
        lines = await compute.babs(
            uow.session, principal.tenant_id, month, scope, threshold=threshold,
            merge_by_tax_id=merge_by_tax_id, excluded_series=series,
        )  # fmt: skip
    out = [BabsLineOut.model_validate(line, from_attributes=True) for line in lines]
    return BabsReportOut(
        period=month, threshold=threshold, merge_by_tax_id=merge_by_tax_id,
        excluded_series=sorted(series), ba_lines=sum(1 for line in out if line.ba),
        bs_lines=sum(1 for line in out if line.bs), lines=out,
    )  # fmt: skip


@router.get(
    "/babs/documents",
    response_model=list[BabsDocumentOut],
    summary="The documents behind a BA/BS line",
    description="For the line's codes (all codes of a merged line) and one form.",
)
async def babs_documents(
    period: str = Query(description="The month: 2025-01 or 2025-01-Ocak"),
    form: Literal["BA", "BS"] = Query(),
    code: list[str] = Query(description="The line's codes"),
    exclude_series: list[str] | None = Query(None),
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> list[BabsDocumentOut]:
    month = parse_period(period)
    series = frozenset(s.strip().upper() for s in exclude_series or () if s.strip())
    async with uow:
        visible = await _visible_codes(uow, principal, code)
        documents = await compute.babs_documents(
            uow.session, principal.tenant_id, month, visible, form, excluded_series=series
        )
    return [BabsDocumentOut.model_validate(d, from_attributes=True) for d in documents]


async def _visible_codes(
    uow: ReconciliationUnitOfWork, principal: Principal, codes: list[str]
) -> list[str]:
    email = responsible_email(principal)
    if email is None:
        return codes
    return await uow.counterparties.codes_of(principal.tenant_id, codes, responsible_email=email)
