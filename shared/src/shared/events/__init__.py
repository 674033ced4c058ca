"""Versioned event models: the only contract between services.

Routing keys read ``<service>.<thing>.<past-tense>``. A change that breaks a consumer is a new version.
"""

from .bank_ingest import (
    BalanceFigure,
    BankAccountRegistered,
    ConnectionStatusChanged,
    MovementsRecorded,
    RecordedMovement,
    StatementImported,
)
from .envelope import Envelope, Event
from .identity import ApiKeyIssued, ApiKeyRevoked, TenantCreated
from .letters import (
    AttachmentRecord,
    BalanceRecord,
    DeliveryReport,
    DocumentRecord,
    FirmRecord,
    FormTotalRecord,
    IssuedLetter,
    LetterAnswered,
    LetterEmailsDelivered,
    LetterEmailsQueued,
    LetterRecord,
    LettersIssued,
    LetterViewed,
    QueuedEmail,
    Recipient,
    RecipientOutcome,
)
from .matcher import MovementsProcessed
from .reconciliation import (
    ContactRecord,
    CounterpartiesChanged,
    CounterpartiesDeactivated,
    CounterpartyRecord,
)
from .registry import known_events, parse, register

__all__ = [
    "AttachmentRecord",
    "DocumentRecord",
    "IssuedLetter",
    "LettersIssued",
    "BalanceRecord",
    "DeliveryReport",
    "FirmRecord",
    "FormTotalRecord",
    "LetterAnswered",
    "LetterEmailsDelivered",
    "LetterEmailsQueued",
    "LetterRecord",
    "LetterViewed",
    "QueuedEmail",
    "Recipient",
    "RecipientOutcome",
    "ApiKeyIssued",
    "ApiKeyRevoked",
    "BalanceFigure",
    "BankAccountRegistered",
    "ConnectionStatusChanged",
    "ContactRecord",
    "CounterpartiesChanged",
    "CounterpartiesDeactivated",
    "CounterpartyRecord",
    "MovementsProcessed",
    "MovementsRecorded",
    "RecordedMovement",
    "StatementImported",
    "Envelope",
    "Event",
    "TenantCreated",
    "known_events",
    "parse",
    "register",
]
