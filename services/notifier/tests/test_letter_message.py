"""The e-mail that carries a letter: its MIME structure and headers, read back as a client would;
and the message through a real SMTP server."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage

import aiosmtplib
import pytest
from pydantic import SecretStr

from notifier.letters import build_message, message_bytes, render_letter
from notifier.smtp import Security, SmtpServer

from .test_letter_rendering import URL, balance_letter

SENDER = SmtpServer(
    host="127.0.0.1",
    port=25,
    security=Security.NONE,
    username="",
    password=SecretStr(""),
    sender_name="Deniz Makina Muhasebe",
    sender_address="mutabakat@denizmakina.com.tr",
)
SUBJECT = "Çağlar İnşaat – 2025 yıl sonu cari hesap mutabakatı (ığüşöç ĞÜŞİÖÇ)"


def read_back(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_two_alternatives_in_utf8_with_the_headers() -> None:
    rendered = render_letter(balance_letter(subject=SUBJECT))
    to = ["muhasebe@caglarinsaat.com.tr", "finans@caglarinsaat.com.tr"]
    wire = build_message(rendered, SENDER, to).as_bytes(policy=policy.SMTP)
    assert wire.isascii()  # 7-bit safe: quoted-printable bodies, encoded headers
    message = read_back(build_message(rendered, SENDER, to))

    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n") == rendered.text + "\n"  # CRLF on the wire
    assert html.get_content().replace("\r\n", "\n") == rendered.html + "\n"
    assert "Kayıtlarımıza göre 31.12.2025 tarihi itibarıyla" in text.get_content()
    assert "Çağlar İnşaat Ltd. Şti." in html.get_content()

    assert message["Subject"] == SUBJECT
    assert message["From"].addresses[0].display_name == "Deniz Makina Muhasebe"
    assert message["From"].addresses[0].addr_spec == "mutabakat@denizmakina.com.tr"
    assert [a.addr_spec for a in message["To"].addresses] == to
    assert message["Date"].datetime is not None
    assert message["Message-ID"].endswith("@denizmakina.com.tr>")
    assert message["MIME-Version"] == "1.0"


def test_each_message_has_its_own_id() -> None:
    rendered = render_letter(balance_letter())
    first = build_message(rendered, SENDER, ["a@example.com"])
    second = build_message(rendered, SENDER, ["a@example.com"])
    assert first["Message-ID"] != second["Message-ID"]


def test_a_letter_needs_a_recipient() -> None:
    with pytest.raises(ValueError, match="at least one recipient"):
        build_message(render_letter(balance_letter()), SENDER, [])


async def test_the_letter_through_a_real_smtp_server(mail_server) -> None:
    server = mail_server()
    rendered = render_letter(balance_letter("en", subject="Year-end – Öztürk & Oğulları"))
    message = build_message(rendered, SENDER, ["muhasebe@caglarinsaat.com.tr"])
    await aiosmtplib.send(message, hostname=server.host, port=server.port, timeout=5)

    (received,) = server.received
    assert received.mail_from == "mutabakat@denizmakina.com.tr"
    assert received.rcpt_tos == ["muhasebe@caglarinsaat.com.tr"]
    got = received.message
    assert got["Subject"] == "Year-end – Öztürk & Oğulları"
    assert got.get_content_type() == "multipart/alternative"
    text = got.get_body(preferencelist=("plain",))
    html = got.get_body(preferencelist=("html",))
    assert text is not None and html is not None and text is not html
    assert URL in [line.strip() for line in text.get_content().splitlines()]
    assert f'href="{URL}"' in html.get_content()
    assert "1,234.56 TRY" in text.get_content() and "Dear Çağlar İnşaat" in html.get_content()


def test_the_wire_form_reads_back_as_the_message() -> None:
    to = ["muhasebe@caglarinsaat.com.tr", "finans@caglarinsaat.com.tr"]
    for letter in (balance_letter(subject=SUBJECT), balance_letter("en", subject="Year-end")):
        rendered = render_letter(letter)
        wire = message_bytes(rendered, SENDER, to)
        assert wire.isascii() and b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")
        assert all(len(line) <= 78 for line in wire.split(b"\r\n"))
        fast = message_from_bytes(wire, policy=policy.default)
        slow = read_back(build_message(rendered, SENDER, to))
        assert fast.defects == [] and all(part.defects == [] for part in fast.iter_parts())
        for header in ("Subject", "From", "To", "MIME-Version"):
            assert str(fast[header]) == str(slow[header]), header
        assert fast["Message-ID"].endswith("@denizmakina.com.tr>") and fast["Date"].datetime
        assert [p.get_content_type() for p in fast.iter_parts()] == ["text/plain", "text/html"]
        assert [p.get_content() for p in fast.iter_parts()] == [
            p.get_content() for p in slow.iter_parts()
        ]


def test_the_wire_form_needs_ascii_addresses_and_a_recipient() -> None:
    rendered = render_letter(balance_letter())
    with pytest.raises(ValueError, match="SMTPUTF8"):
        message_bytes(rendered, SENDER, ["müşteri@örnek.com.tr"])
    with pytest.raises(ValueError, match="at least one recipient"):
        message_bytes(rendered, SENDER, [])


@pytest.mark.parametrize(
    "subject",
    [
        "Year-end",
        "y" * 200,  # no space to fold at
        "Hatırlatma: Çağlar İnşaat – 2025 yıl sonu cari hesap mutabakatı (ığüşöç ĞÜŞİÖÇ)",
        "ş" * 100,
        "Mutabakat 😀" * 10,  # four-byte characters are never cut
        "looks =?utf-8?q?encoded?= but is not",
    ],
)
def test_any_subject_reads_back_whole_in_short_lines(subject: str) -> None:
    rendered = replace(render_letter(balance_letter()), subject=subject)
    wire = message_bytes(rendered, SENDER, ["a@example.com"])
    assert wire.isascii() and all(len(line) <= 78 for line in wire.split(b"\r\n"))
    assert message_from_bytes(wire, policy=policy.default)["Subject"] == subject
