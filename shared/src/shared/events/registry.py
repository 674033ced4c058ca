"""Lookup of typed event classes by (type, version)."""

from __future__ import annotations

from .envelope import Envelope, Event

_EVENTS: dict[tuple[str, int], type[Event]] = {}


def register(cls: type[Event]) -> type[Event]:
    """Class decorator: make an event class known to :func:`parse`."""
    key = (cls.type, cls.version)
    if key in _EVENTS and _EVENTS[key] is not cls:
        raise RuntimeError(f"event {key} registered twice")
    _EVENTS[key] = cls
    return cls


def parse(envelope: Envelope) -> Event:
    """The typed event inside an envelope; raises ``KeyError`` for an unknown type/version."""
    cls = _EVENTS[(envelope.type, envelope.version)]
    return cls.model_validate(envelope.payload)


def known_events() -> dict[tuple[str, int], type[Event]]:
    return dict(_EVENTS)
