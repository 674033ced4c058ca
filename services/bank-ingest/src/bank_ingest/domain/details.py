"""Counterparty IBAN, name, tax number and payment reference out of a bank's free text.

Turkish banks put what matters for matching inside the description: ``GELEN EFT AHMET YILMAZ
TR12 0006 …  VKN:1234567890 FATURA NO ABC123``. The rules here are tuned for precision: a field
we are unsure of stays empty, because a wrong counterparty is worse than none.

Labels are matched on :func:`tr_fold` text (upper case, Turkish letters flattened to ASCII, same
length as the input), so ``GÖNDEREN``, ``Gönderen`` and ``GONDEREN`` are one label and every match
position maps back to the original text, which is what the results are cut from.

This runs once per movement of every statement, so each pattern only runs when a cheap substring
test says it can match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from schwifty import IBAN, registry
from schwifty.exceptions import SchwiftyException
from stdnum.tr import tckimlik, vkn

from . import details_patterns as p

_TURKISH_UPPER = tuple(zip("İŞĞÜÖÇÂÎÛ", "ISGUOCAIU", strict=True))
_FOLD = str.maketrans(dict(_TURKISH_UPPER) | {"ı": "I", "i": "I"})
_MAX_NAME_WORDS = 8
_MAX_REFERENCE = 60


@dataclass(frozen=True, slots=True)
class Details:
    counterparty_iban: str = ""
    counterparty_name: str = ""
    counterparty_tax_id: str = ""
    """VKN (10 digits) or TCKN (11 digits) with valid check digits."""
    payment_reference: str = ""


def tr_upper(text: str) -> str:
    """Upper case the Turkish way: ``i`` → ``İ``, ``ı`` → ``I`` (Python maps both to ``I``)."""
    return text.replace("i", "İ").replace("ı", "I").upper()


def tr_fold(text: str) -> str:
    """Upper case with Turkish letters flattened to ASCII (``Ş`` → ``S``, ``ı``/``İ`` → ``I``).

    The result has the input's length, so a match in it is a match at the same place in the input.
    """
    folded = text.upper()
    if len(folded) != len(text):  # "ß".upper() is "SS": fold letter by letter instead
        folded = "".join(c if len(c.upper()) > 1 else c.upper() for c in text.translate(_FOLD))
    if folded.isascii():
        return folded
    for turkish, ascii_letter in _TURKISH_UPPER:
        if turkish in folded:
            folded = folded.replace(turkish, ascii_letter)
    return folded


@lru_cache(maxsize=65536)
def _valid_iban(compact: str) -> bool:
    try:
        IBAN(compact)
    except SchwiftyException:
        return False
    return True


@lru_cache(maxsize=256)
def _iban_shape(country: str) -> re.Pattern[str] | None:
    """An IBAN of ``country`` with single spaces allowed between characters, or None."""
    try:
        length = registry.get_iban_spec(country).iban_length
    except SchwiftyException:
        return None
    return re.compile(rf"[A-Z]{{2}}[0-9]{{2}}(?: ?[A-Z0-9]){{{length - 4}}}")


def _scan(folded: str) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, bool]]]:
    """One pass over the digit runs of folded text: (valid IBANs as (compact, start, end),
    10/11-digit numbers outside them as (digits, start, glued to a word before))."""
    ibans: list[tuple[str, int, int]] = []
    numbers: list[tuple[str, int, bool]] = []
    end = 0
    # findall and find, not finditer: a match object per run costs more than the search here.
    for run in p.DIGITS_RE.findall(folded):
        start = folded.find(run, end)
        end = start + len(run)
        country = folded[start - 2 : start] if start >= 2 else ""
        shape = _iban_shape(country) if country.isalpha() and country.isascii() else None
        candidate = shape.match(folded, start - 2) if shape else None
        if candidate is not None:
            compact = candidate.group().replace(" ", "")
            if _valid_iban(compact):
                ibans.append((compact, start - 2, candidate.end()))
                end = candidate.end()
                continue
        if 10 <= len(run) <= 11:
            numbers.append((run, start, not p.at_word_start(folded, start)))
    return ibans, numbers


def iban_spans(folded: str) -> list[tuple[str, int, int]]:
    """Every valid IBAN in already folded text, as (compact IBAN, start, end)."""
    return _scan(folded)[0]


@lru_cache(maxsize=256)
def _own_forms(own_account: str) -> tuple[str, str]:
    """(compact account, account number of a local form such as ``0067-00763/93984487``)."""
    own = "".join(own_account.split()).upper()
    groups = re.findall(r"\d+", own)
    local = groups[-1] if len(groups) > 1 and len(groups[-1]) >= 6 else ""
    return own, local


def _is_own(iban: str, own_account: str) -> bool:
    if not own_account:
        return False
    own, local = _own_forms(own_account)
    return iban == own or bool(local and iban.endswith(local))


def find_iban(text: str, *, own_account: str = "") -> str:
    """The first valid IBAN in ``text`` that is not ``own_account``, compact, or ""."""
    for iban, _, _ in iban_spans(tr_fold(text)):
        if not _is_own(iban, own_account):
            return iban
    return ""


@lru_cache(maxsize=65536)
def _valid_tax_id(number: str) -> bool:
    return vkn.is_valid(number) if len(number) == 10 else tckimlik.is_valid(number)


def _tax_id(folded: str, numbers: list[tuple[str, int, bool]]) -> str:
    """A labelled valid VKN/TCKN, else the only 10/11-digit number when it is valid, stands on
    its own and is not in a phone, account or document context."""
    unlabelled = []
    for number, start, glued in numbers:
        before = folded[max(0, start - 30) : start]
        if p.TAX_LABEL_BEFORE_RE.search(before):
            if _valid_tax_id(number):
                return number
        elif glued or p.NON_TAX_CONTEXT_RE.search(before):
            unlabelled.append("")  # a competing number makes an unlabelled one ambiguous
        else:
            unlabelled.append(number)
    if len(unlabelled) == 1 and unlabelled[0] and _valid_tax_id(unlabelled[0]):
        return unlabelled[0]
    return ""


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" -_,;:/")


def _reference(folded: str, text: str) -> str:
    if "FAT" in folded or "FT" in folded or "REF" in folded:
        for match in p.REFERENCE_RE.finditer(folded):
            if p.at_word_start(folded, match.start()):
                return _clean(text[match.start("ref") : match.end("ref")])
    if "ACIKLAMA" in folded:
        for match in p.ACIKLAMA_RE.finditer(folded):
            if p.at_word_start(folded, match.start()):
                stop = p.SEPARATOR_STOP_RE.search(folded, match.end())
                reference = _clean(text[match.end() : stop.start() if stop else len(text)])
                return reference if len(reference) <= _MAX_REFERENCE else ""
    return ""


def _label_cut(folded: str, start: int, end: int) -> int:
    """Where the words from ``start`` run into a label (``VKN``, ``-IBAN``, ``FT NO`` …)."""
    words = folded[start:end].replace("-", " ").split()
    if p.NAME_STOP_WORDS.isdisjoint(words) and "FT" not in words and "FTR" not in words:
        return end
    words = folded[start:end].split(" ")
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        offset = start
        for part in word.split("-"):
            if part in p.NAME_STOP_WORDS or (part in ("FT", "FTR") and following[:2] == "NO"):
                return offset
            offset += len(part) + 1
        start += len(word) + 1
    return end


def _name_end(folded: str, start: int) -> int:
    """Where a name starting at ``start`` ends, short of a label (see :func:`_label_cut`)."""
    hard = p.NAME_HARD_STOP_RE.search(folded, start)
    end = hard.start() if hard else len(folded)
    for dash in (" -", "- "):
        at = folded.find(dash, start, end)
        end = at if at >= 0 else end
    for run in p.DIGITS_RE.finditer(folded, start, end):
        after = folded[run.end() : run.end() + 2]
        if len(run.group()) >= 5 or (after[:1] in (".", ",", "/") and after[1:].isdigit()):
            return run.start()
    return end


def _name_after(folded: str, text: str, start: int, ibans: list[tuple[str, int, int]]) -> str:
    """The name starting at ``start``, if it looks like one, up to the next stop."""
    end = _name_end(folded, start)
    for _, iban_start, _ in ibans:
        if start <= iban_start < end:
            end = iban_start
    end = _label_cut(folded, start, end)
    words = folded[start:end].split()
    if not words or len(words) > _MAX_NAME_WORDS or words[0].strip(".") in p.STOP_WORDS:
        return ""
    if p.STOP_WORDS.issuperset(words) or not p.TWO_LETTERS_RE.search(folded, start, end):
        return ""
    return _clean(text[start:end])


def _bare_transfer_allowed(folded: str, start: int) -> bool:
    head = folded[:start].rstrip()
    return not head or head[-1] in "-/;|*" or head.endswith(p.BARE_TRANSFER_AFTER)


def _names(folded: str) -> Iterator[int]:
    """Where a name may start: after a name label, then after a transfer keyword."""
    for hint in p.NAME_LABEL_HINTS:
        if hint in folded:
            for match in p.NAME_LABEL_RE.finditer(folded):
                if p.at_word_start(folded, match.start()):
                    yield match.end()
            break
    if "EFT" in folded or "HAVALE" in folded or "FAST" in folded:
        for match in p.TRANSFER_RE.finditer(folded):
            start = match.start()
            bare = match["bare"] is not None
            if _bare_transfer_allowed(folded, start) if bare else p.at_word_start(folded, start):
                yield match.end()


def _name(folded: str, text: str, ibans: list[tuple[str, int, int]]) -> str:
    for start in _names(folded):
        name = _name_after(folded, text, start, ibans)
        if name:
            return name
    return ""


@lru_cache(maxsize=4096)  # fees, salaries, standing orders repeat their text
def extract(text: str, own_account: str = "") -> tuple[str, str, str, str]:
    """:func:`extract_details` as a plain tuple (iban, name, tax id, reference), for hot loops."""
    folded = tr_fold(text)
    ibans, numbers = _scan(folded)
    iban = next((found for found, _, _ in ibans if not _is_own(found, own_account)), "")
    for _, start, end in ibans:  # IBAN letters and digits are no name, reference or tax number
        folded = folded[:start] + " " * (end - start) + folded[end:]
    tax_id = _tax_id(folded, numbers) if numbers else ""
    return iban, _name(folded, text, ibans), tax_id, _reference(folded, text)


def extract_details(text: str, *, own_account: str = "") -> Details:
    """Counterparty IBAN, name, VKN/TCKN and payment reference found in ``text``.

    ``own_account`` (the statement's account, an IBAN or a local number) is never reported as
    the counterparty's IBAN.
    """
    return Details(*extract(text, own_account)) if text else Details()
