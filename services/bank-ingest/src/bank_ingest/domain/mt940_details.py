"""The ``:86:`` information to account owner: description text and structured sub-fields.

Free text is joined across the 65-column breaks: a full-width line (65 characters or more) was
cut by the bank wherever the 65th character fell — inside an IBAN, a tax number or a word — so
the next line continues it without a space; a shorter line ended where the writer ended it.

Two structured layouts are read as well:

- German GVC (``166?00GUTSCHRIFT?20…?31DE…?32NAME``): purpose ``?20``-``?29`` and ``?60``-``?63``,
  name ``?32``+``?33``, IBAN ``?31``; ``EREF+`` in the purpose is the payment reference.
- Dutch keys (``/TRTP/…/IBAN/…/NAME/…/REMI/…/EREF/…``, ING's ``/CNTP/iban/bic/name/city``).

Sub-fields are joined without separators: banks cut them anywhere.
"""

from __future__ import annotations

import re

from .details import Details, find_iban

FULL_WIDTH = 65
_GVC_RE = re.compile(r"\s*\d{3}\?\d\d")
_GVC_SPLIT_RE = re.compile(r"\?(\d\d)")
_SEPA_EREF_RE = re.compile(r"EREF\+(.*?)(?=[A-Z]{4}\+|$)")
_DUTCH_KEYS = (
    "TRTP|IBAN|BIC|NAME|REMI|EREF|CNTP|MARF|CSID|ORDP|BENM|ADDR|ISDT|PURP|RTRN|ULTC|ULTD|ULTB|"
    "CDTRREFTP|CDTRREF|ISSR|PREF|SUM|TRCD|SVCL|BBAN|ACCW"
)
_DUTCH_SPLIT_RE = re.compile(rf"/({_DUTCH_KEYS})/")
_DUTCH_HINT_RE = re.compile(r"/(?:NAME|IBAN|REMI|EREF|CNTP|TRTP|ORDP|BENM)/")
_NOT_PROVIDED = "NOTPROVIDED"


def join_lines(lines: list[str]) -> str:
    """Free text of a multi-line field; see the module docstring for the 65-column rule."""
    text = ""
    previous = FULL_WIDTH  # no space before the first line
    for line in lines:
        line = line.rstrip()
        if text and previous < FULL_WIDTH:
            text += " "
        text += line
        previous = len(line)
    return text.strip()


def _clean(text: str) -> str:
    return " ".join(text.split())


def _gvc(joined: str, own_account: str) -> tuple[str, Details]:
    parts = _GVC_SPLIT_RE.split(joined.strip())
    purpose: list[str] = []
    extra: list[str] = []
    name: list[str] = []
    fields: dict[str, str] = {}
    for code, value in zip(parts[1::2], parts[2::2], strict=True):
        if code.startswith("2"):
            purpose.append(value)
        elif code in ("60", "61", "62", "63"):
            extra.append(value)
        elif code in ("32", "33"):
            name.append(value)
        else:
            fields.setdefault(code, value)
    description = "".join(purpose + extra).strip() or fields.get("00", "").strip()
    reference = _SEPA_EREF_RE.search(description)
    ref = reference[1].strip() if reference else ""
    return description, Details(
        counterparty_iban=find_iban(fields.get("31", ""), own_account=own_account),
        counterparty_name=_clean("".join(name)),
        payment_reference="" if ref.upper() == _NOT_PROVIDED else ref,
    )


def _dutch(joined: str, own_account: str) -> tuple[str, Details]:
    parts = _DUTCH_SPLIT_RE.split(joined)
    values: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        values.setdefault(key, value.strip("/ "))
    counter = values.get("CNTP", "").split("/")
    iban = values.get("IBAN", "") or counter[0]
    name = values.get("NAME", "") or (counter[2] if len(counter) > 2 else "")
    reference = values.get("EREF", "")
    remittance = values.get("REMI", "").removeprefix("USTD//").strip("/ ")
    return _clean(remittance) or _clean(joined), Details(
        counterparty_iban=find_iban(iban, own_account=own_account),
        counterparty_name=_clean(name),
        payment_reference="" if reference.upper() == _NOT_PROVIDED else _clean(reference),
    )


def read_information(lines: list[str], own_account: str) -> tuple[str, Details | None]:
    """(description, structured details or None when the text is free-form)."""
    first = lines[0] if lines else ""
    if _GVC_RE.match(first):
        return _gvc("".join(line.rstrip() for line in lines), own_account)
    if first.lstrip()[:1] == "/":
        joined = "".join(line.rstrip() for line in lines)
        if _DUTCH_HINT_RE.search(joined):
            return _dutch(joined, own_account)
    return join_lines(lines), None
