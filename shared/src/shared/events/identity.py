"""Tenants and API keys. Reconciliation owns them; every other service keeps a replica of the keys."""

from __future__ import annotations

import uuid

from .envelope import Event
from .registry import register


@register
class TenantCreated(Event):
    type = "reconciliation.tenant.created"
    tenant_id: uuid.UUID
    name: str


@register
class ApiKeyIssued(Event):
    type = "reconciliation.api_key.issued"
    key_id: str
    tenant_id: uuid.UUID
    secret_hash: str
    """SHA-256 of the key's secret part; the secret itself never leaves the issuing request."""
    role: str
    user_email: str | None = None
    label: str = ""


@register
class ApiKeyRevoked(Event):
    type = "reconciliation.api_key.revoked"
    key_id: str
    tenant_id: uuid.UUID
