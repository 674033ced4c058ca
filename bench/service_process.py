"""What the benches that start a service as its own process share: waiting for it, an API key,
the PostgreSQL admin connection, and the process's peak memory."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared.auth import new_api_key, store_key

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"


async def wait_ready(base: str) -> None:
    """Until ``{base}/readyz`` answers 200 (at most 30 s)."""
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} did not become ready")


async def api_key(engine, role: str) -> dict[str, str]:
    """The auth header of a new key of a new tenant, stored straight into the service's table."""
    issued = new_api_key()
    async with engine.begin() as connection:
        session = AsyncSession(bind=connection)
        await store_key(
            session, key_id=issued.key_id, tenant_id=uuid.uuid4(), secret_hash=issued.secret_hash,
            role=role, user_email=None, label="bench", issued_at=datetime.now(UTC),
        )  # fmt: skip
        await session.flush()
    return {"Authorization": f"Bearer {issued.plaintext}"}


async def admin(statement: str) -> None:
    """Run ``statement`` (CREATE/DROP DATABASE) outside a transaction."""
    engine = create_async_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


def peak_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
