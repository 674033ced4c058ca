"""One contract, two adapters: the in-process bus must behave like RabbitMQ."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest

from shared.bus import Bus, InProcessBus, RabbitMQBus, Unavailable
from shared.errors import PermanentEventError
from shared.events import Envelope
from shared.testing import eventually

TOPOLOGY = {
    "alpha": ("orders.*.created",),
    "beta": ("orders.#",),
    "gamma": ("invoices.invoice.paid",),
}
DELAYS = (0.05, 0.1)  # three attempts in all


@pytest.fixture(params=["memory", "rabbitmq"])
async def bus(request):
    if request.param == "memory":
        the_bus: Bus = InProcessBus(TOPOLOGY, retry_delays=DELAYS)
    else:
        names = request.getfixturevalue("rabbit_names")
        the_bus = RabbitMQBus(
            request.getfixturevalue("rabbitmq_url"), TOPOLOGY, retry_delays=DELAYS, **names
        )
    await the_bus.start()
    yield the_bus
    await the_bus.close()


def envelope(key: str, **payload) -> Envelope:
    return Envelope(
        type=key, version=1, tenant=uuid.uuid4(), correlation_id="test", payload=payload or {"n": 1}
    )


class Recorder:
    """A handler that records what it got and fails as told."""

    def __init__(
        self, fail_times: int = 0, error: type[Exception] = RuntimeError, only_n: int | None = None
    ) -> None:
        self.received: list[Envelope] = []
        self.fail_times = fail_times
        self.error = error
        self.only_n = only_n

    async def __call__(self, message: Envelope) -> None:
        self.received.append(message)
        chosen = self.only_n is None or message.payload.get("n") == self.only_n
        if self.fail_times and chosen:
            self.fail_times -= 1
            raise self.error("handler failed on purpose")


async def until_dead_lettered(bus: Bus, count: int) -> None:
    async def parked() -> bool:
        return len(await bus.dead_letters("gamma")) == count

    await eventually(parked, what=f"{count} dead letter(s)")


async def test_routes_by_key_with_topic_patterns(bus: Bus):
    alpha, beta, gamma = Recorder(), Recorder(), Recorder()
    for name, handler in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        await bus.consume(name, handler)
    await bus.publish(
        [
            envelope("orders.order.created"),
            envelope("orders.line.removed.late"),
            envelope("invoices.invoice.paid"),
            envelope("unrelated.thing.happened"),
        ]
    )
    await eventually(
        lambda: len(beta.received) == 2 and alpha.received and gamma.received, what="delivery"
    )
    await asyncio.sleep(0.1)  # nothing more may arrive
    assert [e.type for e in alpha.received] == ["orders.order.created"]
    assert sorted(e.type for e in beta.received) == [
        "orders.line.removed.late",
        "orders.order.created",
    ]
    assert [e.type for e in gamma.received] == ["invoices.invoice.paid"]


async def test_message_survives_a_json_round_trip(bus: Bus):
    recorder = Recorder()
    await bus.consume("gamma", recorder)
    sent = envelope(
        "invoices.invoice.paid",
        amount=str(Decimal("1234.56")),
        title="ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ.",
        lines=[{"a": 1}, {"b": None}],
    )
    await bus.publish([sent])
    await eventually(lambda: recorder.received, what="delivery")
    assert recorder.received == [sent]
    assert recorder.received[0] is not sent  # it was decoded from bytes, not passed by reference


async def test_published_before_the_consumer_starts_waits_in_its_queue(bus: Bus):
    await bus.publish([envelope("invoices.invoice.paid")])
    await asyncio.sleep(0.1)
    recorder = Recorder()
    await bus.consume("gamma", recorder)
    await eventually(lambda: len(recorder.received) == 1, what="late delivery")


async def test_a_failed_message_is_delivered_again(bus: Bus):
    recorder = Recorder(fail_times=1)
    await bus.consume("gamma", recorder)
    sent = envelope("invoices.invoice.paid")
    await bus.publish([sent])
    await eventually(lambda: len(recorder.received) == 2, what="redelivery")
    assert [e.id for e in recorder.received] == [sent.id, sent.id]
    assert await bus.dead_letters("gamma") == []


async def test_after_all_attempts_the_message_is_dead_lettered_then_replayed(bus: Bus):
    recorder = Recorder(fail_times=3, only_n=1)
    await bus.consume("gamma", recorder)
    poison, good = envelope("invoices.invoice.paid", n=1), envelope("invoices.invoice.paid", n=2)
    await bus.publish([poison, good])

    await until_dead_lettered(bus, 1)
    assert [e.id for e in recorder.received].count(poison.id) == 3  # 1 try + 2 retries
    assert good.id in [e.id for e in recorder.received]  # the poison did not block it
    [letter] = await bus.dead_letters("gamma")
    assert letter.message_id == str(poison.id)
    assert letter.routing_key == "invoices.invoice.paid"
    assert letter.attempts == 3
    assert "handler failed on purpose" in letter.error
    assert await bus.dead_letters("gamma") != []  # listing does not consume
    assert await bus.dead_letter_count("gamma") == 1
    assert await bus.dead_letter_count("beta") == 0

    assert await bus.replay("gamma") == 1
    await eventually(lambda: [e.id for e in recorder.received].count(poison.id) == 4, what="replay")
    assert await bus.dead_letters("gamma") == []
    assert await bus.dead_letter_count("gamma") == 0


async def test_a_permanent_error_is_dead_lettered_at_once(bus: Bus):
    recorder = Recorder(fail_times=1, error=PermanentEventError)
    await bus.consume("gamma", recorder)
    await bus.publish([envelope("invoices.invoice.paid")])

    await until_dead_lettered(bus, 1)
    assert len(recorder.received) == 1
    [letter] = await bus.dead_letters("gamma")
    assert letter.attempts == 1


async def test_replay_of_chosen_dead_letters_only(bus: Bus):
    recorder = Recorder(fail_times=2, error=PermanentEventError)
    await bus.consume("gamma", recorder)
    first, second = envelope("invoices.invoice.paid", n=1), envelope("invoices.invoice.paid", n=2)
    await bus.publish([first, second])

    await until_dead_lettered(bus, 2)
    assert await bus.dead_letter_count("gamma") == 2
    assert await bus.replay("gamma", [str(second.id)]) == 1
    await eventually(lambda: len(recorder.received) == 3, what="replay")
    assert recorder.received[-1].id == second.id
    assert [d.message_id for d in await bus.dead_letters("gamma")] == [str(first.id)]
    assert await bus.dead_letter_count("gamma") == 1


async def test_an_unavailable_service_uses_up_no_attempts(bus: Bus):
    """A handler whose database is away (``Unavailable``) gets the message again, however many
    times it takes: the outage parks nothing, and every attempt is still there after it."""
    attempts = len(DELAYS) + 1
    errors = [Unavailable] * (2 * attempts) + [RuntimeError] * attempts
    received: list[Envelope] = []

    async def handler(message: Envelope) -> None:
        received.append(message)
        raise errors.pop(0)("away, then failing on purpose")

    await bus.consume("gamma", handler)
    sent = envelope("invoices.invoice.paid")
    await bus.publish([sent])
    await until_dead_lettered(bus, 1)
    assert len(received) == 3 * attempts and {e.id for e in received} == {sent.id}
    [letter] = await bus.dead_letters("gamma")
    assert (letter.message_id, letter.attempts) == (str(sent.id), attempts)
    assert letter.error.startswith("RuntimeError")
