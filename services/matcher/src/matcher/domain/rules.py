"""Operator rules and learned rules, compiled once per tenant and checked per movement."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .ibans import compact
from .model import Facts, Rule, RuleKind
from .text import fold, text_key


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: Rule
    evidence: str


class RuleBook:
    """Operator rules are tried in order (lowest id first); learned rules are looked up by the
    movement's counterparty IBAN or by its description's key — one dictionary probe each."""

    def __init__(self, rules: Iterable[Rule]):
        self._operator: list[tuple[Rule, re.Pattern[str] | str]] = []
        self._learned_iban: dict[str, Rule] = {}
        self._learned_text: dict[str, list[tuple[str, Rule]]] = {}
        """First word of the learned key → (key, rule): a description is checked only against
        the keys that start with one of its words."""
        for rule in sorted(rules, key=lambda r: r.id):
            if rule.learned and rule.kind is RuleKind.IBAN:
                self._learned_iban.setdefault(compact(rule.pattern), rule)
            elif rule.learned:
                key = text_key(rule.pattern)
                if key:
                    self._learned_text.setdefault(key.split()[0], []).append((key, rule))
            else:
                self._operator.append((rule, _compiled(rule)))

    def operator_hits(self, facts: Facts) -> list[RuleHit]:
        if not self._operator:
            return []
        folded = fold(f"{facts.description} {facts.counterparty_name}")
        hits = []
        for rule, test in self._operator:
            if not _in_bounds(rule, facts):
                continue
            if rule.kind is RuleKind.CONTAINS and test in folded:
                hits.append(
                    RuleHit(rule, f"rule #{rule.id}: description contains '{rule.pattern}'")
                )
            elif rule.kind is RuleKind.REGEX and test.search(facts.description):  # type: ignore[union-attr]
                hits.append(RuleHit(rule, f"rule #{rule.id}: description matches /{rule.pattern}/"))
            elif rule.kind is RuleKind.IBAN and facts.counterparty_iban == test:
                hits.append(RuleHit(rule, f"rule #{rule.id}: IBAN {rule.pattern}"))
            elif rule.kind is RuleKind.AMOUNT:
                hits.append(RuleHit(rule, f"rule #{rule.id}: amount {_bounds(rule)}"))
        return hits

    def learned_hits(self, facts: Facts) -> list[RuleHit]:
        hits = []
        iban = compact(facts.counterparty_iban)
        if iban and (rule := self._learned_iban.get(iban)):
            hits.append(RuleHit(rule, f"learned: IBAN {rule.pattern} was booked to {rule.code}"))
        if not self._learned_text:
            return hits
        text = f" {text_key(f'{facts.counterparty_name} {facts.description}')} "
        for word in set(text.split()):
            for key, rule in self._learned_text.get(word, ()):
                if f" {key} " in text and _in_bounds(rule, facts):
                    hits.append(RuleHit(rule, f"learned: '{key}' was booked to {rule.code}"))
        return hits


def learned_pattern(facts: Facts) -> tuple[RuleKind, str] | None:
    """What a confirmation teaches: the IBAN if the movement has one, else the name the bank
    wrote (or the description) without its numbers — matched later wherever it appears."""
    if facts.counterparty_iban:
        return RuleKind.IBAN, compact(facts.counterparty_iban)
    key = text_key(facts.counterparty_name or facts.description)
    return (RuleKind.CONTAINS, key) if key else None


def validate_pattern(kind: RuleKind, pattern: str) -> str | None:
    """Why ``pattern`` can't be a rule of ``kind``, or None."""
    if kind is RuleKind.REGEX:
        try:
            re.compile(pattern)
        except re.error as exc:
            return f"not a regular expression: {exc}"
    elif kind in (RuleKind.CONTAINS, RuleKind.IBAN) and not pattern.strip():
        return "the pattern is empty"
    return None


def _compiled(rule: Rule) -> re.Pattern[str] | str:
    if rule.kind is RuleKind.REGEX:
        return re.compile(rule.pattern, re.IGNORECASE)
    if rule.kind is RuleKind.CONTAINS:
        return fold(rule.pattern)
    return compact(rule.pattern)


def _in_bounds(rule: Rule, facts: Facts) -> bool:
    if rule.direction == "incoming" and facts.amount < 0:
        return False
    if rule.direction == "outgoing" and facts.amount > 0:
        return False
    size = abs(facts.amount)
    if rule.amount_min is not None and size < rule.amount_min:
        return False
    return rule.amount_max is None or size <= rule.amount_max


def _bounds(rule: Rule) -> str:
    low = "" if rule.amount_min is None else f"≥ {rule.amount_min}"
    high = "" if rule.amount_max is None else f"≤ {rule.amount_max}"
    return " and ".join(b for b in (low, high) if b) or "any"
