"""The letters as the default templates word them, in Turkish and English, for both kinds; HTML
escaping; the subject; a tenant's part replacing only that part; the sandbox; the letter's data
and its JSON form."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from notifier.letters import (
    BalanceLine,
    Counterparty,
    Firm,
    FormTotal,
    LetterContent,
    LetterTemplateError,
    TemplateOverride,
    letter_from_json,
    letter_to_json,
    render_letter,
)

URL = "https://portal.mutabik.test/r/8f3a2c"


def balance_letter(language: str = "tr", **changes) -> LetterContent:
    letter = LetterContent(
        language=language,  # type: ignore[arg-type]
        subject="2025 yıl sonu mutabakatı",
        sender=Firm("Deniz Makina San. A.Ş.", tax_office="Ümraniye", tax_id="4560012345"),
        recipient=Counterparty("320.02.017", "Çağlar İnşaat Ltd. Şti.", tax_id="7770001112"),
        kind="balance",
        valid_until=date(2026, 1, 31),
        portal_url=URL,
        as_of=date(2025, 12, 31),
        balances=(
            BalanceLine("TRY", Decimal("1234.56"), "debit"),
            BalanceLine("USD", Decimal("2500"), "credit", amount_try=Decimal("107512.5")),
        ),
    )
    return replace(letter, **changes)


def babs_letter(language: str = "tr", **changes) -> LetterContent:
    letter = replace(
        balance_letter(language),
        subject="",
        kind="babs",
        as_of=None,
        balances=(),
        period=date(2025, 1, 1),
        ba=None,
        bs=FormTotal(4, Decimal("56780.9")),
        valid_until=date(2025, 2, 20),
    )
    return replace(letter, **changes)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_turkish_balance_letter_in_two_currencies() -> None:
    letter = render_letter(balance_letter())
    assert letter.subject == "2025 yıl sonu mutabakatı"
    for part in (letter.text, letter.html):
        assert "Deniz Makina San. A.Ş." in part
        assert "Ümraniye" in part and "4560012345" in part
        assert "Çağlar İnşaat Ltd. Şti." in part and "320.02.017" in part and "7770001112" in part
        assert "31.12.2025" in part and "31.01.2026" in part
        assert "1.234,56 TL" in part and "2.500,00 USD" in part and "107.512,50 TL" in part
        assert "Borç" in part and "Alacak" in part
        assert "Evet, Mutabıkız" in part and "Hayır, mutabık değiliz" in part
        assert "mutabakat durumunuzu bildirmek için lütfen tıklayın" in part
    assert "1.234,56 TL  Borç" in lines(letter.text)
    assert "2.500,00 USD  Alacak (karşılığı 107.512,50 TL)" in lines(letter.text)
    assert "Borç: bize borçlu olduğunuzu, Alacak: size borçlu olduğumuzu gösterir." in letter.text
    assert URL in lines(letter.text)  # the link alone on its line: every client makes it clickable
    assert f'<a href="{URL}"' in letter.html
    assert '<html lang="tr">' in letter.html and 'name="viewport"' in letter.html


def test_english_balance_letter() -> None:
    letter = render_letter(balance_letter("en", subject=""))
    assert letter.subject == "Balance confirmation – 31 Dec 2025"
    assert "1,234.56 TRY  Debit" in lines(letter.text)
    assert "2,500.00 USD  Credit (equivalent to 107,512.50 TRY)" in lines(letter.text)
    assert "Debit: you owe us; Credit: we owe you." in letter.text
    assert "Please answer by 31 Jan 2026." in letter.text
    assert URL in lines(letter.text)
    assert "Dear Çağlar İnşaat Ltd. Şti.," in letter.html and '<html lang="en">' in letter.html
    assert "Evet, Mutabıkız" in letter.html  # the button's words on the page are Turkish


def test_babs_letter_with_only_form_bs() -> None:
    letter = render_letter(babs_letter())
    assert letter.subject == "BA/BS mutabakatı – Ocak 2025"
    assert "Form Bs (size satışlarımız):   4 belge, 56.780,90 TL" in lines(letter.text)
    assert "Form Ba (" not in letter.text and "sizden alışlarımız" not in letter.text
    assert "Ocak 2025" in letter.text and "20.02.2025" in letter.text
    assert "Mutabakata konu faturaları detaylı görmek" in letter.text
    assert URL in lines(letter.text)
    assert "56.780,90 TL" in letter.html and "4 belge" in letter.html
    assert "Form Bs" in letter.html and "Form Ba" not in letter.html.replace("Form Ba ve", "")
    assert "sizden alışlarımız" not in letter.html


def test_babs_letter_with_both_forms_in_english() -> None:
    letter = render_letter(babs_letter("en", ba=FormTotal(1, Decimal("5000"))))
    assert letter.subject == "BA/BS reconciliation – January 2025"
    assert "Form Ba (our purchases from you):  1 document, 5,000.00 TRY" in lines(letter.text)
    assert "Form Bs (our sales to you):        4 documents, 56,780.90 TRY" in lines(letter.text)
    assert "1 document<" in letter.html and "4 documents<" in letter.html


def test_values_are_escaped_in_html_only() -> None:
    title = "<script>alert(1)</script> Öztürk & Oğulları"
    letter = render_letter(
        balance_letter(
            subject="Öztürk & Oğulları <2025>",
            recipient=Counterparty("120.9", title),
            note='"Ödeme" <b>bekleniyor</b>',
            portal_url=URL + "?a=1&b=2",
        )
    )
    assert "<script>" not in letter.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Öztürk &amp; Oğulları" in letter.html
    assert (
        "&lt;title&gt;" not in letter.html and "Öztürk &amp; Oğulları &lt;2025&gt;" in letter.html
    )
    assert "&#34;Ödeme&#34; &lt;b&gt;bekleniyor&lt;/b&gt;" in letter.html
    assert f'href="{URL}?a=1&amp;b=2"' in letter.html
    assert f"Sayın {title}," in letter.text and '"Ödeme" <b>bekleniyor</b>' in letter.text
    assert f"{URL}?a=1&b=2" in lines(letter.text)
    assert letter.subject == "Öztürk & Oğulları <2025>"


def test_subject_is_one_line() -> None:
    letter = render_letter(balance_letter(subject="  Yıl sonu\r\nBcc: x@example.com \t "))
    assert letter.subject == "Yıl sonu Bcc: x@example.com"


def test_an_override_replaces_only_its_parts() -> None:
    content = balance_letter()
    default = render_letter(content)
    subject_only = render_letter(content, TemplateOverride(subject="{{ sender.name }}"))
    assert subject_only.subject == "Deniz Makina San. A.Ş."
    assert (subject_only.text, subject_only.html) == (
        default.text.replace(default.subject, "Deniz Makina San. A.Ş.", 1),
        default.html.replace(default.subject, "Deniz Makina San. A.Ş."),
    )
    text_only = render_letter(
        content,
        TemplateOverride(text="{{ title }} / {{ balances[0].amount|money }}\n{{ portal_url }}"),
    )
    assert text_only.text == f"2025 yıl sonu mutabakatı / 1.234,56 TL\n{URL}"
    assert (text_only.subject, text_only.html) == (default.subject, default.html)


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ recipient.__class__ }}",
        "{{ sender['__dict__'] }}",
        "{{ ''|attr('__class__') }}",
        "{% if false %}{{ cycler.__init__.__globals__ }}{% endif %}",  # even where never run
    ],
)
def test_private_names_are_refused_when_compiled(source) -> None:
    with pytest.raises(LetterTemplateError) as caught:
        render_letter(balance_letter(), TemplateOverride(html=source))
    assert caught.value.part == "html" and caught.value.line == 1
    assert "is not allowed" in caught.value.message


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{% set n = '__cla' ~ 'ss__' %}\n{{ ''|attr(n) }}", "unsafe"),
        ("{{ 'x' * 10**7 }}", "at most 100000"),
        ("{{ 2 ** 1000 }}", "exponent"),
        ("{{ range(10**6)|list|length }}", "Range too big"),
        ("{{ balances.append(1) }}", "has no attribute 'append'"),
    ],
)
def test_the_sandbox_refuses_at_run_time(source, words) -> None:
    with pytest.raises(LetterTemplateError) as caught:
        render_letter(balance_letter(), TemplateOverride(text=source))
    assert caught.value.part == "text" and words in caught.value.message


def test_errors_name_the_part_and_line() -> None:
    with pytest.raises(LetterTemplateError) as caught:
        render_letter(balance_letter(), TemplateOverride(subject="ok\n\n{{ sender.nmae }}"))
    assert (caught.value.part, caught.value.line) == ("subject", 3)
    assert "has no attribute 'nmae'" in caught.value.message
    with pytest.raises(LetterTemplateError) as caught:
        render_letter(balance_letter(), TemplateOverride(text="a\n{% for x in balances %}"))
    assert (caught.value.part, caught.value.line) == ("text", 2)
    assert "endfor" in caught.value.message
    with pytest.raises(LetterTemplateError) as caught:
        render_letter(balance_letter(), TemplateOverride(html="a\nb\n{{ 1.5|money }}"))
    assert (caught.value.part, caught.value.line) == ("html", 3)
    assert caught.value.message.startswith("TypeError: an amount must be a Decimal")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"balances": ()}, "at least one balance"),
        ({"as_of": None}, "needs as_of"),
        ({"ba": FormTotal(1, Decimal(1))}, "no period, ba or bs"),
        ({"portal_url": "javascript:alert(1)"}, "http(s)"),
    ],
)
def test_a_balance_letter_must_hold_together(changes, words) -> None:
    with pytest.raises(ValueError) as caught:
        balance_letter(**changes)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("currency", "amount", "side", "words"),
    [
        ("TRY", Decimal(-1), "credit", "never negative"),
        ("TRY", Decimal(0), "debit", "'zero' exactly"),
        ("TRY", Decimal(1), "zero", "'zero' exactly"),
        ("tl", Decimal(1), "debit", "ISO code"),
    ],
)
def test_a_balance_line_must_hold_together(currency, amount, side, words) -> None:
    with pytest.raises(ValueError) as caught:
        BalanceLine(currency, amount, side)
    assert words in str(caught.value)


def test_a_babs_letter_must_hold_together() -> None:
    with pytest.raises(ValueError, match="ba, bs or both"):
        babs_letter(bs=None)
    with pytest.raises(ValueError, match="first day of its month"):
        babs_letter(period=date(2025, 1, 31))


def test_the_letter_travels_as_json() -> None:
    letter = balance_letter(note="Not")
    wire = letter_to_json(letter)
    assert b'"amount":"1234.56"' in wire and b'"as_of":"2025-12-31"' in wire
    assert letter_from_json(wire) == letter
    again = letter_from_json(wire.replace(b'"1234.56"', b"1234.56"))  # a JSON number also does
    assert again.balances[0].amount == Decimal("1234.56")
