"""Every benchmark, one table: figure, value, baseline, ratio, target.

    .venv/bin/python bench/all.py                            # the full run, ≈ 6 minutes (quiet machine)
    .venv/bin/python bench/all.py --quick                    # small sizes, ≈ 2 minutes
    .venv/bin/python bench/all.py --only ingest_mt940 smtp_send
    .venv/bin/python bench/all.py --write docs/performance.md

Each benchmark runs as its own process, one after the other (two cores: running them side by
side would measure each other), with the sizes below: ``--quick`` checks that everything runs,
the full sizes are the ones docs/performance.md reports. A benchmark writes its figures with
``--json PATH`` (bench/figures.py); its printout goes to ``<log dir>/<name>.log``. One that
fails or runs out of time gets a row saying so, and the others still run.

``--write PATH`` writes the table as Markdown with the machine it ran on (CPU, cores, memory,
Python, PostgreSQL, RabbitMQ, date, git commit). Needs PostgreSQL and RabbitMQ on 127.0.0.1,
as the benchmarks that use them do.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, read_json  # noqa: E402

HERE = Path(__file__).parent
ROOT = HERE.parent


@dataclass(frozen=True)
class Bench:
    """One benchmark script and its arguments for the full and the quick run."""

    name: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    port_option: str | None = None
    """The script's option for a TCP port it listens on: given a free one at each run."""

    @property
    def script(self) -> Path:
        return HERE / f"{self.name}.py"

    def command(self, *, quick: bool, json_path: Path) -> list[str]:
        arguments = [*(self.quick if quick else self.full)]
        if self.port_option:
            arguments += [self.port_option, str(free_port())]
        return [sys.executable, str(self.script), *arguments, "--json", str(json_path)]


BENCHES: tuple[Bench, ...] = (
    Bench("ingest_mt940", ("--sizes", "100000"), ("--sizes", "10000"), "--port"),
    Bench("match_quality", (), ()),
    Bench("match_speed", (), ("--counterparties", "5000", "--movements", "10000",
                              "--baseline-sample", "10")),
    Bench("voucher_issue", ("--movements", "10000"), ("--movements", "2000")),
    Bench("import_xlsx", ("--rows", "200000"), ("--rows", "10000"), "--port"),
    Bench("babs_compute", ("--repeat", "3"),
          ("--counterparties", "5000", "--movements", "100000", "--babs", "100000",
           "--repeat", "1")),
    Bench("smtp_send", ("--messages", "5000", "--connections", "1", "4"),
          ("--messages", "500", "--connections", "4"), "--port"),
    Bench("round_send", ("--letters", "2000"), ("--letters", "200", "--modes", "embedded")),
    Bench("portal_page", ("--seconds", "15", "--letters", "500"),
          ("--seconds", "3", "--letters", "100")),
)  # fmt: skip


@dataclass
class Outcome:
    """What one benchmark run gave: its figures, or why there are none."""

    name: str
    figures: list[Figure] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    log: Path | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_bench(bench: Bench, *, quick: bool, log_dir: Path, timeout: float) -> Outcome:
    """Run one benchmark to its end (or ``timeout`` seconds) and read its figures."""
    json_path = log_dir / f"{bench.name}.json"
    json_path.unlink(missing_ok=True)
    log = log_dir / f"{bench.name}.log"
    return run_command(
        bench.name, bench.command(quick=quick, json_path=json_path), json_path, log, timeout
    )


def run_command(
    name: str, command: list[str], json_path: Path, log: Path, timeout: float
) -> Outcome:
    """Run ``command`` (a benchmark writing its figures to ``json_path``), its output to ``log``.
    It gets a session of its own: on timeout the services it started are stopped with it."""
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        try:
            code = process.wait(timeout=timeout)
            error = None if code == 0 else f"exit status {code}"
        except subprocess.TimeoutExpired:
            _stop_group(process)
            error = f"no result within {timeout:g} s"
    outcome = Outcome(name, seconds=time.perf_counter() - started, error=error, log=log)
    if error is None:
        try:
            _, outcome.figures = read_json(json_path)
        except (OSError, ValueError) as exc:
            outcome.error = f"no figures: {exc}"
    return outcome


