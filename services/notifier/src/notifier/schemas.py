"""What notifier's API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr, StringConstraints

from .letters import Kind, Language
from .smtp import Security, TestResult

Source = Literal["tenant", "system"]

HostName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=253, pattern=r"^[^\s/]+$"),
]


class SmtpSettingsIn(BaseModel):
    """The tenant's own SMTP server (Mikro's "SMTP Bilgileri")."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "host": "smtp.firma.com.tr",
                    "port": 587,
                    "security": "starttls",
                    "username": "mutabakat@firma.com.tr",
                    "password": "…",
                    "sender_name": "Firma A.Ş. Muhasebe",
                    "sender_address": "mutabakat@firma.com.tr",
                    "max_per_minute": 600,
                }
            ]
        },
    )

    host: HostName
    port: int = Field(ge=1, le=65535)
    security: Security = Field(
        description="`none`: plain SMTP; `starttls`: plain connect, then STARTTLS (usually 587); "
        "`tls`: TLS from the start (usually 465)"
    )
    username: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)] = Field(
        default="", description="Empty: no AUTH"
    )
    password: SecretStr | None = Field(
        default=None,
        description="Write-only: never shown again. Omitted (or null) keeps the stored one; "
        "an empty string removes it.",
    )
    sender_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        default="", description="Gönderen adı: the name in From"
    )
    sender_address: EmailStr = Field(description="Gönderen adresi: the address in From")
    max_per_minute: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="At most this many letter e-mails a minute through this server; "
        "null (or left out): the system's limit; 0: no limit",
    )


class SmtpSettingsOut(BaseModel):
    """The SMTP server that this tenant's mails go through. Passwords are never shown."""

    source: Source = Field(
        description="`tenant`: the tenant's own settings; `system`: none are set, so the "
        "system's server is used"
    )
    host: str
    port: int
    security: Security
    username: str | None = Field(
        default=None, description="The tenant's login name; null for the system server (not shown)"
    )
    password_set: bool | None = Field(
        default=None, description="Whether a password is stored; null for the system server"
    )
    sender_name: str
    sender_address: str
    max_per_minute: int | None = Field(
        default=None,
        description="Letter e-mails a minute at most (0: no limit). For `tenant`: the tenant's "
        "own, null when the system's applies; for `system`: the system's",
    )
    updated_at: datetime | None = None
    updated_by: str | None = Field(default=None, description="The API key id that saved them last")


class SmtpTestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: EmailStr = Field(description="Where the test mail goes", examples=["someone@example.com"])


class SmtpTestOut(TestResult):
    """The outcome of the test mail; `ok: false` says at which step and why."""

    source: Source = Field(description="Whose settings were tested: the tenant's or the system's")
    to: str


TemplateSource = Literal["default", "tenant"]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=2_000)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=200_000)]


class LetterTemplateIn(BaseModel):
    """A tenant's own template for one language, part by part; a part left out (or null) uses
    the default. Each part is a Jinja2 template run in a sandbox."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "{{ sender.name }}: {{ subject or 'Cari hesap mutabakatı' }}",
                    "text": "Sayın {{ recipient.title }},\n…\n{{ portal_url }}\n",
                }
            ]
        },
    )

    subject: Subject | None = Field(default=None, description="One line; spaces are collapsed")
    text: Body | None = Field(default=None, description="The plain-text part; not escaped")
    html: Body | None = Field(default=None, description="The HTML part; values are autoescaped")


class TemplatePartOut(BaseModel):
    source: TemplateSource = Field(
        description="`tenant`: the tenant's own; `default`: the one shipped with Mutabık"
    )
    template: str


class LetterTemplateOut(BaseModel):
    """The templates that apply to this tenant's letters in one language."""

    language: Language
    subject: TemplatePartOut
    text: TemplatePartOut
    html: TemplatePartOut
    updated_at: datetime | None = None
    updated_by: str | None = Field(default=None, description="The API key id that saved it last")


class LetterPreview(BaseModel):
    kind: Kind
    subject: str
    text: str
    html: str


class LetterPreviewsOut(BaseModel):
    """The letters as they would go out: one for the letter given, else one for each sample."""

    language: Language
    letters: list[LetterPreview]


EmailState = Literal["pending", "sent", "failed"]


class DeliveryAttemptOut(BaseModel):
    """One attempt to hand the e-mail to the SMTP server for one recipient."""

    to: str
    at: datetime
    outcome: Literal["sent", "temporary", "permanent"] = Field(
        description="`sent`: the server took it; `temporary`: refused for now (4xx, no "
        "connection), tried again later; `permanent`: refused for good (5xx)"
    )
    code: int | None = Field(description="The server's reply code; null when it never answered")
    reply: str = Field(description="The server's words, or what went wrong")


class EmailRecipientOut(BaseModel):
    address: str
    role: str = Field(description="`counterparty`, `contact` or `kep`")
    name: str
    state: EmailState = Field(description="`pending`: still to send (or to retry)")


class LetterEmailOut(BaseModel):
    """One e-mail of a letter: the first (`send_no` 1), then each resend or reminder."""

    letter_id: uuid.UUID
    round_id: uuid.UUID
    send_no: int
    purpose: Literal["letter", "resend", "reminder"]
    state: EmailState = Field(
        description="`pending` until every recipient is settled; then `sent` (the server took "
        "it for at least one recipient) or `failed` (for none)"
    )
    recipients: list[EmailRecipientOut]
    attempts: list[DeliveryAttemptOut] = Field(description="Every attempt, retries included")
    reason: str = Field(description="Why it failed, or which recipients refused it (and why)")
    created_at: datetime = Field(description="When it was queued")
    next_attempt_at: datetime | None = Field(
        description="While pending: when it is (next) tried, or the end of a sender's hold on it"
    )
    finished_at: datetime | None
    portal_link: str = Field(
        "", description="The letter's page, as the e-mail links to it (to pass on by phone)"
    )


class LetterEmailQueueOut(BaseModel):
    """The tenant's letter e-mails by state."""

    pending: int = Field(description="Queued, not tried yet")
    retrying: int = Field(description="Tried; some recipients wait for a retry")
    sent: int
    failed: int
