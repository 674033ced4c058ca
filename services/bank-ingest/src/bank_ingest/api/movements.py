"""Movements: the filtered listing with totals, and one movement with its raw lines."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends, Query

from shared.auth import Principal
from shared.errors import NotFound
from shared.http.deps import ANY_ROLE, get_uow
from shared.http.problems import PROBLEM_RESPONSES
from shared.pagination import decode_cursor, page_of

from ..adapters.movement_queries import MovementFilter
from ..adapters.repository import BankIngestUnitOfWork
from ..schemas import MAX_AMOUNT, CurrencyTotals, MovementDetail, MovementOut, MovementPage

router = APIRouter(prefix="/movements", tags=["movements"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=MovementPage,
    summary="List movements (newest first) with totals",
    description="Filters combine. `amount_min`/`amount_max` apply to the absolute amount; "
    "`text` searches description, names, IBAN and references, with or without Turkish letters.",
)
async def list_movements(
    account_id: uuid.UUID | None = None,
    statement_id: uuid.UUID | None = None,
    date_from: date | None = Query(None, description="Booking date from (inclusive)"),
    date_to: date | None = Query(None, description="Booking date to (inclusive)"),
    direction: Literal["incoming", "outgoing"] | None = None,
    amount_min: Decimal | None = Query(None, ge=0, le=MAX_AMOUNT, decimal_places=4),
    amount_max: Decimal | None = Query(None, ge=0, le=MAX_AMOUNT, decimal_places=4),
    text: str | None = Query(None, min_length=1, max_length=200),
    processed: bool | None = Query(None, description="Exported/dropped by the matcher, or not"),
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> MovementPage:
    where = MovementFilter(
        account_id=account_id, statement_id=statement_id, date_from=date_from, date_to=date_to,
        direction=direction, amount_min=amount_min, amount_max=amount_max, text=text,
        processed=processed,
    )  # fmt: skip
    after = decode_cursor(cursor, date.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        rows = await uow.movements.page(principal.tenant_id, where, after=after, limit=limit + 1)
        totals = await uow.movements.totals(principal.tenant_id, where)
    page = page_of(
        [MovementOut.model_validate(m) for m in rows],
        limit,
        lambda m: (m.booking_date.isoformat(), m.id),
    )
    return MovementPage(
        items=page.items,
        next_cursor=page.next_cursor,
        totals=[
            CurrencyTotals(
                currency=t.currency,
                count=t.count,
                incoming=t.incoming,
                outgoing=t.outgoing,
                net=t.incoming + t.outgoing,
            )  # fmt: skip
            for t in totals
        ],
    )


@router.get("/{movement_id}", response_model=MovementDetail, summary="One movement")
async def get_movement(
    movement_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> MovementDetail:
    async with uow:
        movement = await uow.movements.get(principal.tenant_id, movement_id)
    if movement is None:
        raise NotFound(f"No movement {movement_id}.")
    return MovementDetail.model_validate(movement)
