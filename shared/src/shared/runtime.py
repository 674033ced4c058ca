"""What a running service holds, built in its lifespan and reached by routes through ``request.app``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from .bus import Bus
from .metrics import ServiceMetrics
from .outbox import OutboxRelay
from .settings import ServiceSettings
from .uow import UnitOfWork


@dataclass
class Runtime:
    service: str
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker
    bus: Bus
    relay: OutboxRelay
    metrics: ServiceMetrics
    new_uow: Callable[[], UnitOfWork]
