"""Embedded mode's local SMTP sink and the ``/outbox`` page that shows what it kept."""

from .page import outbox_routes
from .sink import OutboxSink

__all__ = ["OutboxSink", "outbox_routes"]
