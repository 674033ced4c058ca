"""Two bus adapters behind one interface: RabbitMQ (distributed) and in-process (embedded)."""

from __future__ import annotations

from .base import Bus, DeadLetter, Handler, Topology, Unavailable, topic_matches
from .memory import InProcessBus
from .rabbitmq import RabbitMQBus
from .topology import SERVICES, SUBSCRIPTIONS

__all__ = [
    "SERVICES",
    "SUBSCRIPTIONS",
    "Bus",
    "DeadLetter",
    "Handler",
    "InProcessBus",
    "RabbitMQBus",
    "Topology",
    "Unavailable",
    "bus_from_url",
    "topic_matches",
]


def bus_from_url(
    url: str,
    *,
    topology: Topology = SUBSCRIPTIONS,
    exchange: str = "mutabik.events",
    queue_prefix: str = "mutabik",
    prefetch: int = 32,
    retry_delays: tuple[float, ...] = (0.5, 2.0, 10.0),
) -> Bus:
    """``amqp://...`` gives RabbitMQ; ``memory://`` gives a private in-process bus."""
    if url.startswith(("amqp://", "amqps://")):
        return RabbitMQBus(
            url,
            topology,
            exchange=exchange,
            queue_prefix=queue_prefix,
            prefetch=prefetch,
            retry_delays=retry_delays,
        )
    if url.startswith("memory://"):
        return InProcessBus(topology, retry_delays=retry_delays)
    raise ValueError(f"unsupported bus url {url!r}: use amqp:// or memory://")
