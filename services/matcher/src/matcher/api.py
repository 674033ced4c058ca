"""matcher over HTTP."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from shared.auth import Principal
from shared.http.deps import ANY_ROLE, get_uow
from shared.http.problems import PROBLEM_RESPONSES

from .adapters.repository import MatcherUnitOfWork

router = APIRouter(tags=["directory"], responses=PROBLEM_RESPONSES)


class OwnBankAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID
    iban: str
    currency: str
    name: str
    bank_name: str
    ledger_code: str


@router.get(
    "/own-accounts",
    response_model=list[OwnBankAccountOut],
    summary="The company's own bank accounts, as learned from bank-ingest",
)
async def list_own_accounts(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[OwnBankAccountOut]:
    async with uow:
        accounts = await uow.own_accounts.of_tenant(principal.tenant_id)
    return [OwnBankAccountOut.model_validate(a) for a in accounts]
