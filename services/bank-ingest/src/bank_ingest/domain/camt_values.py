"""Reading CAMT values (amounts, indicators, dates, codes) with errors that say where.

A :class:`Place` is the element path being read, e.g. ``Stmt[2]/Ntry[5]/Amt``, and the line its
statement child (the ``Ntry`` or ``Bal``) starts on.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .statement import ParseError

_AMOUNT = re.compile(r"\d+(?:\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STEPS: dict[str, tuple[str, ...]] = {}


@dataclass(frozen=True, slots=True)
class Place:
    path: str
    line: int | None = None

    def child(self, name: str) -> Place:
        return Place(f"{self.path}/{name}", self.line)

    def error(self, reason: str) -> ParseError:
        return ParseError(reason, line=self.line, field=self.path)


def at(node: ET.Element | None, path: str) -> ET.Element | None:
    """The first element at ``path`` (``A/B/C``) below ``node``.

    Step by step with C-level ``find``: ElementPath's general evaluator would be most of the cost
    of reading an entry.
    """
    steps = _STEPS.get(path) or _STEPS.setdefault(path, tuple(path.split("/")))
    for step in steps:
        if node is None:
            return None
        node = node.find(step)
    return node


def all_at(node: ET.Element, path: str) -> list[ET.Element]:
    """Every element named by the last step of ``path``, below the first match of the others."""
    parent, _, last = path.rpartition("/")
    found = at(node, parent) if parent else node
    return [] if found is None else found.findall(last)


def text(node: ET.Element | None, path: str = "") -> str:
    """The stripped text at ``path`` below ``node`` (of ``node`` itself without one), or ``""``."""
    found = at(node, path) if path else node
    return "" if found is None else (found.text or "").strip()


def texts(node: ET.Element, path: str) -> list[str]:
    """Every non-empty stripped text at ``path`` below ``node``, in document order."""
    found = ((child.text or "").strip() for child in all_at(node, path))
    return [value for value in found if value]


def agreed(values: Iterable[str]) -> str:
    """The one value every transaction of a batch gives, else ``""``."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else ""


def amount(owner: ET.Element, place: Place, *, default_currency: str = "") -> tuple[Decimal, str]:
    """The unsigned ``Amt`` of a balance or entry and its ``Ccy`` (``default_currency`` if absent)."""
    node = owner.find("Amt")
    where = place.child("Amt")
    if node is None:
        raise where.error("the amount (Amt) is missing")
    raw = (node.text or "").strip()
    if not _AMOUNT.fullmatch(raw):
        raise where.error(f"amount {raw!r} is not a number like 1234.56")
    currency = node.get("Ccy", "").strip() or default_currency
    if not _CURRENCY.fullmatch(currency):
        raise where.error(
            f"currency {currency!r} is not an ISO 4217 code" if currency else "no Ccy"
        )
    return Decimal(raw), currency


def is_credit(owner: ET.Element, place: Place) -> bool:
    """``CdtDbtInd``: CRDT or DBIT. Missing means credit: the Lithuanian camt.053.001.08 exports
    leave it out of positive balances, while a debit is always marked."""
    indicator = text(owner, "CdtDbtInd")
    if indicator not in ("", "CRDT", "DBIT"):
        raise place.child("CdtDbtInd").error(f"{indicator!r} is neither CRDT nor DBIT")
    return indicator != "DBIT"


def is_true(owner: ET.Element, path: str, place: Place) -> bool:
    value = text(owner, path).lower()
    if value not in ("", "true", "false", "1", "0"):
        raise place.child(path).error(f"{value!r} is not true or false")
    return value in ("true", "1")


def date_in(container: ET.Element, place: Place) -> date:
    """The date of a ``<X><Dt>`` or ``<X><DtTm>`` choice, as the bank wrote it (a date-time's
    local date: no time-zone conversion, the bank's business day is what it says)."""
    for tag in ("Dt", "DtTm"):
        node = container.find(tag)
        if node is not None:
            return parse_date(node, place.child(tag))
    raise place.error("neither Dt nor DtTm is given")


def parse_date(node: ET.Element, place: Place) -> date:
    raw = (node.text or "").strip()
    if _DATE.fullmatch(raw[:10]) and raw[10:11] in ("", "T", "Z", "+", "-"):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    raise place.error(f"{raw!r} is not a date like 2024-03-07 (or 2024-03-07T10:15:00)")


def optional_date(owner: ET.Element, path: str, place: Place) -> date | None:
    container = at(owner, path)
    return None if container is None else date_in(container, place.child(path))


def transaction_code(owner: ET.Element) -> str:
    """``BkTxCd``: ISO ``Domn/Fmly/SubFmly`` joined with ``/``, else the proprietary code."""
    domain = text(owner, "BkTxCd/Domn/Cd")
    family = text(owner, "BkTxCd/Domn/Fmly/Cd")
    sub_family = text(owner, "BkTxCd/Domn/Fmly/SubFmlyCd")
    if domain:
        return "/".join(part for part in (domain, family, sub_family) if part)
    return text(owner, "BkTxCd/Prtry/Cd")
