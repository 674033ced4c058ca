"""All of bank-ingest's queries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.uow import UnitOfWork

from .orm import BankAccount


class BankAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, account: BankAccount) -> None:
        self.session.add(account)

    async def get(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> BankAccount | None:
        return await self.session.scalar(
            select(BankAccount).where(
                BankAccount.tenant_id == tenant_id, BankAccount.id == account_id
            )
        )

    async def by_iban(self, tenant_id: uuid.UUID, iban: str) -> BankAccount | None:
        return await self.session.scalar(
            select(BankAccount).where(BankAccount.tenant_id == tenant_id, BankAccount.iban == iban)
        )

    async def page(
        self, tenant_id: uuid.UUID, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[BankAccount]:
        query = select(BankAccount).where(BankAccount.tenant_id == tenant_id)
        if after is not None:
            query = query.where(tuple_(BankAccount.created_at, BankAccount.id) > tuple_(*after))
        query = query.order_by(BankAccount.created_at, BankAccount.id).limit(limit)
        return list(await self.session.scalars(query))


class BankIngestUnitOfWork(UnitOfWork):
    accounts: BankAccounts

    async def __aenter__(self):
        await super().__aenter__()
        self.accounts = BankAccounts(self.session)
        return self
