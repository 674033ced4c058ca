"""Events of a reconciliation letter's life: reconciliation queues its e-mails, the notifier
reports what became of them, the portal tells who looked and who answered.

A letter's e-mail is identified by ``(letter_id, send_no)``: 1 is the first e-mail, each resend or
reminder takes the next number. Every consumer treats a ``(letter_id, send_no)`` it has seen as
done, so a redelivered or replayed event changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .envelope import Event
from .registry import register

LetterKind = Literal["balance", "babs"]
Purpose = Literal["letter", "resend", "reminder"]


class FirmRecord(BaseModel):
    """The firm a letter comes from (the tenant)."""

    model_config = ConfigDict(frozen=True)
    name: str
    tax_office: str = ""
    tax_id: str = ""


class BalanceRecord(BaseModel):
    """A balance in one currency as our books have it when the round was created."""

    model_config = ConfigDict(frozen=True)
    currency: str
    amount: Decimal
    """Never negative; ``side`` says which way it stands."""
    side: Literal["debit", "credit", "zero"]
    amount_try: Decimal | None = None


class FormTotalRecord(BaseModel):
    """One form's line (Form Ba or Form Bs): documents counted, their total excluding VAT (TL)."""

    model_config = ConfigDict(frozen=True)
    count: int
    total: Decimal


class LetterRecord(BaseModel):
    """What one letter says, frozen when its round was created."""

    model_config = ConfigDict(frozen=True)
    letter_id: uuid.UUID
    round_id: uuid.UUID
    language: Literal["tr", "en"] = "tr"
    subject: str
    """The round's description."""
    sender: FirmRecord
    counterparty_code: str
    """The code the letter goes to; a BA/BS letter merged by tax number covers ``codes``."""
    counterparty_title: str
    counterparty_tax_id: str = ""
    codes: list[str] = []
    kind: LetterKind
    valid_until: date
    as_of: date | None = None
    """Balance letters: the date of the balance."""
    balances: list[BalanceRecord] = []
    period: date | None = None
    """BA/BS letters: the first day of the month."""
    ba: FormTotalRecord | None = None
    bs: FormTotalRecord | None = None
    note: str = ""


class DocumentRecord(BaseModel):
    """One document behind a letter's amounts, as the counterparty's page lists it: for a balance
    letter a movement counted in the balance (``debit`` or ``credit`` in ``currency``), for a
    BA/BS letter a document of the month (``form`` and ``net``, its total excluding VAT, TL)."""

    model_config = ConfigDict(frozen=True)
    date: date
    document_no: str
    description: str = ""
    currency: str = "TRY"
    debit: Decimal | None = None
    credit: Decimal | None = None
    form: Literal["BA", "BS"] | None = None
    net: Decimal | None = None


class IssuedLetter(BaseModel):
    model_config = ConfigDict(frozen=True)
    letter: LetterRecord
    documents: list[DocumentRecord]
    """In date order."""


@register
class LettersIssued(Event):
    """Letters of a round that was sent, with the documents behind them: what the portal shows
    the counterparty. A batch holds whole letters (up to ~100, or ~5,000 documents)."""

    type = "reconciliation.letters.issued"
    letters: list[IssuedLetter]


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)
    address: str
    role: Literal["counterparty", "contact", "kep"]
    """The counterparty's reconciliation address, an authorised person flagged as e-reconciliation
    contact, or the KEP address."""
    name: str = ""


class QueuedEmail(BaseModel):
    """One e-mail of a letter to send."""

    model_config = ConfigDict(frozen=True)
    letter: LetterRecord
    send_no: int
    purpose: Purpose
    recipients: list[Recipient]


@register
class LetterEmailsQueued(Event):
    """Letters' e-mails to send (up to ~100 per event: the first go out while the rest travel)."""

    type = "reconciliation.letters.queued"
    emails: list[QueuedEmail]


class RecipientOutcome(BaseModel):
    """One attempt to hand the e-mail to the SMTP server for one recipient."""

    model_config = ConfigDict(frozen=True)
    address: str
    outcome: Literal["sent", "temporary", "permanent"]
    code: int | None = None
    reply: str = ""
    at: datetime


class DeliveryReport(BaseModel):
    """What became of one e-mail, once it is settled: ``sent`` when the server accepted it for
    at least one recipient, ``failed`` when for none (permanent refusals, or temporary failures
    until the retries ran out)."""

    model_config = ConfigDict(frozen=True)
    letter_id: uuid.UUID
    send_no: int
    outcome: Literal["sent", "failed"]
    reason: str = ""
    """Why it failed, or which recipients were refused while others got it; the servers' words."""
    attempts: list[RecipientOutcome]
    """Every attempt, retries included, in order."""
    finished_at: datetime


@register
class LetterEmailsDelivered(Event):
    """Settled e-mails (up to ~500 per event)."""

    type = "notifier.letters.delivered"
    reports: list[DeliveryReport]


@register
class LetterViewed(Event):
    """The counterparty opened the letter's page."""

    type = "portal.letter.viewed"
    letter_id: uuid.UUID
    viewed_at: datetime
    from_address: str = ""
    """The client's IP address."""
    user_agent: str = ""


class AttachmentRecord(BaseModel):
    """A file the counterparty attached to the answer; it stays at the portal."""

    model_config = ConfigDict(frozen=True)
    file_name: str
    content_type: str
    size: int
    sha256: str


@register
class LetterAnswered(Event):
    """The counterparty agreed or disagreed."""

    type = "portal.letter.answered"
    letter_id: uuid.UUID
    answer: Literal["agreed", "disagreed"]
    reason: str = ""
    """Why they disagree (required then)."""
    answered_by: str = ""
    """The name the person gave."""
    answered_title: str = ""
    """Their position (ünvan), as they gave it."""
    their_balance: Decimal | None = None
    """The balance in their books, when they gave one (in the letter's main currency)."""
    attachment: AttachmentRecord | None = None
    answered_at: datetime
    from_address: str = ""
    user_agent: str = ""
