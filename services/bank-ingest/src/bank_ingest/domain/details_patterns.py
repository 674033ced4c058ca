"""The label and stop patterns of :mod:`.details`, over :func:`.details.tr_fold` text.

Folded text is upper-case ASCII for every Turkish letter, so ``VERGİ NO``, ``Vergi No`` and
``VERGI NO`` all read ``VERGI NO`` here.

Patterns that scan a whole text start with a literal or a character class, never with a
look-behind: the regex engine then skips ahead to candidate positions in C instead of trying
every branch at every character. Word boundaries before a label are checked by the caller
(:func:`at_word_start`).
"""

from __future__ import annotations

import re


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)  # folded text is ASCII wherever a pattern looks


_START = r"(?<![A-Z0-9])"
_END = r"(?![A-Z0-9])"


def at_word_start(folded: str, start: int) -> bool:
    """Whether a match at ``start`` begins a word (the character before is no letter or digit)."""
    return start == 0 or not (folded[start - 1].isalnum() and folded[start - 1].isascii())


DIGITS_RE = _compile(r"\d+")
"""Runs of digits: 10/11 of them may be a tax number, two after two letters start an IBAN."""

TAX_LABEL_BEFORE_RE = _compile(
    _START
    + r"(?:VKN|TCKN|TCKIMLIK|T\s?\.?\s?C\.?(?:\s*KIMLIK)?|KIMLIK|V\.?\s?N\.?|VERGI(?:\s*KIMLIK)?)"
    r"(?:\s*(?:NO|NUMARASI|NUMARA|NR)\.?)?"
    r"(?:\s*/\s*(?:VKN|TCKN|TC))?"
    r"\s*[:=#.\-]?\s*$"
)
"""A VKN/TCKN label right before a number: ``VKN:``, ``V.N.``, ``VERGİ NO``, ``T.C. KİMLİK NO``."""

NON_TAX_CONTEXT_RE = _compile(
    _START + r"(?:TEL|TELEFON|GSM|CEP|FAX|FAKS|REF|REFERANS|FATURA|FAT|FT|SIPARIS|DEKONT|HESAP|"
    r"MUSTERI|ABONE|ABONELIK|SOZLESME|POLICE|KART|NO|NR|SIRA|ISLEM)[^A-Z0-9]*$"
)
"""Words that, right before a 10/11-digit number, make it a phone, account or document number."""

REFERENCE_RE = _compile(
    r"(?:FATURA(?:\s*(?:NO|NUMARASI|NR))?|FAT\.(?:\s*NO)?|FAT\s*NO|FTR?\s*NO|"
    r"REFERANS(?:\s*(?:NO|NUMARASI))?|REF(?:\s*NO)?)(?![A-Z])"
    r"\s*[.:=#\-]?\s*(?P<ref>(?=[A-Z0-9\-/._]*\d)[A-Z0-9][A-Z0-9\-/._]*)"
)
"""An invoice number or reference: a token holding a digit after ``FATURA``, ``FT NO``, ``REF`` …"""

ACIKLAMA_RE = _compile(r"ACIKLAMA(?:SI)?" + _END + r"\s*[:=\-]?\s*")

NAME_LABEL_HINTS: tuple[str, ...] = ("GONDER", "ALICI", "KARSI", "LEHDAR", "AMIR", "BORCLU")
NAME_LABEL_HINTS += ("ALACAKLI", "ADI", "SOYAD", "UNVAN", "ISIM", "ISMI")
"""Substrings one of which any name label contains; the label pattern runs only if one is there."""

_PARTY = r"(?:GONDEREN|GONDERICI|ALICI|KARSI\s*TARAF|LEHDAR|AMIR|BORCLU|ALACAKLI)"
_NAME_WORD = r"(?:ADI\s*SOYADI|AD\s*SOYAD(?:\s*/\s*UNVANI?)?|ADI|UNVANI|UNVAN|ISIM|ISMI)"
NAME_LABEL_RE = _compile(rf"(?:{_PARTY}(?:\s*{_NAME_WORD})?|{_NAME_WORD}){_END}\s*[:=\-]?\s*")
"""``GÖNDEREN:``, ``ALICI ADI``, ``KARŞI TARAF``, ``ÜNVAN``, ``AD SOYAD/UNVAN`` …"""

_KIND = r"(?:EFT|HAVALE|FAST)"
TRANSFER_RE = _compile(
    rf"(?:(?:GELEN|GIDEN)\s+{_KIND}|{_KIND}\s+(?:GELEN|GIDEN)){_END}\s*[:=\-/]?\s*"
    rf"|(?P<bare>{_KIND})\s*[:\-/]\s*"
)
"""``GELEN EFT``, ``GİDEN HAVALE``, ``FAST GELEN``; a bare ``EFT``/``HAVALE``/``FAST`` only with a
separator after it (``FAST - AHMET YILMAZ``: ``FAST FOOD`` is English) and only at the start of
the text, after a separator or after one of :data:`BARE_TRANSFER_AFTER`."""

BARE_TRANSFER_AFTER = ("INTERNET", "INTERNETTEN", "MOBIL", "MOBILDEN", "SUBE", "SUBEDEN")

NAME_HARD_STOP_RE = _compile(r"[;|/,:*()#=\[\]\"<>]")
"""Characters a name never holds. A name also ends at a dash with a space beside it, at five or
more digits and at a date or amount (``12.03``, ``5,00``); see :func:`.details._name_end`."""

_NAME_STOP_WORDS = (
    "IBAN VKN TCKN TC T.C T.C. VN V.N V.N. VERGI KIMLIK ACIKLAMA FATURA FAT. REF REFERANS HESAP "
    "HESABINA HESABINDAN BANKA SUBE TUTAR TARIH ALICI GONDEREN GONDERICI KARSI UNVAN UNVANI EFT "
    "HAVALE FAST TARAFINDAN ADINA ICIN NOLU MASRAF UCRET UCRETI BSMV KOMISYON ODEME ODEMESI "
    "SORGU TL TRY USD EUR BIC SWIFT TEL GSM"
)
NAME_STOP_WORDS = frozenset(_NAME_STOP_WORDS.split() + [w + "." for w in _NAME_STOP_WORDS.split()])
"""Label and keyword words a name never runs into: it ends before them."""

TWO_LETTERS_RE = _compile(r"[^\W\d_]{2}")

SEPARATOR_STOP_RE = _compile(r" - |[;|*#]|(?:IBAN|VKN|TCKN|GONDEREN|ALICI|KARSI TARAF)\b")
"""Where an ``AÇIKLAMA`` text ends."""

_STOP_WORDS = (
    "ODEME ODEMESI UCRET UCRETI MASRAF MASRAFI KOMISYON KOMISYONU BSMV IADE IADESI GELEN GIDEN "
    "EFT FAST HAVALE ISLEM ISLEMI TUTAR TUTARI HESAP HESABA HESABI HESAPTAN HESABINA VIRMAN "
    "KREDI KARTI KART POS ATM NAKIT FATURA BANKA SUBE NO TL TRY USD EUR REF ACIKLAMA SORGU "
    "MUHTELIF DIGER IBAN VKN TCKN BILGI YOK TARAFINDAN ICIN AIT ADINA GONDERILEN ALINAN BEDELI "
    "BEDEL SISTEM DBS OTOMATIK TAHSILAT TAHSILATI MAAS AKTARIM AKTARIMI BORC ALACAK"
)
STOP_WORDS = frozenset(_STOP_WORDS.split())
"""Words that are never a counterparty name on their own, nor its first word."""
