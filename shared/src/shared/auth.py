"""API keys and roles. A key reads ``mtk_<key_id>_<secret>``; only SHA-256 of the secret is stored.

The secret has 256 bits of entropy, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import Unauthorized
from .tables import api_keys

KEY_PREFIX = "mtk"


class Role(StrEnum):
    ADMIN = "admin"
    """Everything in its tenant, including keys, users and dead letters."""
    OPERATOR = "operator"
    """The accountant: statements, matches, imports, rounds."""
    ERP = "erp"
    """The ERP machine: pushes data, pulls vouchers."""


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    role: Role
    key_id: str
    user_email: str | None = None


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    plaintext: str
    secret_hash: str


def new_api_key() -> IssuedKey:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return IssuedKey(key_id, f"{KEY_PREFIX}_{key_id}_{secret}", hash_secret(secret))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(presented: str) -> tuple[str, str]:
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not secret:
        raise Unauthorized("Malformed API key")
    return key_id, secret


async def authenticate(session: AsyncSession, presented: str) -> Principal:
    key_id, secret = split_key(presented)
    row = (await session.execute(select(api_keys).where(api_keys.c.key_id == key_id))).one_or_none()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("Unknown or revoked API key")
    if not hmac.compare_digest(row.secret_hash, hash_secret(secret)):
        raise Unauthorized("Unknown or revoked API key")
    return Principal(row.tenant_id, Role(row.role), row.key_id, row.user_email)


async def store_key(
    session: AsyncSession,
    *,
    key_id: str,
    tenant_id: uuid.UUID,
    secret_hash: str,
    role: str,
    user_email: str | None,
    label: str,
    issued_at: datetime,
) -> None:
    """Insert a key, or leave it as it is when it is already known (replicas see events again)."""
    exists = (
        await session.execute(select(api_keys.c.key_id).where(api_keys.c.key_id == key_id))
    ).first()
    if exists:
        return
    await session.execute(
        insert(api_keys).values(
            key_id=key_id,
            tenant_id=tenant_id,
            secret_hash=secret_hash,
            role=role,
            user_email=user_email,
            label=label,
            issued_at=issued_at,
        )
    )


async def revoke_key(
    session: AsyncSession, *, key_id: str, tenant_id: uuid.UUID, at: datetime
) -> bool:
    result = await session.execute(
        update(api_keys)
        .where(
            api_keys.c.key_id == key_id,
            api_keys.c.tenant_id == tenant_id,
            api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return result.rowcount == 1
