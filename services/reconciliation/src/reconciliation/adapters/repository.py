"""All of reconciliation's queries."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.tables import api_keys
from shared.uow import UnitOfWork

from .orm import Tenant, User


class Identity:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, item: Tenant | User) -> None:
        self.session.add(item)

    async def tenant(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def tenant_named(self, name: str) -> Tenant | None:
        return await self.session.scalar(select(Tenant).where(Tenant.name == name))

    async def tenants(self) -> list[Tenant]:
        return list(await self.session.scalars(select(Tenant).order_by(Tenant.created_at)))

    async def user(self, tenant_id: uuid.UUID, email: str) -> User | None:
        return await self.session.scalar(
            select(User).where(User.tenant_id == tenant_id, User.email == email)
        )

    async def users(self, tenant_id: uuid.UUID) -> list[User]:
        query = select(User).where(User.tenant_id == tenant_id).order_by(User.email)
        return list(await self.session.scalars(query))

    async def keys(self, tenant_id: uuid.UUID):
        query = (
            select(api_keys).where(api_keys.c.tenant_id == tenant_id).order_by(api_keys.c.issued_at)
        )
        return (await self.session.execute(query)).all()

    async def key_counts(self) -> dict[uuid.UUID, int]:
        query = (
            select(api_keys.c.tenant_id, func.count())
            .where(api_keys.c.revoked_at.is_(None))
            .group_by(api_keys.c.tenant_id)
        )
        return {tenant_id: count for tenant_id, count in (await self.session.execute(query)).all()}


class ReconciliationUnitOfWork(UnitOfWork):
    identity: Identity

    async def __aenter__(self):
        await super().__aenter__()
        self.identity = Identity(self.session)
        return self
