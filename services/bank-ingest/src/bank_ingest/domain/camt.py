"""CAMT.053 statements, CAMT.052 reports and CAMT.054 notifications, any version, streamed.

Every ``Stmt`` (``Rpt``, ``Ntfctn``) becomes one statement: a :class:`StatementHeader` as soon as
its first entry arrives (balances precede entries in every schema version), one
:class:`ParsedMovement` per booked ``Ntry`` (see :mod:`.camt_entry` for signs, statuses, dates and
batches), and a :class:`StatementFooter` when it closes. Balance types: opening ``OPBD`` (else
``PRCD``, the previous closing), closing ``CLBD``, available ``CLAV``; a balance without
``CdtDbtInd`` is a credit. Dates are taken as written, without time-zone conversion.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from .camt_entry import EntryContext, read_entry
from .camt_values import Place, amount, at, date_in, is_credit, parse_date, text
from .camt_xml import STATEMENT_TAGS, iter_events
from .statement import (
    Balance,
    Format,
    ParseError,
    StatementFooter,
    StatementHeader,
    StatementPart,
)

NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(0[1-9]|1[0-3])")
OPENING_TYPES = ("OPBD", "PRCD")
_INFORMATION = ("AddtlStmtInf", "AddtlRptInf", "AddtlNtfctnInf")
_PAGINATION = ("StmtPgntn", "RptPgntn", "NtfctnPgntn")
_SEQUENCES = ("ElctrncSeqNb", "LglSeqNb")


def parse_camt(stream: BinaryIO) -> Iterator[StatementPart]:
    """The statements of a CAMT.052/053/054 document (versions 001.01-001.13), streamed.

    Raises :class:`ParseError` for malformed XML (with its line), a DTD or entity, a root that is
    not a CAMT ``Document``, a document without statements, or a value that cannot be read
    (naming the element path, e.g. ``Stmt[1]/Ntry[4]/Amt``, and the line of its entry).
    """
    document = _Document()
    for kind, node, line, source in iter_events(stream, document.check_root):
        current = document.current
        if kind == "child" and current is not None:
            yield from current.add(node, line, source)
        elif kind == "open" and node.tag in STATEMENT_TAGS:
            document.open_statement(node.tag, line)
        elif kind == "close" and node.tag == "GrpHdr":
            document.read_group_header(node, line)
        elif kind == "close" and current is not None:
            yield from current.finish()
            document.current = None
    if document.count == 0:
        raise ParseError(
            f"the {document.format} document holds no statement: it has no "
            f"{'/'.join(sorted(STATEMENT_TAGS))} element (only a group header, or nothing)"
        )


@dataclass
class _Document:
    format: Format = "camt.053"
    page: str = ""
    created: date | None = None
    count: int = 0
    current: _Statement | None = None

    def check_root(self, namespace: str, local: str, line: int) -> None:
        match = NAMESPACE.fullmatch(namespace)
        if local != "Document" or match is None:
            found = f"<{local}> in namespace {namespace!r}" if namespace else f"<{local}>"
            raise ParseError(
                "not a CAMT.052/053/054 document: expected <Document> in namespace "
                f"urn:iso:std:iso:20022:tech:xsd:camt.05x.001.NN, found {found}",
                line=line,
            )
        self.format = f"camt.{match.group(1)}"  # type: ignore[assignment]

    def read_group_header(self, header: ET.Element, line: int) -> None:
        self.page = text(header, "MsgPgntn/PgNb")
        created = header.find("CreDtTm")
        if created is not None:
            self.created = parse_date(created, Place("GrpHdr/CreDtTm", line))

    def open_statement(self, tag: str, line: int) -> None:
        self.count += 1
        self.current = _Statement(self, Place(f"{tag}[{self.count}]", line))


@dataclass
class _Statement:
    document: _Document
    place: Place
    fields: dict[str, str] = field(default_factory=dict)
    account: str = ""
    account_currency: str = ""
    period_end: date | None = None
    created: date | None = None
    balances: dict[str, Balance] = field(default_factory=dict)
    information: list[str] = field(default_factory=list)
    entries: int = 0
    header_sent: bool = False

    def add(self, child: ET.Element, line: int, source: str) -> Iterator[StatementPart]:
        """Take in one child of the statement; yields the header and movements as they come."""
        tag = child.tag
        if tag == "Ntry":
            yield from self._entry(child, line, source)
        elif tag == "Bal":
            self._balance(child, line)
        elif tag == "Acct":
            self.account = _account_id(child)
            self.account_currency = text(child, "Ccy")
        elif tag == "CreDtTm":
            self.created = parse_date(child, Place(f"{self.place.path}/CreDtTm", line))
        elif tag == "FrToDt":
            end = child.find("ToDtTm")
            where = Place(f"{self.place.path}/FrToDt/ToDtTm", line)
            self.period_end = None if end is None else parse_date(end, where)
        elif tag in _PAGINATION:
            self.fields["page"] = text(child, "PgNb")
        elif tag in _INFORMATION:
            self.information.append(text(child))
        else:
            self.fields[tag] = text(child)

    def finish(self) -> Iterator[StatementPart]:
        if not self.header_sent:
            yield self._header(None)
        yield StatementFooter(
            closing=self.balances.get("CLBD"),
            available=self.balances.get("CLAV"),
            information="\n".join(info for info in self.information if info),
        )

    def _entry(self, entry: ET.Element, line: int, source: str) -> Iterator[StatementPart]:
        self.entries += 1
        if not self.header_sent:
            yield self._header(entry)
        context = EntryContext(
            place=Place(f"{self.place.path}/Ntry[{self.entries}]", line),
            account=self.account,
            currency=self.account_currency,
            fallback_date=self._statement_date(),
        )
        movement = read_entry(entry, source, context)
        if movement is not None:
            yield movement

    def _balance(self, node: ET.Element, line: int) -> None:
        place = Place(f"{self.place.path}/Bal", line)
        kind = text(node, "Tp/CdOrPrtry/Cd") or text(node, "Tp/CdOrPrtry/Prtry")
        value, currency = amount(node, place, default_currency=self.account_currency)
        dated = node.find("Dt")
        if dated is None:
            raise place.child("Dt").error("the balance has no date")
        balance = Balance(
            amount=value if is_credit(node, place) else -value,
            date=date_in(dated, place.child("Dt")),
            currency=currency,
        )
        if self.header_sent and kind in OPENING_TYPES:
            raise place.error(f"the opening balance ({kind}) comes after the entries")
        self.balances.setdefault(kind, balance)

    def _header(self, first_entry: ET.Element | None) -> StatementHeader:
        self.header_sent = True
        if not self.account:
            raise self.place.child("Acct").error("the statement names no account (Acct/Id)")
        opening = self.balances.get("OPBD") or self.balances.get("PRCD")
        return StatementHeader(
            format=self.document.format,
            account=self.account,
            currency=self._currency(opening, first_entry),
            reference=self.fields.get("Id", ""),
            statement_number=next((self.fields[s] for s in _SEQUENCES if self.fields.get(s)), ""),
            page=self.fields.get("page") or self.document.page,
            opening=opening,
            line=self.place.line or 0,
        )

    def _currency(self, opening: Balance | None, first_entry: ET.Element | None) -> str:
        """``Acct/Ccy``, else the balances' currency, else the first entry's."""
        if self.account_currency:
            return self.account_currency
        for balance in (opening, *self.balances.values()):
            if balance is not None:
                return balance.currency
        entry_currency = at(first_entry, "Amt")
        if entry_currency is not None and entry_currency.get("Ccy", "").strip():
            return entry_currency.get("Ccy", "").strip()
        raise self.place.child("Acct/Ccy").error(
            "the statement names no currency (Acct/Ccy, a balance or an entry amount)"
        )

    def _statement_date(self) -> date | None:
        """The date to book an undated entry on: the closing balance's, the end of the period,
        the statement's creation, the message's creation."""
        closing = self.balances.get("CLBD")
        for candidate in (closing.date if closing else None, self.period_end, self.created):
            if candidate is not None:
                return candidate
        return self.document.created


def _account_id(account: ET.Element) -> str:
    """``Acct/Id``: the IBAN, else the bank's own number (``Othr``; ``PrtryAcct``/``BBAN`` in
    version 01)."""
    for path in ("Id/IBAN", "Id/Othr/Id", "Id/PrtryAcct/Id", "Id/BBAN"):
        found = text(account, path)
        if found:
            return found
    return ""
