"""Helpers for tests of any service (importable, so each service's tests can use them)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from .auth import Role, new_api_key, store_key


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    within: float = 10.0,
    every: float = 0.02,
    what: str = "condition",
) -> None:
    """Poll ``check`` until it is true; fail with ``what`` after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {within}s")
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan (migrations, relay, consumers) and talk to it in process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


async def grant_key(
    app: FastAPI, tenant_id: uuid.UUID, role: Role = Role.ADMIN, *, user_email: str | None = None
) -> dict[str, str]:
    """Store a fresh API key straight into the service's key replica; returns the auth header.

    For tests of one service alone, where no reconciliation is there to issue keys."""
    issued = new_api_key()
    async with app.state.runtime.sessions() as session, session.begin():
        await store_key(
            session, key_id=issued.key_id, tenant_id=tenant_id, secret_hash=issued.secret_hash,
            role=role.value, user_email=user_email, label="test", issued_at=datetime.now(UTC),
        )  # fmt: skip
    return {"Authorization": f"Bearer {issued.plaintext}"}
