"""Unit of work, migrations, outbox and inbox on SQLite and PostgreSQL, and the outbox through a
RabbitMQ outage."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from matcher.adapters.orm import OwnBankAccount
from matcher.adapters.repository import MatcherUnitOfWork
from matcher.handlers import on_bank_account_registered
from matcher.main import SPEC as MATCHER
from shared import outbox
from shared.bus import InProcessBus, RabbitMQBus
from shared.consumer import make_dispatcher
from shared.db import is_postgres, make_engine, session_factory
from shared.events import BankAccountRegistered, Envelope
from shared.migrations import alembic_config, current_revision, upgrade_to_head
from shared.outbox import OutboxRelay
from shared.tables import inbox
from shared.tables import outbox as outbox_table
from shared.testing import eventually

TENANT = uuid.uuid4()


@pytest.fixture
async def database(db_url):
    engine = make_engine(db_url)
    await upgrade_to_head(engine, MATCHER.migrations)
    yield engine
    await engine.dispose()


def account_event(name: str = "Garanti TL") -> BankAccountRegistered:
    return BankAccountRegistered(
        account_id=uuid.uuid4(), iban="TR330006100519786457841326", currency="TRY", name=name
    )


async def count(engine, what) -> int:
    async with session_factory(engine)() as session:
        return (await session.execute(select(func.count()).select_from(what))).scalar_one()


async def test_migrations_create_every_table_and_run_again_as_a_no_op(database):
    await upgrade_to_head(database, MATCHER.migrations)  # a restart applies nothing twice
    async with database.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await connection.run_sync(current_revision)
    assert {"own_bank_accounts", "outbox", "inbox", "api_keys", "idempotency_keys"} <= tables
    head = ScriptDirectory.from_config(alembic_config(MATCHER.migrations)).get_current_head()
    assert revision == head


async def test_commit_keeps_the_change_and_its_event_together(database):
    uow = MatcherUnitOfWork(session_factory(database))
    event = account_event()
    async with uow:
        uow.own_accounts.add(
            OwnBankAccount(
                account_id=event.account_id,
                tenant_id=TENANT,
                iban=event.iban,
                currency="TRY",
                name="x",
                registered_at=datetime.now(UTC),
            )
        )
        await uow.emit(event, tenant=TENANT)
        await uow.commit()
    assert await count(database, OwnBankAccount) == 1
    assert await count(database, outbox_table) == 1


async def test_leaving_without_commit_keeps_neither(database):
    uow = MatcherUnitOfWork(session_factory(database))
    async with uow:
        await uow.emit(account_event(), tenant=TENANT)
    with pytest.raises(RuntimeError):
        async with uow:
            await uow.emit(account_event(), tenant=TENANT)
            raise RuntimeError("crash before commit")
    assert await count(database, outbox_table) == 0


async def test_the_same_event_delivered_twice_has_one_effect(database):
    sessions = session_factory(database)
    dispatch = make_dispatcher(
        "matcher",
        {BankAccountRegistered.type: on_bank_account_registered},
        lambda: MatcherUnitOfWork(sessions),
    )
    delivered = Envelope.wrap(account_event(), tenant=TENANT, correlation_id="c")
    await dispatch(delivered)
    await dispatch(Envelope.from_json(delivered.to_json()))  # the redelivery
    assert await count(database, OwnBankAccount) == 1
    assert await count(database, inbox) == 1


async def test_a_crash_between_commit_and_publish_loses_nothing(database):
    sessions = session_factory(database)
    async with MatcherUnitOfWork(sessions) as uow:  # committed, then the process "dies"
        await uow.emit(account_event(), tenant=TENANT)
        await uow.commit()
    bus = InProcessBus({"matcher": (BankAccountRegistered.type,)})
    await bus.start()
    received: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        received.append(envelope)

    await bus.consume("matcher", record)
    restarted = OutboxRelay(sessions, bus, skip_locked=is_postgres(database))  # the next start
    assert await restarted.relay_once() == 1
    await eventually(lambda: len(received) == 1, what="delivery after restart")
    assert await count(database, outbox_table) == 0
    await bus.close()


async def test_a_crash_after_publish_before_delete_republishes_and_the_inbox_absorbs_it(database):
    """The relay publishes, then dies before deleting the row: the next relay publishes it again,
    and the consumer's inbox makes the second delivery change nothing."""
    sessions = session_factory(database)
    async with MatcherUnitOfWork(sessions) as uow:
        await uow.emit(account_event(), tenant=TENANT)
        await uow.commit()
    bus = InProcessBus({"matcher": (BankAccountRegistered.type,)})
    await bus.start()
    dispatch = make_dispatcher(
        "matcher",
        {BankAccountRegistered.type: on_bank_account_registered},
        lambda: MatcherUnitOfWork(sessions),
    )
    await bus.consume("matcher", dispatch)

    class DiesAfterPublishing:
        async def publish(self, envelopes):
            await bus.publish(envelopes)
            raise ConnectionError("died before the delete")

    with pytest.raises(ConnectionError):
        await OutboxRelay(sessions, DiesAfterPublishing(), skip_locked=False).relay_once()
    assert await count(database, outbox_table) == 1
    assert await OutboxRelay(sessions, bus, skip_locked=is_postgres(database)).relay_once() == 1

    async def handled_once() -> bool:
        return await count(database, OwnBankAccount) == 1

    await eventually(handled_once, what="effect")
    await asyncio.sleep(0.2)
    assert await count(database, OwnBankAccount) == 1
    await bus.close()


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def broker_answers() -> bool:
    return (
        subprocess.run(
            ["rabbitmq-diagnostics", "-q", "check_port_connectivity"],
            capture_output=True,
            timeout=60,
        ).returncode
        == 0
    )


@pytest.mark.broker_outage
async def test_outbox_keeps_events_while_rabbitmq_is_down_and_publishes_them_after(
    pg_url, rabbitmq_url, rabbit_names
):
    engine = make_engine(pg_url)
    await upgrade_to_head(engine, MATCHER.migrations)
    sessions = session_factory(engine)
    topology = {"matcher": (BankAccountRegistered.type,)}
    bus = RabbitMQBus(
        rabbitmq_url, topology, retry_delays=(0.1,), publish_timeout=3, **rabbit_names
    )
    await bus.start()
    received: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        received.append(envelope)

    await bus.consume("matcher", record)
    relay = OutboxRelay(sessions, bus, skip_locked=True, poll_seconds=0.1)
    relay_task = asyncio.create_task(relay.run())
    event = account_event("during the outage")
    try:
        await asyncio.to_thread(rabbitmqctl, "stop_app")
        async with MatcherUnitOfWork(sessions, on_commit_events=relay.wake) as uow:
            await uow.emit(event, tenant=TENANT)
            await uow.commit()
        await eventually(lambda: relay.last_error is not None, within=20, what="relay noticing")
        async with sessions() as session:
            assert await outbox.backlog(session) == 1  # kept, not lost
        assert received == []
    finally:
        await asyncio.to_thread(rabbitmqctl, "start_app")
        await asyncio.to_thread(rabbitmqctl, "await_startup")
    try:
        await eventually(lambda: len(received) >= 1, within=60, what="publish after recovery")
        await asyncio.sleep(0.5)
        assert [e.payload["name"] for e in received] == ["during the outage"]
        async with sessions() as session:
            assert await outbox.backlog(session) == 0
    finally:
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)
        await bus.close()
        await engine.dispose()
