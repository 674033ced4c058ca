"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What a service needs to run. Env prefix per service, e.g. ``MUTABIK_BANK_INGEST_``."""

    model_config = SettingsConfigDict(env_prefix="MUTABIK_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///data/service.sqlite3",
        description="postgresql+asyncpg://... (distributed) or sqlite+aiosqlite:///path (embedded).",
    )
    bus_url: str = Field(
        default="memory://",
        description="amqp://user:pass@host:5672/ for RabbitMQ, or memory:// for the in-process bus.",
    )
    exchange: str = "mutabik.events"
    queue_prefix: str = "mutabik"
    prefetch: int = 32
    retry_delays: tuple[float, ...] = (0.5, 2.0, 10.0)
    """Delay before each retry of a failed event; after the last one the event is dead-lettered."""
    bus_startup_seconds: float = 60.0
    """How long a starting service waits for the broker before giving up."""
    relay_poll_seconds: float = 0.5
    relay_batch_size: int = 500
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    secret_key: SecretStr = SecretStr("change-me-in-production")
    """Encrypts secrets at rest (SMTP passwords). Set it in production."""

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1


def sqlite_url(data_dir: Path, service: str) -> str:
    """The SQLite file of one service under the embedded data folder."""
    return f"sqlite+aiosqlite:///{(data_dir / f'{service}.sqlite3').resolve()}"
