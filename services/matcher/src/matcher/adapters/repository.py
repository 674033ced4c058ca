"""All of matcher's queries."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.uow import UnitOfWork

from .orm import OwnBankAccount


class OwnBankAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: uuid.UUID) -> OwnBankAccount | None:
        return await self.session.get(OwnBankAccount, account_id)

    def add(self, account: OwnBankAccount) -> None:
        self.session.add(account)

    async def of_tenant(self, tenant_id: uuid.UUID) -> list[OwnBankAccount]:
        query = (
            select(OwnBankAccount)
            .where(OwnBankAccount.tenant_id == tenant_id)
            .order_by(OwnBankAccount.iban)
        )
        return list(await self.session.scalars(query))


class MatcherUnitOfWork(UnitOfWork):
    own_accounts: OwnBankAccounts

    async def __aenter__(self):
        await super().__aenter__()
        self.own_accounts = OwnBankAccounts(self.session)
        return self
