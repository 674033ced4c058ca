"""A tenant's settings row is made by whichever writer comes first: its first API request and
its first event can arrive together (distributed mode did: PUT /bank-accounts answered 500 with
a unique violation while the consumer made the row)."""

from __future__ import annotations

import asyncio
import uuid

from matcher.adapters.repository import MatcherUnitOfWork
from matcher.main import SPEC
from shared.db import make_engine, session_factory
from shared.migrations import upgrade_to_head


async def test_a_tenants_first_two_writers_share_one_settings_row(pg_url) -> None:
    engine = make_engine(pg_url)
    await upgrade_to_head(engine, SPEC.migrations)
    sessions = session_factory(engine)
    tenant = uuid.uuid4()
    first_inserted = asyncio.Event()

    async def first() -> None:
        async with MatcherUnitOfWork(sessions) as uow:
            await uow.settings.bump(tenant, directory=True)
            first_inserted.set()
            await asyncio.sleep(0.3)  # the second one reaches the row meanwhile, and waits
            await uow.commit()

    async def second() -> None:
        await first_inserted.wait()
        async with MatcherUnitOfWork(sessions) as uow:
            await uow.settings.bump(tenant, directory=True)
            await uow.commit()

    try:
        await asyncio.gather(first(), second())
        async with MatcherUnitOfWork(sessions) as uow:
            assert (await uow.settings.of(tenant)).directory_version == 2
    finally:
        await engine.dispose()
