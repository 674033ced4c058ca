"""Matching speed and memory on a large tenant: 50k counterparties, 100k movements.

    .venv/bin/python bench/match_speed.py
    .venv/bin/python bench/match_speed.py --counterparties 10000 --movements 20000

The directory and movements come from bench/matching/generate.py, in memory. ``Matcher(...)``
construction is timed apart from proposing. Target: ≥ 2,000 movements/s on one core. Baseline:
rapidfuzz ``process.extractOne(description, names, scorer=fuzz.token_set_ratio)``, brute force
over every counterparty name, on a small sample of the same movements (its top-1 on the sample
is printed too). Peak memory is this process's VmHWM (ru_maxrss where /proc is missing), with the
resident size before and after the matcher is built.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402
from matching.evalset import Case, from_document  # noqa: E402
from matching.generate import SEED, build  # noqa: E402

from matcher.domain.matching import Matcher  # noqa: E402
from matcher.domain.model import AccountKind, MatchInput  # noqa: E402

TARGET = 2000


def baseline(match_input: MatchInput, cases: list[Case], sample: int) -> tuple[float, float]:
    """(movements/s, top-1 among the sample) of rapidfuzz's brute-force name search."""
    from rapidfuzz import fuzz, process

    counterparties = [p for p in match_input.parties if p.kind == AccountKind.COUNTERPARTY]
    names = [p.name for p in counterparties]
    chosen = random.Random(0).sample(
        [c for c in cases if c.truth and c.truth[0] == AccountKind.COUNTERPARTY], sample
    )
    right = 0
    started = time.perf_counter()
    for case in chosen:
        _, _, index = process.extractOne(case.facts.description, names, scorer=fuzz.token_set_ratio)
        right += counterparties[index].code == case.truth[1]
    elapsed = time.perf_counter() - started
    return sample / elapsed, right / sample


def resident_mb(field: str = "VmRSS") -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counterparties", type=int, default=50_000)
    parser.add_argument("--movements", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--baseline-sample", type=int, default=30)
    add_json_option(parser)
    args = parser.parse_args()

    started = time.perf_counter()
    match_input, rules, cases = from_document(build(args.seed, args.counterparties, args.movements))
    generated = time.perf_counter() - started
    before = resident_mb()
    print(f"generated {len(match_input.parties):,} parties, {len(match_input.open_items):,} open "
          f"items, {len(rules)} rules, {len(cases):,} movements in {generated:.1f} s; "
          f"resident {before:.0f} MB")  # fmt: skip

    started = time.perf_counter()
    matcher = Matcher(match_input, rules)
    build_s = time.perf_counter() - started
    after = resident_mb()
    print(f"Matcher(...) built in {build_s:.2f} s; resident {after:.0f} MB "
          f"(+{after - before:.0f} MB)")  # fmt: skip

    started = time.perf_counter()
    autos = sum(matcher.propose(case.facts).auto_confirm for case in cases)
    propose_s = time.perf_counter() - started
    rate = len(cases) / propose_s
    verdict = "PASS" if rate >= TARGET else "FAIL"
    print(f"proposed {len(cases):,} in {propose_s:.2f} s: {rate:,.0f} movements/s "
          f"(target ≥ {TARGET:,}: {verdict}); auto-confirmed {autos / len(cases):.1%}")  # fmt: skip
    print(f"peak memory (VmHWM) {resident_mb('VmHWM'):.0f} MB")

    name = f"matching {args.movements:,} movements, {args.counterparties:,} counterparties"
    target = f"≥ {TARGET:,} movements/s"
    try:
        base_rate, base_top1 = baseline(match_input, cases, args.baseline_sample)
    except ImportError:
        print("baseline skipped: rapidfuzz is not installed")
        write_json(args.json, "match_speed", [
            Figure(name, rate, "movements/s", target=target, met=rate >= TARGET)
        ])  # fmt: skip
        return
    write_json(args.json, "match_speed", [
        Figure(name, rate, "movements/s", "rapidfuzz extractOne(token_set_ratio)", base_rate,
               rate / base_rate, target, rate >= TARGET),
    ])  # fmt: skip
    print(f"baseline rapidfuzz extractOne(token_set_ratio) over {args.counterparties:,} names: "
          f"{base_rate:,.1f} movements/s (top-1 {base_top1:.0%} on {args.baseline_sample}); "
          f"matcher is {rate / base_rate:,.0f}× faster")  # fmt: skip


if __name__ == "__main__":
    main()
