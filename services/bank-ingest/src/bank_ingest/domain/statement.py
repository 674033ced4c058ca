"""What every parser produces: a stream of statement parts.

A parser yields, for each statement in a file, one :class:`StatementHeader`, then its
:class:`ParsedMovement` items, then one :class:`StatementFooter`. Streaming the parts keeps memory
flat however long a statement is; :func:`collect` gathers them into whole :class:`Statement` objects
where that is convenient (tests, small files).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Format = Literal["mt940", "mt942", "camt.052", "camt.053", "camt.054", "excel", "csv"]


class ParseError(Exception):
    """The file is not a statement we can read; it is refused whole.

    ``line`` is 1-based in the decoded text (MT940, CSV), the row for spreadsheets, or the line of
    the XML element for CAMT; ``field`` names the tag, element or column.
    """

    def __init__(self, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        self.reason = reason
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(field)
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)


@dataclass(slots=True, frozen=True)
class Balance:
    amount: Decimal
    """Signed: positive is a credit balance (money on the account), negative a debit balance."""
    date: date
    currency: str


@dataclass(slots=True)
class StatementHeader:
    format: Format
    account: str
    """The account as the bank wrote it: an IBAN, or a local number such as ``0067-00763/93984487``."""
    currency: str
    """ISO 4217; for MT940 the opening balance's currency."""
    reference: str = ""
    """MT940 ``:20:``, CAMT ``Stmt/Id``."""
    statement_number: str = ""
    """MT940 ``:28C:`` before the slash, CAMT ``ElctrncSeqNb`` (or ``LglSeqNb``)."""
    page: str = ""
    """MT940 ``:28C:`` after the slash (sequence), CAMT ``MsgPgntn/PgNb``."""
    opening: Balance | None = None
    """``:60F:``/``:60M:``, CAMT ``OPBD``/``PRCD``. None for MT942 and spreadsheets."""
    line: int = 0
    """Where the statement starts (1-based), for error messages."""


@dataclass(slots=True)
class ParsedMovement:
    booking_date: date
    value_date: date
    amount: Decimal
    """Signed: positive is incoming (credit), negative outgoing (debit). Reversals (RC/RD) flip."""
    currency: str
    description: str = ""
    """Human text: MT940 ``:86:`` with the 65-column breaks joined, CAMT remittance info."""
    bank_reference: str = ""
    """MT940 ``:61:`` after ``//``, CAMT ``AcctSvcrRef``."""
    customer_reference: str = ""
    """MT940 ``:61:`` before ``//`` (``NONREF`` kept as written), CAMT ``EndToEndId``/``NtryRef``."""
    transaction_code: str = ""
    """MT940 ``:61:`` type such as ``NTRF``; CAMT ``Domn/Fmly/SubFmly`` joined with ``/`` or ``Prtry/Cd``;
    a spreadsheet's type-code column."""
    counterparty_iban: str = ""
    counterparty_name: str = ""
    counterparty_tax_id: str = ""
    """VKN (10 digits) or TCKN (11 digits), check digits valid."""
    payment_reference: str = ""
    """A reference for matching found in the text, e.g. an invoice number after ``FATURA``."""
    raw: str = ""
    """The exact lines (MT940, CSV), element (CAMT) or row (Excel) the movement came from."""
    line: int = 0


@dataclass(slots=True)
class StatementFooter:
    closing: Balance | None = None
    """``:62F:``/``:62M:``, CAMT ``CLBD``. None for MT942."""
    available: Balance | None = None
    """``:64:``, CAMT ``CLAV``."""
    debit_sum: Decimal | None = None
    """MT942 ``:90D:`` (positive number), when present."""
    credit_sum: Decimal | None = None
    """MT942 ``:90C:``, when present."""
    debit_count: int | None = None
    credit_count: int | None = None
    information: str = ""
    """Statement-level free text (MT940 ``:86:`` after the last movement, CAMT ``AddtlStmtInf``)."""


StatementPart = StatementHeader | ParsedMovement | StatementFooter


@dataclass(slots=True)
class Statement:
    header: StatementHeader
    movements: list[ParsedMovement] = field(default_factory=list)
    footer: StatementFooter = field(default_factory=StatementFooter)


def collect(parts: Iterable[StatementPart]) -> list[Statement]:
    """Gather a part stream into whole statements, checking the parser kept the protocol."""
    statements: list[Statement] = []
    current: Statement | None = None
    for part in parts:
        if isinstance(part, StatementHeader):
            if current is not None:
                raise AssertionError("header before the previous statement's footer")
            current = Statement(part)
        elif current is None:
            raise AssertionError(f"{type(part).__name__} outside a statement")
        elif isinstance(part, ParsedMovement):
            current.movements.append(part)
        else:
            current.footer = part
            statements.append(current)
            current = None
    if current is not None:
        raise AssertionError("statement without a footer")
    return statements
