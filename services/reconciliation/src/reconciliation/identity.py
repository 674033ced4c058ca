"""Tenants, users and API keys: created here, announced to the other services as events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.auth import Role, new_api_key, revoke_key, store_key
from shared.errors import Conflict, NotFound
from shared.events import ApiKeyIssued, ApiKeyRevoked, TenantCreated

from .adapters.orm import Tenant, User
from .adapters.repository import ReconciliationUnitOfWork


@dataclass(frozen=True)
class IssuedApiKey:
    key_id: str
    api_key: str
    """The whole key, shown once; only its hash is kept."""
    role: Role
    label: str
    user_email: str | None
    issued_at: datetime


async def create_tenant(name: str, *, uow: ReconciliationUnitOfWork) -> Tenant:
    if await uow.identity.tenant_named(name):
        raise Conflict(f"A tenant named {name!r} exists already.")
    tenant = Tenant(id=uuid.uuid4(), name=name, created_at=datetime.now(UTC))
    uow.identity.add(tenant)
    await uow.emit(TenantCreated(tenant_id=tenant.id, name=name), tenant=tenant.id)
    return tenant


async def issue_api_key(
    tenant_id: uuid.UUID,
    role: Role,
    *,
    label: str = "",
    user_email: str | None = None,
    uow: ReconciliationUnitOfWork,
) -> IssuedApiKey:
    if await uow.identity.tenant(tenant_id) is None:
        raise NotFound(f"No tenant {tenant_id}.")
    key = new_api_key()
    issued_at = datetime.now(UTC)
    await store_key(
        uow.session,
        key_id=key.key_id,
        tenant_id=tenant_id,
        secret_hash=key.secret_hash,
        role=role,
        user_email=user_email,
        label=label,
        issued_at=issued_at,
    )
    await uow.emit(
        ApiKeyIssued(
            key_id=key.key_id,
            tenant_id=tenant_id,
            secret_hash=key.secret_hash,
            role=role,
            user_email=user_email,
            label=label,
        ),
        tenant=tenant_id,
    )
    return IssuedApiKey(key.key_id, key.plaintext, role, label, user_email, issued_at)


async def revoke_api_key(
    tenant_id: uuid.UUID, key_id: str, *, uow: ReconciliationUnitOfWork
) -> None:
    if not await revoke_key(uow.session, key_id=key_id, tenant_id=tenant_id, at=datetime.now(UTC)):
        raise NotFound(f"No active API key {key_id}.")
    await uow.emit(ApiKeyRevoked(key_id=key_id, tenant_id=tenant_id), tenant=tenant_id)


async def add_user(
    tenant_id: uuid.UUID, email: str, role: Role, *, name: str = "", uow: ReconciliationUnitOfWork
) -> User:
    email = email.strip().lower()
    if await uow.identity.user(tenant_id, email):
        raise Conflict(f"User {email} exists already.")
    user = User(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        email=email,
        name=name,
        role=role,
        created_at=datetime.now(UTC),
    )
    uow.identity.add(user)
    return user
