"""The counterparty directory: bulk upsert by the ERP, listing and lookup."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.exc import IntegrityError

from shared.auth import Principal, Role
from shared.errors import Conflict, NotFound
from shared.http.deps import ANY_ROLE, get_uow, require
from shared.http.problems import PROBLEM_RESPONSES
from shared.pagination import Page, decode_cursor, page_of

from .. import counterparties
from ..access import check_whole_tenant, responsible_email
from ..adapters.repository import CounterpartyFilter, ReconciliationUnitOfWork
from ..schemas import CounterpartyIn, CounterpartyOut, UpsertSummary

router = APIRouter(prefix="/counterparties", tags=["counterparties"], responses=PROBLEM_RESPONSES)

_ROWS_SCHEMA = {
    "type": "array",
    "maxItems": counterparties.MAX_ROWS,
    "items": CounterpartyIn.model_json_schema(),
}


@router.put(
    "",
    response_model=UpsertSummary,
    summary="Create or update counterparties (bulk, by code)",
    description=f"A JSON array of up to {counterparties.MAX_ROWS:,} counterparties (cari kartlar), "
    "taken whole or refused whole. Every row is checked first — required code and title, VKN/TCKN "
    "check digits, IBANs, e-mail syntax, each code once — and any bad row refuses the request "
    "(422; `errors` names `row` (1-based), `field`, `value` and `reason`); nothing is stored then. "
    "Otherwise unknown codes are created, changed ones updated, the rest left alone; created and "
    "updated ones are announced by `reconciliation.counterparties.changed`. Sending the same body "
    "again changes nothing. Codes not sent are kept: deactivate with `active: false`.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ROWS_SCHEMA}},
        }
    },
    responses={
        409: {"description": "Another import of the same codes ran at the same time; send again"},
        413: {"description": "More rows or bytes than one request takes"},
    },
)
async def upsert_counterparties(
    request: Request,
    principal: Principal = Depends(require(Role.ERP, Role.OPERATOR)),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> UpsertSummary:
    check_whole_tenant(principal)
    # Parsing and checking 50,000 rows takes a while: off the event loop, which serves others.
    rows = await asyncio.to_thread(counterparties.parse_rows, await request.body())
    try:
        async with uow:
            summary = await counterparties.upsert(principal.tenant_id, rows, uow=uow)
            await uow.commit()
    except IntegrityError:
        raise Conflict(
            "Another import created some of these codes at the same time; send the request again."
        ) from None
    return summary


@router.get(
    "",
    response_model=Page[CounterpartyOut],
    summary="List counterparties by code",
    description="Filters combine. `text` searches code, title, tax number and aliases, ignoring "
    "case and Turkish letters (`istanbul` finds `İSTANBUL`, `ozturk` finds `Öztürk`). An "
    "operator key issued for a user e-mail sees only the counterparties whose "
    "MutabakatSorumluEmail is that address.",
)
async def list_counterparties(
    text: str | None = Query(None, min_length=1, max_length=200),
    active: bool | None = None,
    kind: Literal["customer", "supplier"] | None = None,
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> Page[CounterpartyOut]:
    where = CounterpartyFilter(
        text=text, active=active, kind=kind, responsible_email=responsible_email(principal)
    )
    after = decode_cursor(cursor, str)[0] if cursor else None
    async with uow:
        rows = await uow.counterparties.page(
            principal.tenant_id, where, after=after, limit=limit + 1
        )
    items = [CounterpartyOut.model_validate(c) for c in rows]
    return page_of(items, limit, lambda c: (c.code,))


@router.get("/{code:path}", response_model=CounterpartyOut, summary="One counterparty by code")
async def get_counterparty(
    code: str,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> CounterpartyOut:
    async with uow:
        counterparty = await uow.counterparties.get(
            principal.tenant_id, code, responsible_email=responsible_email(principal)
        )
    if counterparty is None:
        raise NotFound(f"No counterparty {code!r}.")
    return CounterpartyOut.model_validate(counterparty)
