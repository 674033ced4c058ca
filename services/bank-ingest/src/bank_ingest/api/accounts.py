"""Bank accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.http.deps import ANY_ROLE, get_uow, require
from shared.http.problems import PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import Page, decode_cursor, page_of

from .. import accounts
from ..adapters.repository import BankIngestUnitOfWork
from ..schemas import BankAccountIn, BankAccountOut

router = APIRouter(prefix="/accounts", tags=["bank accounts"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    status_code=201,
    response_model=BankAccountOut,
    summary="Register a bank account",
    description="Accounts are also registered on their own when a statement names an unknown one.",
    responses={409: {"description": "IBAN or account number already registered"}},
)
async def register_bank_account(
    body: BankAccountIn,
    request: Request,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: BankIngestUnitOfWork = Depends(get_uow),
):
    async def create() -> BankAccountOut:
        account = await accounts.register(
            accounts.RegisterBankAccount(**body.model_dump()),
            tenant_id=principal.tenant_id,
            uow=uow,
        )
        return BankAccountOut.model_validate(account)

    return await create_once(request, principal, uow, body, create)


@router.get("", response_model=Page[BankAccountOut], summary="List bank accounts with balances")
async def list_bank_accounts(
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> Page[BankAccountOut]:
    after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        rows = await uow.accounts.page(principal.tenant_id, after=after, limit=limit + 1)
    items = [BankAccountOut.model_validate(a) for a in rows]
    return page_of(items, limit, lambda a: (a.created_at.isoformat(), a.id))


@router.get("/{account_id}", response_model=BankAccountOut, summary="One bank account")
async def get_bank_account(
    account_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> BankAccountOut:
    async with uow:
        account = await uow.accounts.get(principal.tenant_id, account_id)
    if account is None:
        raise NotFound(f"No bank account {account_id}.")
    return BankAccountOut.model_validate(account)
