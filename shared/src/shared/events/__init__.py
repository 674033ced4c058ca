"""Versioned event models: the only contract between services.

Routing keys read ``<service>.<thing>.<past-tense>``. A change that breaks a consumer is a new version.
"""

from .bank_ingest import BankAccountRegistered
from .envelope import Envelope, Event
from .identity import ApiKeyIssued, ApiKeyRevoked, TenantCreated
from .registry import known_events, parse, register

__all__ = [
    "ApiKeyIssued",
    "ApiKeyRevoked",
    "BankAccountRegistered",
    "Envelope",
    "Event",
    "TenantCreated",
    "known_events",
    "parse",
    "register",
]
