"""The in-process bus of embedded mode: RabbitMQ's routing, retry and dead-letter semantics in one loop.

Every message is JSON-encoded on publish and decoded on delivery, so a payload that would not
survive RabbitMQ does not survive here either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from ..events import Envelope
from .base import (
    DeadLetter,
    Handler,
    Publishable,
    Topology,
    Unavailable,
    is_permanent,
    topic_matches,
)

log = structlog.get_logger(__name__)


@dataclass
class _Delivery:
    body: bytes
    routing_key: str
    message_id: str
    attempt: int = 1


class InProcessBus:
    def __init__(
        self, topology: Topology, *, retry_delays: Sequence[float] = (0.5, 2.0, 10.0)
    ) -> None:
        self._topology = {service: tuple(keys) for service, keys in topology.items()}
        self._retry_delays = tuple(retry_delays)
        self._queues: dict[str, asyncio.Queue[_Delivery]] = {}
        self._dead: dict[str, list[DeadLetter]] = {}
        self._consumers: dict[str, asyncio.Task[None]] = {}
        self._timers: set[asyncio.TimerHandle] = set()
        self._started = False
        self._closed = False

    async def start(self) -> None:
        if self._started:
            return
        for service in self._topology:
            self._queues[service] = asyncio.Queue()
            self._dead[service] = []
        self._started = True

    async def close(self) -> None:
        self._closed = True
        for task in self._consumers.values():
            task.cancel()
        await asyncio.gather(*self._consumers.values(), return_exceptions=True)
        self._consumers.clear()
        for timer in self._timers:
            timer.cancel()

    def is_ready(self) -> bool:
        return self._started and not self._closed

    async def publish(self, envelopes: Sequence[Publishable]) -> None:
        if not self.is_ready():
            raise ConnectionError("in-process bus is not running")
        for envelope in envelopes:
            body = envelope.to_json()
            for service, patterns in self._topology.items():
                if any(topic_matches(p, envelope.type) for p in patterns):
                    self._queues[service].put_nowait(
                        _Delivery(body, envelope.type, str(envelope.id))
                    )

    async def consume(self, service: str, handler: Handler) -> None:
        if service in self._consumers:
            raise RuntimeError(f"{service} already has a consumer")
        self._consumers[service] = asyncio.create_task(
            self._run(service, handler), name=f"bus-consumer-{service}"
        )

    async def stop_consuming(self, service: str) -> None:
        task = self._consumers.pop(service, None)
        if task:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self, service: str, handler: Handler) -> None:
        queue = self._queues[service]
        while True:
            delivery = await queue.get()
            try:
                await handler(Envelope.from_json(delivery.body))
            except asyncio.CancelledError:
                queue.put_nowait(delivery)  # not handled: it stays queued, like an unacked message
                raise
            except Exception as exc:  # noqa: BLE001 - every failure is retried or dead-lettered
                self._failed(service, delivery, exc)

    def _failed(self, service: str, delivery: _Delivery, exc: Exception) -> None:
        if isinstance(exc, Unavailable) and self._retry_delays:
            # the same attempt again after its delay: an outage uses up no attempts
            delay = self._retry_delays[min(delivery.attempt, len(self._retry_delays)) - 1]
            self._later(delay, service, delivery)
            return
        if is_permanent(exc) or delivery.attempt > len(self._retry_delays):
            self._dead[service].append(
                DeadLetter(
                    message_id=delivery.message_id,
                    routing_key=delivery.routing_key,
                    attempts=delivery.attempt,
                    error=f"{type(exc).__name__}: {exc}"[:2000],
                    failed_at=datetime.now(UTC),
                    body=delivery.body.decode(errors="replace"),
                )
            )
            log.warning(
                "event dead-lettered",
                service=service,
                routing_key=delivery.routing_key,
                attempts=delivery.attempt,
                error=str(exc)[:500],
            )
            return
        delay = self._retry_delays[delivery.attempt - 1]
        delivery.attempt += 1
        self._later(delay, service, delivery)

    def _later(self, delay: float, service: str, delivery: _Delivery) -> None:
        timer = asyncio.get_running_loop().call_later(delay, self._requeue, service, delivery)
        self._timers.add(timer)

    def _requeue(self, service: str, delivery: _Delivery) -> None:
        if not self._closed:
            self._queues[service].put_nowait(delivery)

    async def dead_letters(self, service: str, *, limit: int = 100) -> list[DeadLetter]:
        return list(self._dead[service][:limit])

    async def dead_letter_count(self, service: str) -> int:
        return len(self._dead[service])

    async def replay(self, service: str, message_ids: Sequence[str] | None = None) -> int:
        wanted = None if message_ids is None else set(message_ids)
        keep, moved = [], 0
        for letter in self._dead[service]:
            if wanted is None or letter.message_id in wanted:
                self._queues[service].put_nowait(
                    _Delivery(letter.body.encode(), letter.routing_key, letter.message_id)
                )
                moved += 1
            else:
                keep.append(letter)
        self._dead[service] = keep
        return moved
