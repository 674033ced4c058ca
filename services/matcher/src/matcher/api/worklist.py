"""The operator's worklist: list, look at, confirm, choose another account, drop, restore."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends, Query, Request

from shared.auth import Principal, Role
from shared.errors import Conflict, MutabikError, NotFound
from shared.http.deps import ANY_ROLE, get_uow, require
from shared.http.problems import CONFLICT, NOT_FOUND, PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import decode_cursor, page_of

from .. import worklist
from ..adapters.orm import Movement
from ..adapters.repository import MatcherUnitOfWork, WorklistFilter
from ..domain.model import AccountKind
from ..schemas import (
    MAX_AMOUNT,
    BulkChooseIn,
    BulkConfirmIn,
    BulkIn,
    BulkOutcome,
    ChooseIn,
    ConfirmIn,
    DecisionOut,
    Direction,
    State,
    WorklistMovement,
    WorklistMovementDetail,
    WorklistPage,
)
from .directory import account_name

router = APIRouter(prefix="/movements", tags=["worklist"], responses=PROBLEM_RESPONSES)
OPERATOR = require(Role.OPERATOR)


def actor_of(principal: Principal) -> str:
    return principal.user_email or f"key:{principal.key_id}"


@router.get(
    "",
    response_model=WorklistPage,
    summary="The worklist: movements with their proposals (oldest first)",
    description="Without `state`, every movement not yet exported. `amount_min`/`amount_max` "
    "apply to the absolute amount.",
)
async def list_worklist(
    state: State | None = None,
    account_id: uuid.UUID | None = None,
    date_from: date | None = Query(None, description="Booking date from (inclusive)"),
    date_to: date | None = Query(None, description="Booking date to (inclusive)"),
    direction: Direction | None = None,
    amount_min: Decimal | None = Query(None, ge=0, le=MAX_AMOUNT, decimal_places=4),
    amount_max: Decimal | None = Query(None, ge=0, le=MAX_AMOUNT, decimal_places=4),
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> WorklistPage:
    where = WorklistFilter(
        state=state, states=None if state else ("unmatched", "proposed", "confirmed", "dropped"),
        account_id=account_id, date_from=date_from, date_to=date_to, direction=direction,
        amount_min=amount_min, amount_max=amount_max,
    )  # fmt: skip
    after = decode_cursor(cursor, date.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        rows = await uow.movements.page(principal.tenant_id, where, after=after, limit=limit + 1)
        counts = await uow.movements.counts(
            principal.tenant_id, WorklistFilter(**{**where.__dict__, "state": None})
        )
    page = page_of(
        [WorklistMovement.model_validate(m) for m in rows],
        limit,
        lambda m: (m.booking_date.isoformat(), m.id),
    )
    return WorklistPage(items=page.items, next_cursor=page.next_cursor, counts=counts)


@router.get("/{movement_id}", response_model=WorklistMovementDetail, summary="One movement")
async def get_movement(
    movement_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> WorklistMovementDetail:
    async with uow:
        movement = await _movement(uow, principal, movement_id)
        decisions = await uow.movements.decisions(principal.tenant_id, movement_id)
    detail = WorklistMovement.model_validate(movement).model_dump()
    return WorklistMovementDetail(
        **detail, decisions=[DecisionOut.model_validate(d) for d in decisions]
    )


@router.post(
    "/{movement_id}/confirm",
    response_model=WorklistMovement,
    summary="Confirm a proposal (the best by default) and issue its voucher",
    responses={409: {"description": "Not open (already confirmed, exported or dropped)"}},
)
async def confirm_proposal(
    movement_id: uuid.UUID,
    body: ConfirmIn,
    request: Request,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
):
    async def create() -> WorklistMovement:
        movement = await _movement(uow, principal, movement_id, lock=True)
        if body.candidate >= len(movement.candidates):
            raise Conflict(
                f"Movement {movement_id} has {len(movement.candidates)} candidate(s); "
                "choose an account instead."
            )
        chosen = movement.candidates[body.candidate]
        await worklist.confirm(
            uow, movement, kind=AccountKind(chosen["kind"]), code=chosen["code"],
            name=chosen["name"], document_type=_document(body) or chosen.get("document_type"),
            actor=actor_of(principal), action="confirm", series=body.series, number=body.number,
        )  # fmt: skip
        return WorklistMovement.model_validate(movement)

    return await create_once(request, principal, uow, body, create, status_code=200)


@router.post(
    "/{movement_id}/choose",
    response_model=WorklistMovement,
    summary="Book the movement to another account and issue its voucher",
    description="The account must exist: a counterparty, a ledger account or one of the ERP's "
    "bank accounts (search them with `GET /accounts/search`).",
    responses=CONFLICT,
)
async def choose_account(
    movement_id: uuid.UUID,
    body: ChooseIn,
    request: Request,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
):
    async def create() -> WorklistMovement:
        movement = await _movement(uow, principal, movement_id, lock=True)
        name = await account_name(uow, principal.tenant_id, body.kind, body.code)
        await worklist.confirm(
            uow, movement, kind=body.kind, code=body.code, name=name,
            document_type=_document(body), actor=actor_of(principal), action="choose",
            series=body.series, number=body.number,
        )  # fmt: skip
        return WorklistMovement.model_validate(movement)

    return await create_once(request, principal, uow, body, create, status_code=200)


@router.post(
    "/confirm",
    response_model=list[BulkOutcome],
    summary="Confirm the best proposal of many movements at once",
    description="Each line succeeds or fails on its own (e.g. a line without candidates); "
    "numbers follow each other in the series.",
)
async def confirm_many(
    body: BulkConfirmIn,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> list[BulkOutcome]:
    async def book(movement: Movement) -> None:
        if not movement.candidates:
            raise Conflict(f"Movement {movement.id} has no candidate; choose an account.")
        best = movement.candidates[0]
        await worklist.confirm(
            uow, movement, kind=AccountKind(best["kind"]), code=best["code"], name=best["name"],
            document_type=_document(body) or best.get("document_type"),
            actor=actor_of(principal), action="confirm", series=body.series,
        )  # fmt: skip

    return await _each(uow, principal, body.ids, book)


@router.post(
    "/choose",
    response_model=list[BulkOutcome],
    summary="Book many movements to one account at once",
    description="Each line succeeds or fails on its own; numbers follow each other in the series.",
)
async def choose_many(
    body: BulkChooseIn,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> list[BulkOutcome]:
    async with uow:
        name = await account_name(uow, principal.tenant_id, body.kind, body.code)

    async def book(movement: Movement) -> None:
        await worklist.confirm(
            uow, movement, kind=body.kind, code=body.code, name=name,
            document_type=_document(body), actor=actor_of(principal), action="choose",
            series=body.series,
        )  # fmt: skip

    return await _each(uow, principal, body.ids, book)


async def _each(
    uow: MatcherUnitOfWork,
    principal: Principal,
    ids: list[uuid.UUID],
    book: Callable[[Movement], Awaitable[None]],
) -> list[BulkOutcome]:
    """``book`` each movement in its own transaction; a failure is that line's outcome only."""
    outcomes = []
    for movement_id in ids:
        async with uow:
            try:
                movement = await _movement(uow, principal, movement_id, lock=True)
                await book(movement)
                await uow.commit()
            except MutabikError as exc:
                outcomes.append(BulkOutcome(id=movement_id, ok=False, error=exc.detail))
                continue
        outcomes.append(
            BulkOutcome(
                id=movement_id, ok=True, state=movement.state, voucher_id=movement.voucher_id
            )  # fmt: skip
        )
    return outcomes


