"""The e-mail that carries a rendered letter: text and HTML as alternatives, UTF-8.

:func:`build_message` gives an ``EmailMessage``; :func:`message_bytes` the same e-mail already in
its wire form, several times faster (the ``email`` package's header and body handling costs
~1.5 ms a message, more than rendering and sending together), for letters sent in bulk.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

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


def message_bytes(rendered: RenderedLetter, sender: SmtpServer, to: Sequence[str]) -> bytes:
    """What :func:`build_message` makes, as the bytes sent (7-bit, CRLF line ends). Every address
    must be ASCII: a message to a non-ASCII address needs :func:`build_message` and SMTPUTF8."""
    if not to:
        raise ValueError("a letter needs at least one recipient")
    if not (sender.sender_address + "".join(to)).isascii():
        raise ValueError("non-ASCII addresses need build_message (SMTPUTF8)")
    # "=_" never occurs in quoted-printable text, so the boundary cannot clash with a body.
    boundary = f"=_{uuid.uuid4().hex}"
    domain = sender.sender_address.rpartition("@")[2]
    headers = (
        f"Subject: {_subject(rendered.subject)}",
        f"From: {formataddr((sender.sender_name, sender.sender_address), charset='utf-8')}",
        "To: " + ",\r\n ".join(to),
        f"Date: {formatdate(usegmt=True)}",
        f"Message-ID: {make_msgid(domain=domain)}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
    )
    parts = [f"--{boundary}".encode() + b"\r\n" + _part("plain", rendered.text)]
    parts.append(f"--{boundary}".encode() + b"\r\n" + _part("html", rendered.html))
    head = "\r\n".join(headers).encode() + b"\r\n\r\n"
    return head + b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()


def _subject(subject: str) -> str:
    subject = " ".join(subject.split())  # a line break would end the header
    if subject.isascii() and "=?" not in subject and len(subject) <= 69:
        return subject  # fits on the Subject line as it is
    return "\r\n ".join(
        f"=?utf-8?b?{base64.b64encode(piece).decode()}?=" for piece in _pieces(subject)
    )


def _pieces(text: str, size: int = 39) -> list[bytes]:
    """``text`` in UTF-8, cut between characters into pieces of at most ``size`` bytes: each
    becomes one encoded word of at most 64 characters (RFC 2047 allows 75), the first on the
    Subject line within 78 characters."""
    data, pieces, start = text.encode(), [], 0
    while start < len(data):
        end = min(start + size, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        pieces.append(data[start:end])
        start = end
    return pieces


def _part(subtype: str, text: str) -> bytes:
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    encoded = binascii.b2a_qp(body.encode(), istext=True).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + encoded
