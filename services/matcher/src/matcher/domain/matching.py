"""Proposals: for one movement, the ranked contra accounts with confidence and evidence.

Evidence, strongest first — own IBAN (virman), counterparty IBAN, tax number, operator rule,
learned rule, open invoice, fuzzy name. Several pieces of evidence for the same account add up
(noisy-or); pieces for different accounts compete, and a close second blocks auto-confirmation.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from .ibans import compact, ibans_in
from .model import (
    AccountKind,
    Candidate,
    Facts,
    MatchInput,
    OpenItem,
    Party,
    Proposal,
    Rule,
    RuleKind,
    Thresholds,
)
from .names import NameIndex
from .rules import RuleBook
from .taxid import tax_ids_in
from .text import words

OWN_IBAN = 0.99
IBAN = 0.99
TAX_ID = 0.98
OPERATOR_RULE = 0.97
LEARNED_IBAN = 0.97
LEARNED_TEXT = 0.92
INVOICE_AND_AMOUNT = 0.97
INVOICE_ONLY = 0.8
SHARED = 0.75
"""Confidence of an IBAN or tax number that more than one account claims."""
AGAINST_DIRECTION = 0.8
AGAINST_DIRECTION_GAP = 0.1
"""Only a candidate within this of the best one on the movement's side steps back."""
NAME_CEILING = 0.96
"""A name alone never says more than this."""

Target = tuple[AccountKind, str]


@dataclass(slots=True)
class _Tally:
    name: str
    doubt: float = 1.0
    """Product of (1 - confidence) over the evidence: the chance every piece is wrong."""
    evidence: list[str] = field(default_factory=list)
    document_type: str | None = None
    rule_id: int | None = None

    def add(self, confidence: float, evidence: str) -> None:
        self.doubt *= 1 - confidence
        self.evidence.append(evidence)


class Matcher:
    """Built once per tenant directory (50k counterparties: about a second); ``propose`` is pure
    and cheap (a few dictionary probes and one name search)."""

    def __init__(
        self, match_input: MatchInput, rules: list[Rule], thresholds: Thresholds | None = None
    ):
        self.thresholds = thresholds or Thresholds()
        self._parties = match_input.parties
        self._own_ibans = {compact(i): code for i, code in match_input.own_ibans.items()}
        self._by_target: dict[Target, Party] = {}
        self._by_iban: dict[str, list[Party]] = defaultdict(list)
        self._by_tax_id: dict[str, list[Party]] = defaultdict(list)
        for party in self._parties:
            self._by_target[(party.kind, party.code)] = party
            for iban in party.ibans:
                self._by_iban[compact(iban)].append(party)
            if party.tax_id:
                self._by_tax_id[party.tax_id].append(party)
        self._names = NameIndex(
            (i, name)
            for i, party in enumerate(self._parties)
            if party.kind is AccountKind.COUNTERPARTY
            for name in _names_of(party)
        )
        self._open_items: dict[str, list[OpenItem]] = defaultdict(list)
        for item in match_input.open_items:
            self._open_items[_document_key(item.document_number)].append(item)
        self._rules = RuleBook(rules)

    def with_rules(self, rules: list[Rule], thresholds: Thresholds | None = None) -> Matcher:
        """This directory with other rules and thresholds, without rebuilding the indexes."""
        other = copy.copy(self)
        other._rules = RuleBook(rules)
        other.thresholds = thresholds or self.thresholds
        return other

    def propose(self, facts: Facts) -> Proposal:
        tallies: dict[Target, _Tally] = {}

        def tally(target: Target, name: str = "") -> _Tally:
            if target not in tallies:
                party = self._by_target.get(target)
                tallies[target] = _Tally(party.name if party else name)
            return tallies[target]

        self._ibans(facts, tally)
        self._tax_ids(facts, tally)
        self._rule_hits(facts, tally)
        self._invoices(facts, tally)
        self._fuzzy_name(facts, tally)
        _prefer_direction(tallies, facts, self._by_target)
        candidates = sorted(
            (
                Candidate(
                    kind=target[0],
                    code=target[1],
                    name=t.name,
                    confidence=round(1 - t.doubt, 4),
                    evidence=tuple(t.evidence),
                    document_type=t.document_type,
                    rule_id=t.rule_id,
                )
                for target, t in tallies.items()
            ),
            key=lambda c: (-c.confidence, c.kind, c.code),
        )[: self.thresholds.max_candidates]
        return self._decide(tuple(candidates))

    def _decide(self, candidates: tuple[Candidate, ...]) -> Proposal:
        if not candidates:
            return Proposal((), False, "no evidence for any account")
        best = candidates[0]
        limit = self.thresholds.auto_confirm
        if best.confidence < limit:
            return Proposal(candidates, False, f"best {best.confidence:.2f} is below {limit:.2f}")
        if len(candidates) > 1:
            gap = best.confidence - candidates[1].confidence
            if gap < self.thresholds.ambiguity_margin:
                second = candidates[1]
                return Proposal(
                    candidates, False, f"ambiguous: {second.code} is within {gap:.2f} of the best"
                )
        return Proposal(candidates, True, f"{best.confidence:.2f} ≥ {limit:.2f}, no close second")

    def _ibans(self, facts: Facts, tally) -> None:
        own = compact(facts.own_iban)
        found = [compact(facts.counterparty_iban)] if facts.counterparty_iban else []
        found += ibans_in(facts.description)
        for iban in dict.fromkeys(found):
            if iban == own:
                continue
            if code := self._own_ibans.get(iban):
                tally((AccountKind.BANK, code), "own account").add(
                    OWN_IBAN, f"IBAN {iban} is our own account {code} (virman)"
                )
            owners = self._by_iban.get(iban, ())
            for party in owners:
                tally((party.kind, party.code)).add(
                    IBAN if len(owners) == 1 else SHARED,
                    f"IBAN {iban} belongs to {party.code}"
                    + ("" if len(owners) == 1 else f" (and {len(owners) - 1} other account(s))"),
                )

    def _tax_ids(self, facts: Facts, tally) -> None:
        found = dict.fromkeys(
            [facts.counterparty_tax_id] if facts.counterparty_tax_id else []
        ) | dict.fromkeys(tax_ids_in(f"{facts.description} {facts.payment_reference}"))
        for number in found:
            owners = self._by_tax_id.get(number, ())
            label = "VKN" if len(number) == 10 else "TCKN"
            for party in owners:
                tally((party.kind, party.code)).add(
                    TAX_ID if len(owners) == 1 else SHARED,
                    f"{label} {number} in description belongs to {party.code}",
                )

    def _rule_hits(self, facts: Facts, tally) -> None:
        hits = [(hit, OPERATOR_RULE) for hit in self._rules.operator_hits(facts)]
        hits += [
            (hit, LEARNED_IBAN if hit.rule.kind is RuleKind.IBAN else LEARNED_TEXT)
            for hit in self._rules.learned_hits(facts)
        ]
        for hit, strength in hits:
            rule = hit.rule
            entry = tally((rule.target, rule.code), rule.name)
            entry.add(strength, hit.evidence)
            entry.document_type = entry.document_type or rule.document_type
            if not rule.learned:
                entry.rule_id = entry.rule_id or rule.id

    def _invoices(self, facts: Facts, tally) -> None:
        if not self._open_items:
            return
        size = abs(facts.amount)
        seen: set[tuple[str, str]] = set()
        for key in _document_keys(f"{facts.payment_reference} {facts.description}"):
            for item in self._open_items.get(key, ()):
                if (item.counterparty_code, item.document_number) in seen:
                    continue
                seen.add((item.counterparty_code, item.document_number))
                target = (AccountKind.COUNTERPARTY, item.counterparty_code)
                if item.amount == size and item.currency == facts.currency:
                    tally(target).add(
                        INVOICE_AND_AMOUNT,
                        f"invoice {item.document_number} of {item.counterparty_code} is open "
                        f"for exactly {_tr_amount(size)} {item.currency}",
                    )
                else:
                    tally(target).add(
                        INVOICE_ONLY,
                        f"invoice {item.document_number} of {item.counterparty_code} is open "
                        f"for {_tr_amount(item.amount)} {item.currency}",
                    )

    def _fuzzy_name(self, facts: Facts, tally) -> None:
        text = facts.counterparty_name or facts.description
        if not text:
            return
        for hit in self._names.search(text, limit=3, strict=bool(facts.counterparty_name)):
            party = self._parties[hit.party]
            confidence = min(NAME_CEILING, hit.score)
            if confidence < 0.5:
                continue
            tally((party.kind, party.code)).add(
                confidence, f"name '{text}' ~ '{hit.name}' {hit.score:.2f}"
            )


