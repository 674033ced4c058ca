"""Turkish-aware text normalisation for comparing names and descriptions.

Everything is compared in one space: upper-case ASCII, so ``"Öztürk İnş."`` from one bank and
``"OZTURK INS"`` from another (ASCII-flattened) are the same words. Legal-form abbreviations are
expanded and then, with the other words every company name carries, left out of the name's core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TO_ASCII = str.maketrans(
    {
        "ı": "I", "i": "I", "İ": "I", "ş": "S", "Ş": "S", "ğ": "G", "Ğ": "G", "ü": "U",
        "Ü": "U", "ö": "O", "Ö": "O", "ç": "C", "Ç": "C", "â": "A", "Â": "A", "î": "I",
        "Î": "I", "û": "U", "Û": "U",
    }
)  # fmt: skip
_NOT_WORD = re.compile(r"[^0-9A-Z]+")

ABBREVIATIONS = {
    "INS": "INSAAT", "TAAH": "TAAHHUT", "SAN": "SANAYI", "SN": "SANAYI", "TIC": "TICARET",
    "PAZ": "PAZARLAMA", "PZR": "PAZARLAMA", "NAK": "NAKLIYAT", "NAKL": "NAKLIYAT",
    "TEKS": "TEKSTIL", "TEKST": "TEKSTIL", "OTOM": "OTOMOTIV", "ELK": "ELEKTRIK",
    "ELEK": "ELEKTRIK", "ELEKT": "ELEKTRIK", "ELEKTR": "ELEKTRIK", "MUH": "MUHENDISLIK",
    "MAKINE": "MAKINA", "ITH": "ITHALAT", "IHR": "IHRACAT", "IHRC": "IHRACAT", "GID": "GIDA",
    "LOJ": "LOJISTIK", "KOLL": "KOLLEKTIF", "KOM": "KOMANDIT", "STI": "SIRKETI",
    "SIRK": "SIRKETI", "SIR": "SIRKETI", "SIRKET": "SIRKETI", "LTD": "LIMITED",
    "LIM": "LIMITED", "ORG": "ORGANIZASYON", "TRZ": "TURIZM", "PLS": "PLASTIK",
    "MOB": "MOBILYA", "AMB": "AMBALAJ", "HIZ": "HIZMETLERI", "HIZM": "HIZMETLERI",
    "HIZMET": "HIZMETLERI", "ENRJ": "ENERJI", "ENJ": "ENERJI", "TEKNOLOJILERI": "TEKNOLOJI",
    "ECZ": "ECZA", "ECZANESI": "ECZA", "URUN": "URUNLERI", "URUNL": "URUNLERI", "URN": "URUNLERI",
    "MALZ": "MALZEMELERI", "MLZ": "MALZEMELERI", "MALZEME": "MALZEMELERI", "TRM": "TARIM",
    "HAYV": "HAYVANCILIK", "EGT": "EGITIM", "ISLETMECILIK": "ISLETMECILIGI",
}  # fmt: skip
"""Abbreviations that are not simply the start of their word (those are found by prefix), and
the legal-form ones, so they can be recognised and left out."""

LEGAL_FORM = frozenset(
    {
        "LIMITED", "SIRKETI", "ANONIM", "AS", "KOLLEKTIF", "KOMANDIT", "SANAYI", "TICARET", "VE",
        "ITHALAT", "IHRACAT", "DIS", "PAZARLAMA", "LTD", "STI", "TIC", "SAN", "ORTAKLIGI", "VB",
        "KOOPERATIFI", "HOLDING", "GRUP", "IC", "ADI",
    }
)  # fmt: skip
"""Words that say what kind of company it is, not which one."""


def fold(text: str) -> str:
    """Upper-case ASCII with single spaces: ``"Öztürk  İnş."`` → ``"OZTURK INS."``."""
    return " ".join(text.translate(_TO_ASCII).upper().split())


def words(text: str) -> list[str]:
    """The folded words of ``text``, punctuation removed. ``A.Ş.`` becomes ``AS``."""
    folded = fold(text).replace("A.S.", "AS ").replace("A.S", "AS ")
    return [w for w in _NOT_WORD.split(folded) if w]


CUT_SHORT_LENGTH = 30
"""A bank name field this long or longer may have been cut."""
_LIMITED = frozenset({"LIMITED", "LTD"})
_ANONYMOUS = frozenset({"ANONIM", "AS"})
_ENDINGS = frozenset({"LIMITED", "LTD", "SIRKETI", "STI", "AS", "ANONIM", "SIRKET"})

NOISE = frozenset(
    {
        "GELEN", "GIDEN", "EFT", "HAVALE", "FAST", "TRANSFER", "ODEME", "ODEMESI", "FATURA", "NO",
        "NOLU", "MAL", "BEDELI", "CARI", "HESAP", "HESABI", "HESABA", "INTERNET", "ALICI",
        "GONDEREN", "AVANS", "AVANSI", "HAKEDIS", "TAHSILAT", "TAHSILATI", "KARSILIGI", "CEK",
        "SIPARIS", "ACIKLAMA", "REF", "REFERANS", "IADE", "PESIN", "KAPORA", "KIRA", "BORC",
        "ODEMELERI", "VERGI", "VKN", "TCKN", "TC", "KIMLIK", "IBAN", "SUBE", "MOBIL", "BANKA",
        "VIRMAN", "TL", "TRY", "USD", "EUR", "FTR", "FT", "NOLUFATURA", "ISTEGI", "NDEN",
    }
)  # fmt: skip
"""Words banks and payers put around a name: never part of one, so not held against a match."""


def legal_form(text: str) -> str:
    """``"LTD"``, ``"AS"`` or ``""`` — what kind of company the name says it is, if it says."""
    found = set(words(text))
    if found & _LIMITED:
        return "LTD"
    if found & _ANONYMOUS:
        return "AS"
    return ""


def ends_complete(text: str) -> bool:
    """A name ending in its legal form was not cut short by the bank's field width."""
    parts = words(text)
    return bool(parts) and parts[-1] in _ENDINGS


