"""Fault: a poison event — one whose handler fails every time it runs.

The event is well-formed (its envelope and payload parse), but matcher cannot store it: its
currency is four letters and the column holds three, so PostgreSQL refuses the row on every
attempt. That is not a :class:`PermanentEventError`, so the bus retries it after each of
``RETRY_DELAYS`` and then parks it in matcher's dead-letter queue. The events published right
behind it are handled meanwhile; the operator sees the parked one with its reason and can replay
it, which runs it through the handler again."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.events import BankAccountRegistered, Envelope

from .conftest import events_consumed, party_iban, publish, wait_for

pytestmark = pytest.mark.slow

RETRY_DELAYS = (1.0, 2.0)
"""Long enough that the events behind the poison are handled while it still waits to retry."""
ATTEMPTS = len(RETRY_DELAYS) + 1
TYPE = BankAccountRegistered.type


def _account(run, n: int, currency: str) -> Envelope:
    event = BankAccountRegistered(
        account_id=uuid.uuid4(), iban=party_iban(900 + n), currency=currency, name=f"Hesap {n}"
    )
    return Envelope.wrap(event, tenant=run.tenant_id, correlation_id=f"poison-test-{n}")


async def test_poison_event_is_dead_lettered_after_retries_and_blocks_nothing(distributed) -> None:
    env = {"MUTABIK_MATCHER_RETRY_DELAYS": json.dumps(RETRY_DELAYS)}
    async with distributed(extra_env=env) as run:
        call = run.call
        assert await call("GET", "/matcher/dead-letters") == []
        poison = _account(run, 0, currency="TRYX")
        good = [_account(run, n, currency="TRY") for n in (1, 2, 3)]
        await publish(run, [poison])  # first in the queue,
        await publish(run, good)  # then the good ones behind it

        async def good_ones_handled() -> bool:
            accounts = await call("GET", "/matcher/own-accounts")
            return len(accounts) == len(good)

        await wait_for(good_ones_handled, within=20, what="the events behind the poison handled")
        # Handled behind the poison's first failure, long before it runs out of attempts.
        assert (await events_consumed(run, "matcher"))[(TYPE, "failed")] >= 1
        assert await call("GET", "/matcher/dead-letters") == []
        accounts = await call("GET", "/matcher/own-accounts")
        assert sorted(a["account_id"] for a in accounts) == sorted(
            e.payload["account_id"] for e in good
        )

        async def parked() -> list[dict]:
            return await call("GET", "/matcher/dead-letters")

        [letter] = await wait_for(parked, within=30, what="the poison event dead-lettered")
        assert letter["message_id"] == str(poison.id)
        assert letter["routing_key"] == TYPE
        assert letter["attempts"] == ATTEMPTS
        assert "value too long for type character varying(3)" in letter["error"], letter["error"]
        assert json.loads(letter["body"])["payload"]["currency"] == "TRYX"
        outcomes = await events_consumed(run, "matcher")
        assert outcomes[(TYPE, "failed")] == ATTEMPTS
        assert outcomes[(TYPE, "handled")] == len(good)
        # Listing reads without taking: still there, exactly once.
        assert [d["message_id"] for d in await call("GET", "/matcher/dead-letters")] == [
            str(poison.id)
        ]

        # The operator replays it: back through the handler for all its attempts, then parked
        # again, once; the good events are not handled twice.
        other = {"message_ids": [str(uuid.uuid4())]}
        assert await call("POST", "/matcher/dead-letters/replay", json=other) == {"replayed": 0}
        assert len(await call("GET", "/matcher/dead-letters")) == 1
        chosen = {"message_ids": [str(poison.id)]}
        assert await call("POST", "/matcher/dead-letters/replay", json=chosen) == {"replayed": 1}

        async def failed_again() -> bool:
            counts = await events_consumed(run, "matcher")
            return counts[(TYPE, "failed")] == 2 * ATTEMPTS

        await wait_for(failed_again, within=30, what="the replayed event tried again")
        [again] = await wait_for(parked, within=30, what="the replayed event parked again")
        assert (again["message_id"], again["attempts"]) == (str(poison.id), ATTEMPTS)
        outcomes = await events_consumed(run, "matcher")
        assert outcomes[(TYPE, "handled")] == len(good)
        assert outcomes[(TYPE, "duplicate")] == 0
        assert len(await call("GET", "/matcher/own-accounts")) == len(good)