def _names_of(party: Party) -> list[str]:
    """A party's name, aliases, and the parts of a "person - trade name" title
    (``"DİLEK ÇELİK - MANİSA MEDİKAL"``); a lone word after the dash is a city, not a name."""
    names = [party.name, *party.aliases]
    for name in list(names):
        if " - " in name:
            names += [p for p in name.split(" - ") if len(p.split()) >= 2]
    return names


def side_of(party: Party) -> str:
    """customer/supplier: as the ERP says, else by the Turkish chart of accounts (120… alıcılar,
    320… satıcılar)."""
    if party.side:
        return party.side
    if party.code.startswith(("120", "121", "126", "127", "128")):
        return "customer"
    if party.code.startswith(("320", "321", "326", "329")):
        return "supplier"
    return ""


def _prefer_direction(
    tallies: dict[Target, _Tally], facts: Facts, parties: dict[Target, Party]
) -> None:
    """A firm often has two accounts, 120 (as customer) and 320 (as supplier), with the same name,
    tax number and IBAN. Money in is from the customer, money out to the supplier: when such
    candidates stand close, the one against the direction steps back."""
    wanted = "customer" if facts.amount > 0 else "supplier"
    sides = {t: side_of(p) for t in tallies if (p := parties.get(t)) is not None}
    if not any(s == wanted for s in sides.values()):
        return
    best_wanted = max(1 - tallies[t].doubt for t, s in sides.items() if s == wanted)
    for target, side in sides.items():
        tally = tallies[target]
        if side and side != wanted and (1 - tally.doubt) - best_wanted < AGAINST_DIRECTION_GAP:
            tally.doubt = 1 - (1 - tally.doubt) * AGAINST_DIRECTION
            tally.evidence.append(f"{side} account, but the money goes the other way")


def _document_key(number: str) -> str:
    return "".join(words(number))


def _document_keys(text: str) -> Iterator[str]:
    """Each word with a digit, and runs of two or three words glued (``FTR-2025-0012``)."""
    parts = words(text)
    numeric = [any(c.isdigit() for c in part) for part in parts]
    for i in range(len(parts)):
        for n in (1, 2, 3):
            if i + n <= len(parts) and any(numeric[i : i + n]):
                glued = "".join(parts[i : i + n])
                if len(glued) >= 4:
                    yield glued


def _tr_amount(amount: Decimal) -> str:
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', '.')},{cents}"
