"""What matching reads and what it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class AccountKind(StrEnum):
    """The contra account's type, as the seeds' "Karşı Hesap Türü"."""

    COUNTERPARTY = "counterparty"
    LEDGER = "ledger"
    BANK = "bank"


@dataclass(frozen=True, slots=True)
class Party:
    """Something a movement can be booked against."""

    kind: AccountKind
    code: str
    name: str
    tax_id: str = ""
    ibans: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    side: str = ""
    """``customer`` or ``supplier`` when known; else read from a Turkish chart-of-accounts code
    (120… customers, 320… suppliers). Breaks ties between a firm's two accounts by direction."""


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An unpaid invoice of a counterparty, when the ERP tells us."""

    counterparty_code: str
    document_number: str
    amount: Decimal
    """What is still open, positive; compared with the movement's absolute amount."""
    currency: str = "TRY"


@dataclass(frozen=True, slots=True)
class Facts:
    """One bank movement as matching sees it."""

    amount: Decimal
    """Signed: positive incoming, negative outgoing."""
    currency: str = "TRY"
    description: str = ""
    counterparty_iban: str = ""
    counterparty_name: str = ""
    counterparty_tax_id: str = ""
    payment_reference: str = ""
    transaction_code: str = ""
    booking_date: date | None = None
    own_iban: str = ""
    """The IBAN of our account the movement is on."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible contra account, with how sure we are and why."""

    kind: AccountKind
    code: str
    name: str
    confidence: float
    evidence: tuple[str, ...]
    document_type: str | None = None
    """Set when a rule names the document type."""
    rule_id: int | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    candidates: tuple[Candidate, ...] = ()
    auto_confirm: bool = False
    """True only when the best candidate is above the tenant's threshold and no other candidate
    comes close."""
    reason: str = ""
    """Why it is (not) auto-confirmed, in words."""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True, slots=True)
class Thresholds:
    auto_confirm: float = 0.95
    ambiguity_margin: float = 0.05
    """Two candidates closer than this are ambiguous: never auto-confirmed."""
    max_candidates: int = 5


@dataclass(slots=True)
class MatchInput:
    """Everything of a tenant matching consults, besides the movement."""

    parties: list[Party] = field(default_factory=list)
    own_ibans: dict[str, str] = field(default_factory=dict)
    """Our own IBANs → the ERP bank account code (for virman)."""
    open_items: list[OpenItem] = field(default_factory=list)


class RuleKind(StrEnum):
    CONTAINS = "contains"
    """The description contains the pattern (Turkish-folded, case-insensitive)."""
    REGEX = "regex"
    IBAN = "iban"
    """The counterparty IBAN equals the pattern."""
    AMOUNT = "amount"
    """Only the amount range (and direction) decides."""


@dataclass(frozen=True, slots=True)
class Rule:
    """An operator's rule ("description contains 'SGK' → 361.01, tax payment") or a learned one
    (what the operator chose before for this IBAN or text)."""

    id: int
    kind: RuleKind
    pattern: str
    target: AccountKind
    code: str
    name: str = ""
    document_type: str | None = None
    direction: str | None = None
    """``incoming``, ``outgoing`` or None for both."""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    """Bounds on the absolute amount, inclusive."""
    learned: bool = False
