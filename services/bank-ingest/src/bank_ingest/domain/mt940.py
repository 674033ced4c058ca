"""SWIFT MT940 (statement) and MT942 (interim report) to statement parts.

``parse_mt940`` streams: it holds one statement's header fields and the movement being read,
never the file. Tokens come from :mod:`.mt940_tokens`, field values from :mod:`.mt940_fields`,
the ``:86:`` text from :mod:`.mt940_details` and the counterparty out of free text from
:mod:`.details`.

A statement starts at ``:20:`` and ends at the next ``:20:``, at a message trailer or header, or
at the end of the file. An MT940 statement needs an account (``:25:``), an opening (``:60F:`` or
``:60M:``) and a closing balance (``:62F:``/``:62M:``); an MT942 report (block 2 type 942, or
``:34F:``/``:13D:`` before the first movement, or only ``:90D:``/``:90C:`` sums) needs neither
balance. An ``:86:`` (or ``:NS:``) right after a movement's ``:61:`` describes that movement; any
other belongs to the statement (``footer.information``). Anything else is refused whole with a
:class:`ParseError` naming the line and tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from . import mt940_fields as fields
from .details import extract, find_iban
from .mt940_details import join_lines, read_information
from .mt940_tokens import IGNORED, MESSAGE_END, MESSAGE_START, Field, tokenize
from .statement import (
    Balance,
    ParsedMovement,
    ParseError,
    StatementFooter,
    StatementHeader,
    StatementPart,
)

__all__ = ["parse_mt940"]

_TRAILING_CURRENCY_RE = re.compile(r"\s*([A-Z]{3})$")
_BALANCES = frozenset({"60F", "60M", "62F", "62M", "64", "65"})
_INTERIM = frozenset({"34", "13", "90D", "90C"})
_NONE: tuple[StatementPart, ...] = ()


class _Pending:
    """The movement being read: its ``:61:`` and the ``:86:``/``:NS:`` lines after it."""

    __slots__ = ("field", "line", "information", "non_swift", "raw")

    def __init__(self, item: Field, line: fields.Line) -> None:
        self.field = item
        self.line = line
        self.information: list[str] = []
        self.non_swift: list[str] = []
        self.raw = [item.head + item.lines[0], *item.lines[1:]]

    def describe(self, item: Field) -> None:
        (self.information if item.tag == "86" else self.non_swift).extend(item.lines)
        self.raw.append(item.head + item.lines[0])
        self.raw.extend(item.lines[1:])

    def movement(self, header: StatementHeader, details: bool) -> ParsedMovement:
        line, own = self.line, header.account
        structured = None
        if self.information:
            description, structured = read_information(self.information, own)
        else:
            description = join_lines(self.non_swift) if self.non_swift else ""
        found = details and description
        iban, name, tax_id, reference = extract(description, own) if found else ("",) * 4
        if structured is not None:
            iban = structured.counterparty_iban or iban
            name = structured.counterparty_name or name
            reference = structured.payment_reference or reference
        return ParsedMovement(
            booking_date=line.booking_date,
            value_date=line.value_date,
            amount=line.amount,
            currency=header.currency,
            description=description,
            bank_reference=line.bank_reference,
            customer_reference=line.customer_reference,
            transaction_code=line.transaction_code,
            counterparty_iban=iban
            or (details and find_iban(line.references, own_account=own))
            or "",
            counterparty_name=name,
            counterparty_tax_id=tax_id,
            payment_reference=reference,
            raw="\n".join(self.raw),
            line=self.field.line,
        )


class _Statement:
    """One statement's fields, from its ``:20:`` to its end."""

    def __init__(self, start: Field, kind: str, details: bool) -> None:
        self.start = start
        self.details = details
        self.interim = kind == "942"
        self.account = self.currency = ""
        self.number = ("", "")
        self.opening: Balance | None = None
        self.header: StatementHeader | None = None
        self.footer = StatementFooter()
        self.information: list[str] = []
        self.pending: _Pending | None = None

    def _fail(self, reason: str, tag: str) -> ParseError:
        return ParseError(reason, line=self.start.line, field=tag)

    def make_header(self, *, closing: bool = False) -> StatementHeader:
        """The header, once the fields before the first movement are all in."""
        sums = self.footer.debit_sum is not None or self.footer.credit_sum is not None
        interim = self.interim or (closing and self.opening is None and sums)
        if not self.account:
            raise self._fail("statement has no account (:25:)", ":25:")
        if self.opening is None and not interim:
            raise self._fail("statement has no opening balance (:60F:)", ":60F:")
        account, currency = self.account, self.currency
        found = _TRAILING_CURRENCY_RE.search(account)
        if found and len(account) > 3 and found[1] == (currency or found[1]):
            account, currency = account[: found.start()].rstrip(), found[1]
        if not currency:
            raise self._fail("statement has no currency", ":60F:")
        self.header = StatementHeader(
            format="mt942" if interim else "mt940",
            account=account,
            currency=currency,
            reference=fields.single_value(self.start),
            statement_number=self.number[0],
            page=self.number[1],
            opening=self.opening,
            line=self.start.line,
        )
        return self.header

    def flush(self) -> list[StatementPart]:
        """The header if not yet sent, then the pending movement."""
        parts: list[StatementPart] = []
        header = self.header
        if header is None:
            header = self.make_header()
            parts.append(header)
        if self.pending is not None:
            parts.append(self.pending.movement(header, self.details))
            self.pending = None
        return parts

    def close(self) -> list[StatementPart]:
        parts: list[StatementPart] = [] if self.header else [self.make_header(closing=True)]
        parts += self.flush()
        assert self.header is not None
        if self.footer.closing is None and self.header.format == "mt940":
            raise self._fail("statement ends without a closing balance (:62F:)", ":62F:")
        self.footer.information = "\n".join(self.information)
        parts.append(self.footer)
        return parts

    def add(self, item: Field) -> Iterable[StatementPart]:
        """Take one field; return the parts it completes."""
        tag = item.tag
        if tag == "61":
            if self.footer.closing is not None:
                reason = "a movement after the closing balance"
                raise ParseError(reason, line=item.line, field=item.head)
            line = fields.statement_line(item)
            parts = self.flush() if self.pending or not self.header else _NONE
            self.pending = _Pending(item, line)
            return parts
        if tag == "86" or tag == "NS":
            if self.pending is not None:
                self.pending.describe(item)
            else:
                self.information.append(join_lines(item.lines))
            return _NONE
        if tag == IGNORED or tag == "21":
            return _NONE
        parts = self.flush() if self.pending is not None else _NONE
        if tag in _BALANCES:
            return [*parts, *self._balance(item)]
        if tag in _INTERIM:
            self._interim(item)
        elif tag == "25":
            self.account = fields.single_value(item)
        elif tag == "28":
            self.number = fields.statement_number(item)
        return parts

    def _balance(self, item: Field) -> list[StatementPart]:
        value = fields.balance(item, self.currency)
        if item.tag in ("60F", "60M"):
            if self.opening is not None or self.header is not None:
                raise ParseError("a second opening balance", line=item.line, field=item.head)
            self.opening, self.currency = value, value.currency
        elif item.tag in ("62F", "62M"):
            if self.footer.closing is not None:
                raise ParseError("a second closing balance", line=item.line, field=item.head)
            if self.currency and value.currency != self.currency:
                reason = f"closing balance in {value.currency}, opening in {self.currency}"
                raise ParseError(reason, line=item.line, field=item.head)
            self.footer.closing = value
            return self.flush()
        elif item.tag == "64":
            self.footer.available = value
        return []

    def _interim(self, item: Field) -> None:
        """MT942 fields: floor limit, date/time, sums of debit and credit entries."""
        if item.tag == "34":
            self.interim = True
            self.currency = self.currency or fields.floor_limit_currency(item)
        elif item.tag == "13":
            self.interim = True
            fields.check_date_time(item)
        else:
            count, total, currency = fields.entry_sum(item)
            self.currency = self.currency or currency
            if item.tag == "90D":
                self.footer.debit_sum, self.footer.debit_count = total, count
            else:
                self.footer.credit_sum, self.footer.credit_count = total, count