def name_words(text: str) -> list[str]:
    """The words that tell one company from another: abbreviations expanded, legal form dropped.
    ``"ÖZTÜRK İNŞ. TAAH. SAN. VE TİC. LTD. ŞTİ."`` → ``["OZTURK", "INSAAT", "TAAHHUT"]``."""
    expanded = (ABBREVIATIONS.get(w, w) for w in words(text))
    return [w for w in expanded if w not in LEGAL_FORM and len(w) > 1]


@dataclass(frozen=True, slots=True)
class NameToken:
    word: str
    abbreviated: bool
    """Written with a dot after it (``TUR.``): it may stand for any word it begins."""


@dataclass(frozen=True, slots=True)
class NameText:
    tokens: list[NameToken]
    complete: bool
    """False when the text may have been cut inside the name (bank field widths): then the last
    word may be a fragment and the party's name may go on. A name followed by anything (its
    legal form, the payment's purpose) was not cut."""
    form: str


_TOKEN = re.compile(r"([0-9A-Z]+)(\.?)")


def read_name(text: str) -> NameText:
    """The distinctive words of a name (or of a description holding one), abbreviations marked;
    legal form, bank words, numbers and single letters left out."""
    folded = fold(text).replace("A.S.", "AS ").replace("A.S", "AS ")
    tokens: list[NameToken] = []
    trailing = False
    for match in _TOKEN.finditer(folded):
        raw, dot = match.groups()
        word = ABBREVIATIONS.get(raw, raw)
        if len(word) == 1:  # an initial, or a fragment the field width left
            continue
        if word in LEGAL_FORM or word in NOISE or word.isdigit():
            trailing = bool(tokens)
            continue
        trailing = False
        tokens.append(NameToken(word, bool(dot) and word == raw))
    complete = trailing or len(text.strip()) < CUT_SHORT_LENGTH
    return NameText(tokens, complete, legal_form(text))


def text_key(text: str) -> str:
    """A description with its variable parts (numbers, dates, references) removed, so that next
    month's "SGK PRIM ODEMESI 2025/11 REF 88" has the key of this month's."""
    return " ".join(w for w in words(text) if not any(c.isdigit() for c in w))
