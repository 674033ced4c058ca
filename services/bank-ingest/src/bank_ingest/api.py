"""bank-ingest over HTTP — thin: parse, call a handler, shape the answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.http.deps import ANY_ROLE, get_uow, require
from shared.http.problems import PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import Page, decode_cursor, encode_cursor

from . import handlers
from .adapters.repository import BankIngestUnitOfWork

router = APIRouter(prefix="/accounts", tags=["bank accounts"], responses=PROBLEM_RESPONSES)


class BankAccountIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "iban": "TR33 0006 1005 1978 6457 8413 26",
                    "currency": "TRY",
                    "name": "Garanti TL vadesiz",
                    "bank_name": "Garanti BBVA",
                    "ledger_code": "102.01.001",
                }
            ]
        }
    )

    iban: str = Field(min_length=15, max_length=42)
    currency: str = Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217")
    name: str = Field(min_length=1, max_length=200)
    bank_name: str = Field("", max_length=200)
    ledger_code: str = Field(
        "", max_length=50, description="The ERP's ledger account, e.g. 102.01.001"
    )


class BankAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    iban: str
    currency: str
    name: str
    bank_name: str
    ledger_code: str
    created_at: datetime


@router.post(
    "",
    status_code=201,
    response_model=BankAccountOut,
    summary="Register a bank account",
    responses={409: {"description": "IBAN already registered"}},
)
async def register_bank_account(
    body: BankAccountIn,
    request: Request,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: BankIngestUnitOfWork = Depends(get_uow),
):
    async def create() -> BankAccountOut:
        account = await handlers.register_bank_account(
            handlers.RegisterBankAccount(**body.model_dump()),
            tenant_id=principal.tenant_id,
            uow=uow,
        )
        return BankAccountOut.model_validate(account)

    return await create_once(request, principal, uow, body, create)


@router.get("", response_model=Page[BankAccountOut], summary="List bank accounts")
async def list_bank_accounts(
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> Page[BankAccountOut]:
    after = None
    if cursor:
        after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID)
    async with uow:
        accounts = await uow.accounts.page(principal.tenant_id, after=after, limit=limit + 1)
    items = [BankAccountOut.model_validate(a) for a in accounts[:limit]]
    more = len(accounts) > limit
    return Page(
        items=items,
        next_cursor=encode_cursor(items[-1].created_at.isoformat(), items[-1].id) if more else None,
    )


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