@router.post(
    "/drop",
    response_model=list[WorklistMovement],
    summary="Take lines out of the batch (CTRL+Q): they won't be exported",
    responses={**NOT_FOUND, **CONFLICT},
)
async def drop_movements(
    body: BulkIn,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> list[WorklistMovement]:
    async with uow:
        movements = await _many(uow, principal, body.ids)
        await worklist.drop(uow, movements, actor=actor_of(principal))
        await uow.commit()
    return [WorklistMovement.model_validate(m) for m in movements]


@router.post(
    "/restore",
    response_model=list[WorklistMovement],
    summary="Bring dropped lines back to the batch",
    responses={**NOT_FOUND, **CONFLICT},
)
async def restore_movements(
    body: BulkIn,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> list[WorklistMovement]:
    async with uow:
        movements = await _many(uow, principal, body.ids)
        await worklist.restore(uow, movements, actor=actor_of(principal))
        await uow.commit()
    return [WorklistMovement.model_validate(m) for m in movements]


async def _movement(
    uow: MatcherUnitOfWork, principal: Principal, movement_id: uuid.UUID, *, lock: bool = False
) -> Movement:
    movement = await uow.movements.get(principal.tenant_id, movement_id, lock=lock)
    if movement is None:
        raise NotFound(f"No movement {movement_id}.")
    return movement


async def _many(
    uow: MatcherUnitOfWork, principal: Principal, ids: list[uuid.UUID]
) -> list[Movement]:
    movements = await uow.movements.many(principal.tenant_id, list(dict.fromkeys(ids)), lock=True)
    missing = set(ids) - {m.id for m in movements}
    if missing:
        raise NotFound("No movement " + ", ".join(sorted(map(str, missing))) + ".")
    return movements


def _document(body) -> str | None:
    return body.document_type.value if body.document_type else None
