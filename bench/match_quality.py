"""Matching quality on the labelled evaluation set: how often the matcher is right, and how often
it dares to be.

    .venv/bin/python bench/match_quality.py                     # bench/matching/evalset.json
    .venv/bin/python bench/match_quality.py --show-errors 20    # the wrong ones, with evidence
    .venv/bin/python bench/match_quality.py --seed 7            # a fresh set of the generator
    .venv/bin/python bench/match_quality.py --tags              # also per adversarial tag

Figures: *precision* of auto-confirmed proposals (best candidate = truth; an auto-confirm on a
movement whose sender the directory does not know is wrong), *auto rate* (auto-confirmed among
movements that have a true contra), *top-1* (best candidate = truth, among those). Targets:
precision ≥ 99.5%, auto rate ≥ 85%, top-1 ≥ 95%. The set is made by bench/matching/generate.py,
independently of the matcher; its categories say which evidence decides each movement.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402
from matching.evalset import EVALSET, Case, Truth, from_document, load  # noqa: E402
from matching.generate import build  # noqa: E402

from matcher.domain.matching import Matcher  # noqa: E402
from matcher.domain.model import Proposal, Thresholds  # noqa: E402

TARGETS = {"precision": 0.995, "auto_rate": 0.85, "top1": 0.95}
CATEGORIES = ("iban", "tax_id", "invoice", "name", "ambiguous", "virman", "fee", "tax", "pos",
              "rule", "unknown")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    proposal: Proposal

    @property
    def predicted(self) -> Truth:
        best = self.proposal.best
        return (best.kind, best.code) if best else None

    @property
    def right(self) -> bool:
        return self.case.truth is not None and self.predicted == self.case.truth

    @property
    def auto(self) -> bool:
        return self.proposal.auto_confirm

    @property
    def wrong_auto(self) -> bool:
        return self.auto and not self.right


def evaluate(matcher: Matcher, cases: list[Case]) -> list[Outcome]:
    return [Outcome(case, matcher.propose(case.facts)) for case in cases]


def figures(outcomes: list[Outcome]) -> dict[str, float]:
    known = [o for o in outcomes if o.case.truth is not None]
    autos = [o for o in outcomes if o.auto]
    return {
        "precision": _share(sum(o.right for o in autos), len(autos)),
        "auto_rate": _share(sum(o.auto for o in known), len(known)),
        "top1": _share(sum(o.right for o in known), len(known)),
    }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def report(outcomes: list[Outcome], groups: dict[str, list[Outcome]], title: str) -> None:
    print(f"{title:<22}{'n':>6}{'auto':>8}{'auto ok':>9}{'wrong auto':>11}{'top-1':>8}"
          f"{'no cand.':>9}")  # fmt: skip
    for name, members in groups.items():
        if not members:
            continue
        has_truth = members[0].case.truth is not None
        autos = [o for o in members if o.auto]
        auto_ok = f"{sum(o.right for o in autos) / len(autos):>9.1%}" if autos else f"{'—':>9}"
        top1 = f"{_share(sum(o.right for o in members), len(members)):>8.1%}" if has_truth else (
            f"{'—':>8}")  # fmt: skip
        print(f"{name:<22}{len(members):>6}{len(autos) / len(members):>8.1%}"
              f"{auto_ok}{sum(o.wrong_auto for o in members):>11}{top1}"
              f"{sum(o.proposal.best is None for o in members) / len(members):>9.1%}")  # fmt: skip


def show_errors(outcomes: list[Outcome], limit: int, names: dict) -> None:
    wrong = [o for o in outcomes if o.wrong_auto]
    missed = [o for o in outcomes if o.case.truth is not None and not o.right and not o.auto]
    for title, chosen in (("wrong auto-confirms", wrong), ("top-1 misses", missed)):
        print(f"\n--- {title}: {len(chosen)} (showing {min(limit, len(chosen))})")
        by_category = Counter(o.case.category for o in chosen)
        print("    by category:", dict(by_category.most_common()))
        for outcome in _spread(chosen, limit):
            _show(outcome, names)


def _spread(outcomes: list[Outcome], limit: int) -> list[Outcome]:
    """Up to ``limit`` outcomes, taken round-robin over the categories."""
    queues = defaultdict(list)
    for outcome in outcomes:
        queues[outcome.case.category].append(outcome)
    chosen: list[Outcome] = []
    while len(chosen) < limit and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return chosen


def _show(outcome: Outcome, names: dict) -> None:
    case, facts = outcome.case, outcome.case.facts
    truth = f"{case.truth[0]} {case.truth[1]} {names.get(case.truth, '')}" if case.truth else "none"
    print(f"\n[{case.category}] tags={','.join(case.tags)} amount={facts.amount}")
    print(f"  description: {facts.description}")
    given = {k: getattr(facts, k) for k in ("counterparty_name", "counterparty_iban",
                                            "counterparty_tax_id", "payment_reference",
                                            "transaction_code") if getattr(facts, k)}  # fmt: skip
    print(f"  facts: {given}")
    print(f"  truth: {truth}")
    print(f"  auto={outcome.auto} reason: {outcome.proposal.reason}")
    for candidate in outcome.proposal.candidates:
        print(f"    {candidate.confidence:.3f} {candidate.kind} {candidate.code} {candidate.name}"
              f"  ← {'; '.join(candidate.evidence)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evalset", type=Path, default=EVALSET)
    parser.add_argument("--seed", type=int, help="generate a fresh set in memory instead")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N")
    parser.add_argument("--tags", action="store_true", help="also break down by tag")
    parser.add_argument("--auto-confirm", type=float, help="threshold (default: Thresholds())")
    add_json_option(parser)
    args = parser.parse_args()
    if args.seed is not None:
        match_input, rules, cases = from_document(build(seed=args.seed))
        source = f"generated, seed {args.seed}"
    else:
        match_input, rules, cases = load(args.evalset)
        source = str(args.evalset)
    thresholds = Thresholds() if args.auto_confirm is None else Thresholds(args.auto_confirm)
    started = time.perf_counter()
    matcher = Matcher(match_input, rules, thresholds)
    built = time.perf_counter()
    outcomes = evaluate(matcher, cases)
    elapsed = time.perf_counter() - built
    print(f"{source}: {len(match_input.parties)} parties, {len(rules)} rules, {len(cases)} "
          f"movements; built in {built - started:.2f} s, {len(cases) / elapsed:,.0f} movements/s; "
          f"thresholds {thresholds}\n")  # fmt: skip
    groups = {c: [o for o in outcomes if o.case.category == c] for c in CATEGORIES}
    groups |= {c: [o for o in outcomes if o.case.category == c]
               for c in sorted({o.case.category for o in outcomes} - set(CATEGORIES))}  # fmt: skip
    report(outcomes, groups, "category")
    if args.tags:
        print()
        tags = sorted({t for o in outcomes for t in o.case.tags})
        known = [o for o in outcomes if o.case.truth is not None]
        report(outcomes, {t: [o for o in known if t in o.case.tags] for t in tags}, "tag (known)")
        unknown = [o for o in outcomes if o.case.truth is None]
        report(outcomes, {t: [o for o in unknown if t in o.case.tags] for t in tags},
               "tag (unknown)")  # fmt: skip
    result = figures(outcomes)
    wrong = sum(o.wrong_auto for o in outcomes)
    print(f"\nauto-confirmed {sum(o.auto for o in outcomes)}, of which wrong {wrong}")
    for key, label in (("precision", "precision of auto-confirms"),
                       ("auto_rate", "auto rate (true contra known)"),
                       ("top1", "top-1 accuracy (true contra known)")):  # fmt: skip
        verdict = "PASS" if result[key] >= TARGETS[key] else "FAIL"
        print(f"{label:<36}{result[key]:>8.2%}   target ≥ {TARGETS[key]:.1%}   {verdict}")
    write_json(args.json, "match_quality", [
        Figure(f"matching: {label} ({len(cases):,} movements)", result[key] * 100, "%",
               target=f"≥ {TARGETS[key]:.1%}", met=result[key] >= TARGETS[key])
        for key, label in (("precision", "precision of auto-confirms"),
                           ("auto_rate", "auto rate"), ("top1", "top-1 accuracy"))
    ])  # fmt: skip
    if args.show_errors:
        names = {(p.kind, p.code): p.name for p in match_input.parties}
        show_errors(outcomes, args.show_errors, names)


if __name__ == "__main__":
    main()
