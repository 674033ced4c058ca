"""Vouchers for the ERP: pull (cursor), acknowledge, cancel, reverse; exchange rates; series."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field

from shared.auth import Principal
from shared.errors import MutabikError
from shared.http.deps import ANY_ROLE, OPERATOR, get_uow
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import Page, decode_cursor, page_of

from ..adapters.repository import MatcherUnitOfWork
from ..adapters.voucher_repository import Vouchers
from ..schemas import MAX_AMOUNT
from ..vouchers import (
    DEFAULT_SERIES,
    VoucherOut,
    acknowledge,
    cancel,
    get_voucher,
    reverse,
)

router = APIRouter(tags=["vouchers"], responses=PROBLEM_RESPONSES)

SERIES = Field(min_length=1, max_length=20, pattern=r"^[^\s]+$", examples=["BNK"])
CURRENCY = Field(pattern=r"^[A-Z]{3}$", examples=["USD"])


def actor_of(principal: Principal) -> str:
    return principal.user_email or f"key:{principal.key_id}"


# -- bodies -----------------------------------------------------------------------------------


class AcknowledgeIn(BaseModel):
    erp_document_number: str = Field(
        min_length=1, max_length=60, description="The ERP's own number of the booked document"
    )


class AcknowledgeItem(AcknowledgeIn):
    id: uuid.UUID


class AcknowledgeResult(BaseModel):
    id: uuid.UUID
    ok: bool
    voucher: VoucherOut | None = None
    problem: dict[str, Any] | None = Field(
        default=None, description="Problem details of an item that was refused (404, 409)"
    )


class BulkAcknowledgeOut(BaseModel):
    results: list[AcknowledgeResult]


class ReverseIn(BaseModel):
    date: dt.date | None = Field(
        default=None, description="The reversal's date; default the original's"
    )
    number: int | None = Field(
        default=None, ge=1, description="A number of the same series; default the next free one"
    )


class RateIn(BaseModel):
    currency: str = CURRENCY
    date: dt.date
    rate: Decimal = Field(
        gt=0, le=MAX_AMOUNT, decimal_places=4, description="TRY per unit, up to 4 decimals"
    )


class RateOut(RateIn):
    updated_at: dt.datetime


class RatesStored(BaseModel):
    stored: int


class SeriesEntry(BaseModel):
    document_type: str = Field(
        min_length=1, max_length=40, description="A document type, or `*` for all the others"
    )
    series: str = SERIES


class SeriesMapOut(BaseModel):
    fallback: str = Field(description="The series used when neither the type nor `*` is mapped")
    series: list[SeriesEntry]


# -- pulling ----------------------------------------------------------------------------------

StateFilter = Literal["ready", "acknowledged", "cancelled", "reversed", "all"]


@router.get(
    "/vouchers",
    response_model=Page[VoucherOut],
    summary="Vouchers for the ERP to pull (ready ones by default), oldest first",
    description="Ordered by `seq`, the voucher's position in the tenant's feed. Positions are "
    "given under a lock held until the voucher is committed, so a voucher never appears behind a "
    "cursor already passed. A ready voucher stays listed until it is acknowledged or cancelled.",
)
async def list_vouchers(
    state: StateFilter = "ready",
    movement_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=500),
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> Page[VoucherOut]:
    after = decode_cursor(cursor, int)[0] if cursor else None
    async with uow:
        rows = await Vouchers(uow.session).page(
            principal.tenant_id,
            states=None if state == "all" else [state],
            movement_id=movement_id,
            after_seq=after,
            limit=limit + 1,
        )
    return page_of([VoucherOut.model_validate(v) for v in rows], limit, lambda v: (v.seq,))


@router.get("/vouchers/{voucher_id}", response_model=VoucherOut, summary="One voucher")
async def get_one_voucher(
    voucher_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> VoucherOut:
    async with uow:
        return VoucherOut.model_validate(await get_voucher(uow, principal.tenant_id, voucher_id))


# -- the ERP's answer -------------------------------------------------------------------------


@router.post(
    "/vouchers/acknowledge",
    response_model=BulkAcknowledgeOut,
    summary="Acknowledge many vouchers: the ERP booked them under these numbers",
    description="Each item succeeds or fails on its own (`ok`, `problem`). Idempotent: the same "
    "number again changes nothing; another number for a voucher already acknowledged is refused.",
)
async def acknowledge_many(
    items: list[AcknowledgeItem] = Body(..., min_length=1, max_length=1000),
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> BulkAcknowledgeOut:
    async with uow:
        results = await acknowledge(
            uow,
            principal.tenant_id,
            [(item.id, item.erp_document_number) for item in items],
            actor=actor_of(principal),
        )
        await uow.commit()
    out = []
    for item, result in zip(items, results, strict=True):
        if isinstance(result, MutabikError):
            out.append(AcknowledgeResult(id=item.id, ok=False, problem=result.problem()))
        else:
            out.append(AcknowledgeResult(id=item.id, ok=True, voucher=_out(result)))
    return BulkAcknowledgeOut(results=out)


@router.post(
    "/vouchers/{voucher_id}/acknowledge",
    response_model=VoucherOut,
    summary="Acknowledge a voucher: the ERP booked it under this number",
    description='The movement becomes exported ("Aktarıldı") and bank-ingest is told. '
    "Idempotent: the same number again returns the same voucher; another number is 409, as is "
    "a cancelled voucher (which must not be booked).",
    responses=CONFLICT,
)
async def acknowledge_one(
    voucher_id: uuid.UUID,
    body: AcknowledgeIn,
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> VoucherOut:
    async with uow:
        [result] = await acknowledge(
            uow,
            principal.tenant_id,
            [(voucher_id, body.erp_document_number)],
            actor=actor_of(principal),
        )
        if isinstance(result, Exception):
            raise result
        await uow.commit()
    return _out(result)


@router.post(
    "/vouchers/{voucher_id}/cancel",
    response_model=VoucherOut,
    summary="Cancel a voucher the ERP has not acknowledged",
    description="The movement returns to the worklist. After acknowledgement only a reversal "
    "is possible (409).",
    responses=CONFLICT,
)
async def cancel_voucher(
    voucher_id: uuid.UUID,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> VoucherOut:
    async with uow:
        voucher = await cancel(uow, principal.tenant_id, voucher_id, actor=actor_of(principal))
        await uow.commit()
    return _out(voucher)


@router.post(
    "/vouchers/{voucher_id}/reverse",
    status_code=201,
    response_model=VoucherOut,
    summary="Reverse an acknowledged voucher with a reversal voucher",
    description="Returns the new reversal voucher (lines swapped, same series), ready for the "
    "ERP. The original becomes `reversed` and the movement returns to the worklist.",
    responses=CONFLICT,
)
async def reverse_voucher(
    voucher_id: uuid.UUID,
    request: Request,
    body: ReverseIn | None = None,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
):
    payload = body or ReverseIn()

    async def create() -> VoucherOut:
        reversal = await reverse(
            uow,
            principal.tenant_id,
            voucher_id,
            actor=actor_of(principal),
            date=payload.date,
            number=payload.number,
        )
        return _out(reversal)

    return await create_once(request, principal, uow, payload, create)


def _out(voucher) -> VoucherOut:
    return VoucherOut.model_validate(voucher)


# -- exchange rates ---------------------------------------------------------------------------


@router.put(
    "/exchange-rates",
    response_model=RatesStored,
    tags=["exchange rates"],
    summary="Store the ERP's exchange rates (TRY per unit), replacing those of the same day",
    description="Vouchers in another currency take the rate of their date or the latest "
    "earlier one; without any, their TRY amount is left to the ERP.",
)
async def put_rates(
    rates: list[RateIn] = Body(..., max_length=10000),
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> RatesStored:
    latest = {(r.currency, r.date): r.rate for r in rates}  # the last of duplicates wins
    async with uow:
        await Vouchers(uow.session).put_rates(
            principal.tenant_id,
            [(currency, day, rate) for (currency, day), rate in latest.items()],
            dt.datetime.now(dt.UTC),
        )
        await uow.commit()
    return RatesStored(stored=len(latest))


@router.get(
    "/exchange-rates",
    response_model=list[RateOut],
    tags=["exchange rates"],
    summary="The ERP's exchange rates, newest first",
)
async def list_rates(
    currency: str | None = Query(None, pattern=r"^[A-Z]{3}$"),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = Query(500, ge=1, le=5000),
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> list[RateOut]:
    async with uow:
        rows = await Vouchers(uow.session).rates(
            principal.tenant_id,
            currency=currency,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
        )
    return [
        RateOut(currency=r.currency, date=r.date, rate=r.rate, updated_at=r.updated_at)
        for r in rows
    ]


# -- series per document type -----------------------------------------------------------------


@router.get(
    "/voucher-series",
    response_model=SeriesMapOut,
    summary="The voucher series of each document type",
)
async def get_series(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> SeriesMapOut:
    async with uow:
        mapping = await Vouchers(uow.session).series_map(principal.tenant_id)
    return SeriesMapOut(
        fallback=DEFAULT_SERIES,
        series=[SeriesEntry(document_type=k, series=v) for k, v in sorted(mapping.items())],
    )


@router.put(
    "/voucher-series",
    response_model=SeriesMapOut,
    summary="Replace the voucher series of each document type",
    description=f"`*` maps every type not listed; unmapped types use `{DEFAULT_SERIES}`.",
)
async def put_series(
    entries: list[SeriesEntry] = Body(..., max_length=200),
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> SeriesMapOut:
    mapping = {e.document_type: e.series for e in entries}
    async with uow:
        await Vouchers(uow.session).replace_series_map(
            principal.tenant_id, mapping, dt.datetime.now(dt.UTC)
        )
        await uow.commit()
    return SeriesMapOut(
        fallback=DEFAULT_SERIES,
        series=[SeriesEntry(document_type=k, series=v) for k, v in sorted(mapping.items())],
    )
