"""The envelope every event travels in, and the base class of typed events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """A fact that happened in one service. Subclasses set ``type`` (routing key) and ``version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    version: ClassVar[int] = 1


class Envelope(BaseModel):
    """What the bus carries: metadata plus the event's JSON payload."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int
    tenant: uuid.UUID | None = None
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str
    payload: dict[str, Any]

    @classmethod
    def wrap(cls, event: Event, *, tenant: uuid.UUID | None, correlation_id: str) -> Envelope:
        return cls(
            type=event.type,
            version=event.version,
            tenant=tenant,
            correlation_id=correlation_id,
            payload=event.model_dump(mode="json"),
        )

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        return cls.model_validate_json(raw)
