"""The RabbitMQ bus (aio-pika): one topic exchange, one durable queue per service.

Retries go through per-delay queues whose TTL dead-letters the message back to the service's
queue; after the last attempt a message is parked in ``<queue>.dead``. Listing the dead queue
reads messages without acknowledging them, so closing the channel puts them back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)

from ..events import Envelope
from .base import (
    DeadLetter,
    Handler,
    Publishable,
    Topology,
    Unavailable,
    is_permanent,
    queue_name,
)

log = structlog.get_logger(__name__)


class RabbitMQBus:
    def __init__(
        self,
        url: str,
        topology: Topology,
        *,
        exchange: str = "mutabik.events",
        queue_prefix: str = "mutabik",
        prefetch: int = 32,
        retry_delays: Sequence[float] = (0.5, 2.0, 10.0),
        publish_timeout: float = 10.0,
    ) -> None:
        self._url = url
        self._topology = {service: tuple(keys) for service, keys in topology.items()}
        self._exchange_name = exchange
        self._prefix = queue_prefix
        self._prefetch = prefetch
        self._retry_delays = tuple(retry_delays)
        self._timeout = publish_timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consumers: dict[str, tuple[AbstractChannel, str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._connection is not None:
            return
        self._connection = await aio_pika.connect_robust(self._url, timeout=self._timeout)
        self._channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        for service, patterns in self._topology.items():
            await self._declare_service(service, patterns)

    async def _declare_service(self, service: str, patterns: Sequence[str]) -> None:
        assert self._channel and self._exchange
        main = self._queue(service)
        queue = await self._channel.declare_queue(main, durable=True)
        for pattern in patterns:
            await queue.bind(self._exchange, routing_key=pattern)
        for delay in self._retry_delays:
            await self._channel.declare_queue(
                self._retry_queue(service, delay),
                durable=True,
                arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": main,
                },
            )
        await self._channel.declare_queue(self._dead_queue(service), durable=True)

    async def close(self) -> None:
        for service in list(self._consumers):
            await self.stop_consuming(service)
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._exchange = None

    def is_ready(self) -> bool:
        connection = self._connection
        return bool(connection and not connection.is_closed and connection.connected.is_set())

    # -- publishing ------------------------------------------------------------------------

    async def publish(self, envelopes: Sequence[Publishable]) -> None:
        if self._exchange is None:
            raise ConnectionError("RabbitMQ bus is not started")
        exchange = self._exchange
        # Confirms gathered, not awaited one by one: one round trip per batch instead of per message.
        await asyncio.gather(
            *(
                exchange.publish(
                    _message(envelope.to_json(), str(envelope.id), envelope.correlation_id),
                    routing_key=envelope.type,
                    mandatory=False,
                    timeout=self._timeout,
                )
                for envelope in envelopes
            )
        )

    # -- consuming -------------------------------------------------------------------------

    async def consume(self, service: str, handler: Handler) -> None:
        if service in self._consumers:
            raise RuntimeError(f"{service} already has a consumer")
        assert self._connection
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self._prefetch)
        queue = await channel.declare_queue(self._queue(service), durable=True, passive=True)
        lock = self._locks.setdefault(service, asyncio.Lock())

        async def on_message(message: AbstractIncomingMessage) -> None:
            async with lock:  # one message at a time per service, in queue order
                await self._deliver(service, channel, message, handler)

        tag = await queue.consume(on_message)
        self._consumers[service] = (channel, tag)

    async def stop_consuming(self, service: str) -> None:
        entry = self._consumers.pop(service, None)
        if entry is None:
            return
        channel, _tag = entry
        async with self._locks[service]:  # let the message in hand finish
            await channel.close()

    async def _deliver(
        self,
        service: str,
        channel: AbstractChannel,
        message: AbstractIncomingMessage,
        handler: Handler,
    ) -> None:
        attempt = int((message.headers or {}).get("x-attempt", 1))
        try:
            await handler(Envelope.from_json(message.body))
        except Exception as exc:  # noqa: BLE001 - every failure is retried or dead-lettered
            try:
                await self._route_failure(service, channel, message, attempt, exc)
            except Exception:  # broker trouble while parking it: leave it to redelivery
                log.exception(
                    "could not park failed event; it will be redelivered", service=service
                )
                return
        try:
            await message.ack()
        except Exception:  # channel gone: the broker redelivers, the inbox makes it harmless
            log.warning("ack failed; event will be redelivered", service=service)

    async def _route_failure(
        self,
        service: str,
        channel: AbstractChannel,
        message: AbstractIncomingMessage,
        attempt: int,
        exc: Exception,
    ) -> None:
        routing_key = (message.headers or {}).get("x-routing-key") or message.routing_key or ""
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if isinstance(exc, Unavailable) and self._retry_delays:
            # Not the message's fault: the same attempt again after its delay, for as long as
            # the outage lasts (a database restart must not park every event in flight).
            delay = self._retry_delays[min(attempt, len(self._retry_delays)) - 1]
            target = self._retry_queue(service, delay)
            headers: dict[str, Any] = {"x-attempt": attempt, "x-last-error": error}
            log.info("event waits for its service", service=service, routing_key=routing_key,
                     attempt=attempt, error=error[:500])  # fmt: skip
        elif is_permanent(exc) or attempt > len(self._retry_delays):
            target = self._dead_queue(service)
            headers = {
                "x-attempt": attempt,
                "x-error": error,
                "x-failed-at": datetime.now(UTC).isoformat(),
            }
            log.warning(
                "event dead-lettered",
                service=service,
                routing_key=routing_key,
                attempts=attempt,
                error=error[:500],
            )
        else:
            target = self._retry_queue(service, self._retry_delays[attempt - 1])
            headers = {"x-attempt": attempt + 1, "x-last-error": error}
            log.info(
                "event will be retried",
                service=service,
                routing_key=routing_key,
                attempt=attempt,
                error=error[:500],
            )
        headers["x-routing-key"] = str(routing_key)
        await channel.default_exchange.publish(
            _message(message.body, message.message_id or "", message.correlation_id, headers),
            routing_key=target,
            timeout=self._timeout,
        )

    # -- dead letters ----------------------------------------------------------------------

    async def dead_letters(self, service: str, *, limit: int = 100) -> list[DeadLetter]:
        assert self._connection
        letters: list[DeadLetter] = []
        channel = await self._connection.channel()
        try:
            queue = await channel.declare_queue(
                self._dead_queue(service), durable=True, passive=True
            )
            while len(letters) < limit:
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                letters.append(_dead_letter(message))
        finally:
            await channel.close()  # unacknowledged: every message goes back where it was
        return letters

    async def dead_letter_count(self, service: str) -> int:
        """The dead queue's ready messages, from a passive declare (nothing is read). A listing
        in progress holds its messages unacknowledged: they are not counted meanwhile."""
        assert self._connection
        channel = await self._connection.channel()
        try:
            queue = await channel.declare_queue(
                self._dead_queue(service), durable=True, passive=True
            )
            return queue.declaration_result.message_count or 0
        finally:
            await channel.close()

    async def replay(self, service: str, message_ids: Sequence[str] | None = None) -> int:
        assert self._connection
        wanted = None if message_ids is None else set(message_ids)
        moved = 0
        channel = await self._connection.channel(publisher_confirms=True)
        try:
            queue = await channel.declare_queue(
                self._dead_queue(service), durable=True, passive=True
            )
            while (message := await queue.get(no_ack=False, fail=False)) is not None:
                if wanted is not None and message.message_id not in wanted:
                    continue  # stays unacked; returns to the dead queue when the channel closes
                headers = {
                    "x-attempt": 1,
                    "x-routing-key": (message.headers or {}).get("x-routing-key", ""),
                }
                await channel.default_exchange.publish(
                    _message(
                        message.body, message.message_id or "", message.correlation_id, headers
                    ),
                    routing_key=self._queue(service),
                    timeout=self._timeout,
                )
                await message.ack()
                moved += 1
        finally:
            await channel.close()
        return moved

    # -- names -----------------------------------------------------------------------------

    def _queue(self, service: str) -> str:
        return queue_name(self._prefix, service)

    def _retry_queue(self, service: str, delay: float) -> str:
        return f"{self._queue(service)}.retry.{int(delay * 1000)}ms"

    def _dead_queue(self, service: str) -> str:
        return f"{self._queue(service)}.dead"


def _message(
    body: bytes, message_id: str, correlation_id: str | None, headers: dict[str, Any] | None = None
) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        message_id=message_id,
        correlation_id=correlation_id,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers or {},
    )


def _dead_letter(message: AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers or {}
    failed_at = headers.get("x-failed-at")
    return DeadLetter(
        message_id=message.message_id or "",
        routing_key=str(headers.get("x-routing-key", "")),
        attempts=int(headers.get("x-attempt", 0)),
        error=str(headers.get("x-error", "")),
        failed_at=datetime.fromisoformat(str(failed_at)) if failed_at else datetime.now(UTC),
        body=message.body.decode(errors="replace"),
    )
