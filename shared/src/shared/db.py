"""Engines and session factories for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from pathlib import Path

from asyncpg.exceptions import (
    AdminShutdownError,
    CannotConnectNowError,
    PostgresConnectionError,
    TooManyConnectionsError,
)
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine for ``postgresql+asyncpg://`` or ``sqlite+aiosqlite://`` URLs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
        )
    raise ValueError(
        f"unsupported database url {url!r}: use postgresql+asyncpg or sqlite+aiosqlite"
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached or was shut down,
    rather than that the request was wrong: the transaction rolled back, a retry may succeed."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, (InterfaceError, ConnectionError, PostgresConnectionError)):
            return True
        if isinstance(seen, (AdminShutdownError, CannotConnectNowError, TooManyConnectionsError)):
            return True
        if isinstance(seen, DBAPIError) and isinstance(seen.orig, ConnectionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
