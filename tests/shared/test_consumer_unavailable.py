"""A handler that fails while its service's database does not answer is ``Unavailable``: the bus
retries it without using up an attempt (tests/faults/test_database_restarted.py is the whole
system through a PostgreSQL restart). A failure with the database up stays what it was."""

from __future__ import annotations

import socket
import uuid

import pytest

from matcher.adapters.repository import MatcherUnitOfWork
from matcher.main import SPEC as MATCHER
from shared.bus import Unavailable
from shared.consumer import make_dispatcher
from shared.db import make_engine, session_factory
from shared.errors import PermanentEventError
from shared.events import BankAccountRegistered, Envelope
from shared.migrations import upgrade_to_head


def _event() -> Envelope:
    event = BankAccountRegistered(account_id=uuid.uuid4(), iban=None, currency="TRY", name="X")
    return Envelope.wrap(event, tenant=uuid.uuid4(), correlation_id="test")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


async def _dispatch(url: str, error: Exception, *, migrate: bool) -> None:
    engine = make_engine(url)
    try:
        if migrate:
            await upgrade_to_head(engine, MATCHER.migrations)
        sessions = session_factory(engine)

        async def failing(event, *, envelope, uow) -> None:
            raise error

        dispatch = make_dispatcher(
            "matcher", {BankAccountRegistered.type: failing}, lambda: MatcherUnitOfWork(sessions)
        )
        await dispatch(_event())
    finally:
        await engine.dispose()


async def test_a_failure_with_the_database_away_is_unavailable() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/nowhere"
    with pytest.raises(Unavailable, match="the database does not answer") as raised:
        await _dispatch(url, RuntimeError("never reached"), migrate=False)
    assert isinstance(raised.value.__cause__, OSError)  # connection refused


@pytest.mark.parametrize("error", [RuntimeError("a bug"), PermanentEventError("never")])
async def test_a_failure_with_the_database_up_stays_itself(sqlite_db_url, error) -> None:
    with pytest.raises(type(error)):
        await _dispatch(sqlite_db_url, error, migrate=True)
