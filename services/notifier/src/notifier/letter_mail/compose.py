"""From a queued e-mail to the message sent: the letter's content with its portal link, rendered
with the tenant's templates, a reminder marked as one, and the bytes to send."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

from pydantic import SecretStr

from shared.events import LetterRecord, QueuedEmail
from shared.portal_links import letter_link

from ..delivery import Outgoing
from ..letters import (
    BalanceLine,
    Counterparty,
    Firm,
    FormTotal,
    Language,
    LetterContent,
    RenderedLetter,
    TemplateOverride,
    build_message,
    message_bytes,
    render_letter,
)
from ..smtp import SmtpServer

REMINDER_PREFIX: dict[Language, str] = {"tr": "Hatırlatma: ", "en": "Reminder: "}
"""Put before a reminder's subject in code, so tenants' templates need not know about reminders."""


def letter_content(record: LetterRecord, *, portal_url: str) -> LetterContent:
    """What the letter says, in the form the templates read; raises ``ValueError`` for a letter
    that cannot be shown (a balance letter without balances, say)."""
    return LetterContent(
        language=record.language,
        subject=record.subject,
        sender=Firm(record.sender.name, record.sender.tax_office, record.sender.tax_id),
        recipient=Counterparty(
            record.counterparty_code, record.counterparty_title, record.counterparty_tax_id
        ),
        kind=record.kind,
        valid_until=record.valid_until,
        portal_url=portal_url,
        as_of=record.as_of,
        balances=tuple(
            BalanceLine(line.currency, line.amount, line.side, line.amount_try)
            for line in record.balances
        ),
        period=record.period,
        ba=FormTotal(record.ba.count, record.ba.total) if record.ba else None,
        bs=FormTotal(record.bs.count, record.bs.total) if record.bs else None,
        note=record.note,
    )


@dataclasses.dataclass(frozen=True)
class Composer:
    """Renders one tenant's e-mails: its templates, its sender, the portal's links."""

    server: SmtpServer
    overrides: Mapping[Language, TemplateOverride | None]
    portal_link_base: str
    secret_key: SecretStr

    def render(self, email: QueuedEmail) -> RenderedLetter:
        """The e-mail's subject, text and HTML; raises when the letter or a template fails."""
        record = email.letter
        link = letter_link(self.portal_link_base, self.secret_key, record.letter_id)
        content = letter_content(record, portal_url=link)
        rendered = render_letter(content, self.overrides.get(record.language))
        if email.purpose == "reminder":
            prefix = REMINDER_PREFIX[record.language]
            rendered = dataclasses.replace(rendered, subject=prefix + rendered.subject)
        return rendered

    def outgoing(
        self, key: str, email: QueuedEmail, *, to: Sequence[str], send_to: Sequence[str]
    ) -> Outgoing:
        """The message, To: ``to`` (every recipient of the e-mail), for ``send_to`` (those
        still to get it)."""
        rendered = self.render(email)
        message: bytes | EmailMessage
        if (self.server.sender_address + "".join(to)).isascii():
            message = message_bytes(rendered, self.server, to)
        else:  # a non-ASCII address: the email package's SMTPUTF8 form
            message = build_message(rendered, self.server, to)
        return Outgoing(key, message, tuple(send_to))