def parse_mt940(lines: Iterable[str], *, details: bool = True) -> Iterator[StatementPart]:
    """Statement parts of every statement in MT940/MT942 text (lines as from ``text_lines``).

    ``details=False`` skips the search of free text for the counterparty (:mod:`.details`), which
    takes about two thirds of the time; structured ``:86:`` sub-fields are read either way.

    Raises :class:`ParseError` for invalid input, and ``"no MT940 statement found"`` when there is
    no ``:20:`` statement at all. A known tag outside a statement is refused once the file turns
    out to hold statements; before that it may be a snippet of a file that holds none.
    """
    statement: _Statement | None = None
    kind = "940"
    found = False
    orphan: Field | None = None
    for item in tokenize(lines):
        tag = item.tag
        if statement is not None and tag != "20" and tag != MESSAGE_START and tag != MESSAGE_END:
            yield from statement.add(item)
            continue
        if statement is not None:
            yield from statement.close()
            statement = None
        if tag in (MESSAGE_START, MESSAGE_END):
            kind = item.lines[0] if tag == MESSAGE_START else "940"
        elif tag == "20":
            if orphan is not None:
                raise ParseError("field outside a statement", line=orphan.line, field=orphan.head)
            statement, found = _Statement(item, kind, details), True
        elif tag != IGNORED and orphan is None:
            orphan = item
            if found:
                raise ParseError("field outside a statement", line=item.line, field=item.head)
    if statement is not None:
        yield from statement.close()
    if not found:
        raise ParseError("no MT940 statement found")
