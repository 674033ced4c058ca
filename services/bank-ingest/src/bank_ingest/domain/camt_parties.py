"""Who is on the other side of a CAMT entry, from its transactions' related parties."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from stdnum.tr import tckimlik, vkn

from .camt_values import agreed, all_at, at, text

_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}")
# Identifier schemes a Turkish tax number can be filed under; a 10-digit number under another
# scheme (a Belgian KBO number, a customer number) is not a VKN even if its check digit fits.
_TAX_SCHEMES = frozenset({"", "TXID", "NIDN"})


@dataclass(frozen=True, slots=True)
class Counterparty:
    iban: str = ""
    name: str = ""
    tax_id: str = ""


def counterparty(
    details: Iterable[ET.Element], *, credit: bool, own_account: str = ""
) -> Counterparty:
    """The debtor of money coming in, the creditor of money going out.

    A party whose account is ``own_account`` is us, and the other side is taken instead (nobody,
    when both sides hold it). That also settles reversals, where banks differ: some describe the
    reversing booking (ABN AMRO puts the customer as creditor of a returned direct debit), some
    repeat the original transaction's parties, us included. Over a batch each field is kept only
    when every transaction agrees on it.
    """
    own = _normalise(own_account)
    found = [_for_transaction(tx, credit, own) for tx in details]
    if not found:
        return Counterparty()
    return Counterparty(
        iban=agreed(party.iban for party in found),
        name=agreed(party.name for party in found),
        tax_id=agreed(party.tax_id for party in found),
    )


def _for_transaction(tx: ET.Element, credit: bool, own: str) -> Counterparty:
    indicator = text(tx, "CdtDbtInd")
    if indicator in ("CRDT", "DBIT"):
        credit = indicator == "CRDT"
    first, second = ("Dbtr", "Cdtr") if credit else ("Cdtr", "Dbtr")
    party = _party(tx, first)
    if own and party.iban == own:
        other = _party(tx, second)
        party = other if other.iban != own else Counterparty()
    return party


def _party(tx: ET.Element, role: str) -> Counterparty:
    parties = tx.find("RltdPties")
    if parties is None:
        return Counterparty()
    holder = _first(parties, f"{role}/Pty", f"{role}/Agt/FinInstnId", role)
    ultimate = _first(parties, f"Ultmt{role}/Pty", f"Ultmt{role}")
    iban = _normalise(text(parties, f"{role}Acct/Id/IBAN"))
    return Counterparty(
        iban=iban if _IBAN.fullmatch(iban) else "",
        name=text(holder, "Nm") or text(ultimate, "Nm"),
        tax_id=_tax_id(holder),
    )


def _first(parent: ET.Element, *paths: str) -> ET.Element | None:
    for path in paths:
        node = at(parent, path)
        if node is not None:
            return node
    return None


def _tax_id(party: ET.Element | None) -> str:
    """A valid VKN (10 digits) or TCKN (11 digits) among the party's other identifiers."""
    if party is None:
        return ""
    for other in (*all_at(party, "Id/OrgId/Othr"), *all_at(party, "Id/PrvtId/Othr")):
        if text(other, "SchmeNm/Cd").upper() not in _TAX_SCHEMES:
            continue
        number = text(other, "Id")
        if (len(number) == 10 and vkn.is_valid(number)) or (
            len(number) == 11 and tckimlik.is_valid(number)
        ):
            return number
    return ""


def _normalise(account: str) -> str:
    return "".join(account.split()).upper()
