"""Built-in sample letters: what a preview shows without a letter of its own, and what every
tenant template is tried against before it is saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from shared.letter_formats import Language

from .model import BalanceLine, Counterparty, Firm, FormTotal, LetterContent

_SENDER = Firm(name="Örnek Ticaret A.Ş.", tax_office="Kadıköy", tax_id="1234567890")
_RECIPIENT = Counterparty(code="120.01.005", title="Yıldız Gıda Ltd. Şti.", tax_id="9876543210")
SAMPLE_PORTAL_URL = "https://portal.mutabik.example/r/ornek-mutabakat"
_NOTE = {
    "tr": "Sorularınız için muhasebe@ornek.com.tr adresine yazabilirsiniz.",
    "en": "For any questions, please write to muhasebe@ornek.com.tr.",
}
_SUBJECT = {
    "balance": {"tr": "2025 yıl sonu cari hesap mutabakatı", "en": "2025 year-end confirmation"},
    "babs": {"tr": "Ocak 2025 BA/BS mutabakatı", "en": "January 2025 BA/BS reconciliation"},
}


def preview_samples(language: Language) -> tuple[LetterContent, LetterContent]:
    """A balance letter in two currencies and a BA/BS letter with both forms."""
    balance = LetterContent(
        language=language,
        subject=_SUBJECT["balance"][language],
        sender=_SENDER,
        recipient=_RECIPIENT,
        kind="balance",
        valid_until=date(2026, 1, 31),
        portal_url=SAMPLE_PORTAL_URL,
        as_of=date(2025, 12, 31),
        balances=(
            BalanceLine("TRY", Decimal("125430.75"), "debit"),
            BalanceLine("USD", Decimal("2500.00"), "credit", amount_try=Decimal("107512.50")),
        ),
        note=_NOTE[language],
    )
    babs = LetterContent(
        language=language,
        subject=_SUBJECT["babs"][language],
        sender=_SENDER,
        recipient=_RECIPIENT,
        kind="babs",
        valid_until=date(2025, 2, 20),
        portal_url=SAMPLE_PORTAL_URL,
        period=date(2025, 1, 1),
        ba=FormTotal(3, Decimal("48250.00")),
        bs=FormTotal(7, Decimal("163900.40")),
    )
    return balance, babs


def check_samples(language: Language) -> tuple[LetterContent, ...]:
    """The preview samples and their variants: no subject and no note, a zero balance, a month
    with only Form Ba or only Form Bs, a recipient without a tax number."""
    balance, babs = preview_samples(language)
    untaxed = replace(_RECIPIENT, tax_id="")
    zero = (BalanceLine("TRY", Decimal(0), "zero"),)
    return (
        balance,
        babs,
        replace(balance, subject="", note="", recipient=untaxed, balances=zero),
        replace(babs, subject="", note="", recipient=untaxed, ba=None),
        replace(babs, bs=None),
    )
