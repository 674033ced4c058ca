"""The e-mail that carries a rendered letter: text and HTML as alternatives, UTF-8."""

from __future__ import annotations

from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ..smtp import SmtpServer
from .render import RenderedLetter


def build_message(rendered: RenderedLetter, sender: SmtpServer, to: Sequence[str]) -> EmailMessage:
    """The letter as ``multipart/alternative`` (text first, then HTML: clients show the last one
    they can), From the server's sender. Send it with ``policy.SMTPUTF8`` when an address is not
    ASCII."""
    if not to:
        raise ValueError("a letter needs at least one recipient")
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = Address(sender.sender_name, addr_spec=sender.sender_address)
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.sender_address.rpartition("@")[2])
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return message
