"""Operator chores on tenants and keys, done directly on reconciliation's database (the owner).
The events they emit are relayed by the running reconciliation service (at once, or at its start)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from reconciliation.adapters.repository import ReconciliationUnitOfWork
from reconciliation.identity import IssuedApiKey, create_tenant, issue_api_key
from reconciliation.main import SPEC as RECONCILIATION
from shared.auth import Role
from shared.db import make_engine, session_factory
from shared.errors import NotFound
from shared.migrations import upgrade_to_head


@asynccontextmanager
async def reconciliation_uow(database_url: str) -> AsyncIterator[ReconciliationUnitOfWork]:
    engine = make_engine(database_url)
    try:
        await upgrade_to_head(engine, RECONCILIATION.migrations)
        async with ReconciliationUnitOfWork(session_factory(engine)) as uow:
            yield uow
    finally:
        await engine.dispose()


async def new_tenant_with_key(
    uow: ReconciliationUnitOfWork, name: str, *, role: Role = Role.ADMIN, label: str = "first key"
) -> tuple[uuid.UUID, IssuedApiKey]:
    tenant = await create_tenant(name, uow=uow)
    key = await issue_api_key(tenant.id, role, label=label, uow=uow)
    await uow.commit()
    return tenant.id, key


async def new_key(
    uow: ReconciliationUnitOfWork,
    tenant: str,
    role: Role,
    *,
    label: str = "",
    user_email: str | None = None,
) -> IssuedApiKey:
    found = await uow.identity.tenant_named(tenant)
    if found is None:
        try:
            found = await uow.identity.tenant(uuid.UUID(tenant))
        except ValueError:
            found = None
    if found is None:
        raise NotFound(f"No tenant named or numbered {tenant!r}.")
    key = await issue_api_key(found.id, role, label=label, user_email=user_email, uow=uow)
    await uow.commit()
    return key
