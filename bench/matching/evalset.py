"""The evaluation set as the matcher's own types: ``(MatchInput, rules, cases)``.

    from matching.evalset import load
    match_input, rules, cases = load()          # bench/matching/evalset.json
    for case in cases:
        case.facts, case.truth, case.category, case.tags

:func:`from_document` takes what ``generate.build`` returns, so a large set need not touch disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from matcher.domain.model import AccountKind, Facts, MatchInput, OpenItem, Party, Rule, RuleKind

EVALSET = Path(__file__).parent / "evalset.json"

Truth = tuple[AccountKind, str] | None
"""The true contra account, or None when the directory does not know the sender."""


@dataclass(frozen=True, slots=True)
class Case:
    facts: Facts
    truth: Truth
    category: str
    tags: tuple[str, ...]


def load(path: Path = EVALSET) -> tuple[MatchInput, list[Rule], list[Case]]:
    return from_document(json.loads(path.read_text(encoding="utf-8")))


def from_document(document: dict) -> tuple[MatchInput, list[Rule], list[Case]]:
    match_input = MatchInput(
        parties=[_party(p) for p in document["parties"]],
        own_ibans={a["iban"]: a["code"] for a in document["own_accounts"]},
        open_items=[
            OpenItem(i["counterparty_code"], i["document_number"], Decimal(i["amount"]))
            for i in document["open_items"]
        ],
    )
    rules = [_rule(r) for r in document["rules"]]
    cases = [_case(m) for m in document["movements"]]
    return match_input, rules, cases


def _party(record: dict) -> Party:
    return Party(
        kind=AccountKind(record["kind"]),
        code=record["code"],
        name=record["name"],
        tax_id=record.get("tax_id", ""),
        ibans=tuple(record.get("ibans", ())),
        aliases=tuple(record.get("aliases", ())),
    )


def _rule(record: dict) -> Rule:
    bound = record.get("amount_min"), record.get("amount_max")
    return Rule(
        id=record["id"],
        kind=RuleKind(record["kind"]),
        pattern=record["pattern"],
        target=AccountKind(record["target"]),
        code=record["code"],
        name=record.get("name", ""),
        document_type=record.get("document_type"),
        direction=record.get("direction"),
        amount_min=Decimal(bound[0]) if bound[0] else None,
        amount_max=Decimal(bound[1]) if bound[1] else None,
        learned=record.get("learned", False),
    )


def _case(record: dict) -> Case:
    facts = dict(record["facts"])
    facts["amount"] = Decimal(facts["amount"])
    if "booking_date" in facts:
        facts["booking_date"] = date.fromisoformat(facts["booking_date"])
    truth = record["truth"]
    return Case(
        facts=Facts(**facts),
        truth=(AccountKind(truth[0]), truth[1]) if truth else None,
        category=record["category"],
        tags=tuple(record["tags"]),
    )
