"""Each service's own Alembic history, applied on start; env.py of every service calls :func:`run_env`."""

from __future__ import annotations

from collections.abc import Sequence

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from . import tables


def alembic_config(script_location: str) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    return config


async def upgrade_to_head(engine: AsyncEngine, script_location: str) -> None:
    """Apply the service's migrations; concurrent starters of one service wait for each other."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                {"name": f"migrate:{script_location}"},
            )
        await connection.run_sync(_upgrade, script_location)


def _upgrade(connection: Connection, script_location: str) -> None:
    config = alembic_config(script_location)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def run_env(service_metadata: MetaData) -> None:
    """The body of a service's ``env.py``: its own tables plus the shared ones."""
    target: Sequence[MetaData] = [service_metadata, tables.metadata]
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, target)
        return
    # Called from the alembic CLI (e.g. ``revision --autogenerate``): connect to the given URL.
    import asyncio

    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_async_engine(url, poolclass=pool.NullPool)

    async def run_async() -> None:
        async with engine.begin() as conn:
            await conn.run_sync(_run, target)
        await engine.dispose()

    asyncio.run(run_async())


def _run(connection: Connection, target: Sequence[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=list(target),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