def _stop_group(process: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


# -- the table --------------------------------------------------------------------------------

COLUMNS = ("figure", "value", "baseline", "ratio", "target")


def number(value: float | None, unit: str = "") -> str:
    """A figure as people read it: 12,345 movements/s, 0.312 s, 99.81 %."""
    if value is None or not math.isfinite(value):
        return "—"
    if unit == "%":
        return f"{value:.2f} %"
    size = abs(value)
    digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3
    shown = f"{value:,.{digits}f}"
    return f"{shown} {unit}".strip()


def row(figure: Figure) -> tuple[str, ...]:
    baseline = "—"
    if figure.baseline:
        baseline = figure.baseline
        if figure.baseline_value is not None:
            baseline = f"{number(figure.baseline_value, figure.unit)} ({figure.baseline})"
    ratio = "—" if figure.ratio is None else f"{figure.ratio:.2f}"
    target = figure.target or "—"
    if figure.target and figure.met is not None:
        target += " ✓" if figure.met else " ✗"
    return figure.name, number(figure.value, figure.unit), baseline, ratio, target


def rows(outcomes: Sequence[Outcome]) -> list[tuple[str, ...]]:
    """One row per figure, and one per benchmark that gave none (saying why)."""
    found: list[tuple[str, ...]] = []
    for outcome in outcomes:
        if outcome.error is not None:
            found.append((f"{outcome.name}: FAILED ({outcome.error})", "—", "—", "—", "—"))
        found += [row(figure) for figure in outcome.figures]
    return found


def text_table(table: Sequence[tuple[str, ...]]) -> str:
    """Aligned columns; the value and the ratio to the right."""
    widths = [max(len(line[i]) for line in [COLUMNS, *table]) for i in range(len(COLUMNS))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if i in (1, 3) else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(COLUMNS), rule, *(line(cells) for cells in table)])


def markdown_table(table: Sequence[tuple[str, ...]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return "\n".join([line(COLUMNS), "| --- | ---: | --- | ---: | --- |", *map(line, table)])


# -- the machine ------------------------------------------------------------------------------


def machine(run: Callable[[list[str]], str] | None = None) -> dict[str, str]:
    """What the figures depend on: CPU, cores, memory, Python, the servers, the code."""
    run = run or _output
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "memory": _memory(),
        "load average at the start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "Python": platform.python_version(),
        "PostgreSQL": run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"])
        or "unknown",
        "RabbitMQ": run(["rabbitmqctl", "--quiet", "version"]) or "unknown",
        "OS": platform.platform(terse=True),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git commit": _commit(run),
    }  # fmt: skip


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _commit(run: Callable[[list[str]], str]) -> str:
    commit = run(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    if run(["git", "status", "--porcelain", "--untracked-files=no"]):
        commit += " (with uncommitted changes)"
    return commit


def busy_note(load: float, cores: int) -> str:
    """A warning for the page when other work shared the machine at the start."""
    if load <= cores / 2:
        return ""
    return (
        f"**The machine was busy when this run started** (load average {load:.1f} on {cores} "
        "cores): the figures are lower and noisier than on a quiet machine. Re-run there before "
        "comparing.\n\n"
    )


def markdown(
    table: Sequence[tuple[str, ...]], about: dict[str, str], *, command: str, note: str = ""
) -> str:
    details = "\n".join(f"- **{key}**: {value}" for key, value in about.items())
    return f"""# Performance

All benchmarks in one table, written by `{command}`. Each benchmark's docstring
(`bench/<name>.py`) says what it measures and against which baseline; the ratio is the
benchmark's own (usually figure / baseline, for the BA/BS and balance queries seconds / the
baseline's seconds, so lower is better). ✓ / ✗: the target is met / missed. The sizes are
those in `bench/all.py` (`BENCHES`); the full run takes ≈ 6 minutes on 2 cores, `--quick` ≈ 2
(small sizes, to check that everything runs — not figures to compare).

{note}{markdown_table(table)}

## The machine

{details}
"""


# -- the command ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: does everything run?")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[b.name for b in BENCHES])
    parser.add_argument("--write", type=Path, metavar="PATH", help="also write Markdown here")
    parser.add_argument("--log-dir", type=Path, help="where each benchmark's printout goes")
    parser.add_argument("--timeout", type=float, help="seconds per benchmark (600; quick 180)")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHES if args.only is None or b.name in args.only]
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="mutabik-bench-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    timeout = args.timeout or (180.0 if args.quick else 600.0)
    about = machine()  # before the run: the load average is the one it started with
    note = busy_note(os.getloadavg()[0], os.cpu_count() or 1)
    print(f"{len(chosen)} benchmarks{' (quick)' if args.quick else ''}; printouts in {log_dir}/")
    outcomes = []
    started = time.perf_counter()
    for number_, bench in enumerate(chosen, 1):
        print(f"[{number_}/{len(chosen)}] {bench.name} ...", end=" ", flush=True)
        outcome = run_bench(bench, quick=args.quick, log_dir=log_dir, timeout=timeout)
        print(f"{outcome.seconds:.0f} s" + (f" — {outcome.error}" if outcome.error else ""))
        outcomes.append(outcome)
    table = rows(outcomes)
    print(f"\n{text_table(table)}\n\nin {(time.perf_counter() - started) / 60:.1f} minutes")
    for outcome in outcomes:
        if outcome.error is not None:
            print(f"{outcome.name} failed: see {outcome.log}")
    if args.write:
        command = ".venv/bin/python bench/all.py" + (" --quick" if args.quick else "")
        args.write.write_text(markdown(table, about, command=command, note=note))
        print(f"wrote {args.write}")
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
