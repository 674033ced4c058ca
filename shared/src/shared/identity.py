"""How a service that does not own identity keeps its replica of the API keys up to date."""

from __future__ import annotations

from .auth import revoke_key, store_key
from .events import ApiKeyIssued, ApiKeyRevoked, Envelope
from .uow import UnitOfWork


async def on_api_key_issued(event: ApiKeyIssued, *, envelope: Envelope, uow: UnitOfWork) -> None:
    await store_key(
        uow.session,
        key_id=event.key_id,
        tenant_id=event.tenant_id,
        secret_hash=event.secret_hash,
        role=event.role,
        user_email=event.user_email,
        label=event.label,
        issued_at=envelope.occurred_at,
    )


async def on_api_key_revoked(event: ApiKeyRevoked, *, envelope: Envelope, uow: UnitOfWork) -> None:
    await revoke_key(
        uow.session, key_id=event.key_id, tenant_id=event.tenant_id, at=envelope.occurred_at
    )


IDENTITY_HANDLERS = {
    ApiKeyIssued.type: on_api_key_issued,
    ApiKeyRevoked.type: on_api_key_revoked,
}
