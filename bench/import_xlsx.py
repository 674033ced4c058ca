"""Import speed and memory of the movements template (.xlsx), end to end: upload → checked →
stored (one transaction) → job report.

    .venv/bin/python bench/import_xlsx.py                     # 200k rows, PostgreSQL and SQLite
    .venv/bin/python bench/import_xlsx.py --rows 50000 200000 --modes postgres

Each run starts reconciliation as its own process (on PostgreSQL, as in distributed mode, or on
SQLite, as embedded), uploads a generated Hesap Hareketleri workbook with ``?wait=true`` and
reads the job's report. It then uploads the same file again (everything unchanged). Baseline:
the fastest raw python-calamine read of the same file in this process (every cell to Python).
Peak memory is the service's resident memory plus its reader process's, sampled. Target
(issue 5): ≥ 50% of the baseline's rows/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402
from service_process import PG, admin, api_key, peak_mb, wait_ready  # noqa: E402

from reconciliation.domain.datasets import MOVEMENT_COLUMNS  # noqa: E402


def generate(rows: int, path: Path, *, key_prefix: str = "K") -> None:
    """A movements workbook: 5,000 counterparties, TRY and some USD, a few reversals."""
    rng = random.Random(rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Hesap Hareketleri")
    sheet.append([c.header for c in MOVEMENT_COLUMNS])
    start = date(2025, 1, 1)
    for n in range(rows):
        day = (start + timedelta(days=rng.randrange(365))).strftime("%d.%m.%Y")
        amount = round(rng.uniform(-50_000, 50_000), 2) or 1.0
        usd = n % 10 == 0
        local = round(amount * 38.5, 2) if usd else amount
        sheet.append([
            f"120.{n % 5000:05d}", "Musteri", day, day, day, day, f"GIB2025{n:09d}",
            f"Fatura {n}", amount, local, "USD" if usd else "TRY", "Genel", f"{n:011d}",
            "0", 14, f"{key_prefix}{n:012d}",
        ])  # fmt: skip
    book.save(path)


def baseline(path: Path) -> tuple[float, int]:
    """Rows/s of the fastest raw read (best of the two calamine APIs), and the data rows."""
    best = 0.0
    count = 0
    for how in ("to_python", "iter_rows"):
        started = time.perf_counter()
        with path.open("rb") as stream:
            sheet = CalamineWorkbook.from_filelike(stream).get_sheet_by_index(0)
            rows = sheet.to_python() if how == "to_python" else list(sheet.iter_rows())
        elapsed = time.perf_counter() - started
        count = len(rows) - 1
        best = max(best, count / elapsed)
    return best, count


async def run(mode: str, path: Path, rows: int, port: int) -> dict[str, float]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    if mode == "postgres":
        database = f"{PG}/{name}"
        await admin(f'CREATE DATABASE "{name}"')
    else:
        database = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='mutabik-bench-')}/r.sqlite3"
    env = {"DATABASE_URL": database, "BUS_URL": "memory://", "HTTP_PORT": str(port),
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "reconciliation",
        env={**os.environ, **{f"MUTABIK_RECONCILIATION_{k}": v for k, v in env.items()}},
        stdout=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL,
    )  # fmt: skip
    engine = create_async_engine(database)
    try:
        base = f"http://127.0.0.1:{port}/reconciliation"
        await wait_ready(base)
        headers = await api_key(engine, "erp")
        await _warm_up(base, headers)
        peak = [0.0]
        sampler = asyncio.create_task(_sample_rss(process.pid, peak))
        first = await _import(base, path, headers)
        assert first["report"]["rows_created"] == rows, first["report"]
        again = await _import(base, path, headers)
        assert again["report"]["rows_unchanged"] == rows, again["report"]
        sampler.cancel()
        return {"first_s": first["seconds"], "again_s": again["seconds"],
                "peak_mb": max(peak[0], peak_mb(process.pid))}  # fmt: skip
    finally:
        process.terminate()
        await process.wait()
        await engine.dispose()
        if mode == "postgres":
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _warm_up(base: str, headers: dict[str, str]) -> None:
    """One import of 20,000 other rows first — large enough for the reader process — as a
    service that has been running a while has done."""
    path = Path(tempfile.gettempdir()) / "mutabik-bench-movements-warm-up.xlsx"
    if not path.exists():
        generate(20_000, path, key_prefix="W")
    await _import(base, path, headers)


async def _import(base: str, path: Path, headers: dict[str, str]) -> dict:
    async with httpx.AsyncClient(timeout=900) as client:
        started = time.perf_counter()
        with path.open("rb") as file:
            response = await client.post(
                f"{base}/imports/movements?wait=true", files={"file": (path.name, file)},
                headers=headers,
            )  # fmt: skip
        elapsed = time.perf_counter() - started
    response.raise_for_status()
    report = response.json()
    job = datetime.fromisoformat(report["finished_at"]) - datetime.fromisoformat(
        report["created_at"]
    )
    print(f"  request {elapsed:.2f} s, of which the job {job.total_seconds():.2f} s", flush=True)
    return {"seconds": elapsed, "report": report}


async def _sample_rss(pid: int, peak: list[float]) -> None:
    """The service's resident memory plus its children's (the reader process), every 20 ms."""
    while True:
        peak[0] = max(peak[0], sum(map(_rss_mb, [pid, *_children(pid)])))
        await asyncio.sleep(0.02)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    """Every descendant: the reader is forked by the forkserver, the service's child."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_children(int(child))]
    except OSError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000])
    parser.add_argument("--modes", nargs="+", default=["postgres", "sqlite"])
    parser.add_argument("--port", type=int, default=8193)
    add_json_option(parser)
    args = parser.parse_args()
    results: list[Figure] = []
    print(f"{'database':<10}{'rows':>8}{'MB':>6}{'import s':>10}{'rows/s':>9}{'raw rows/s':>12}"
          f"{'ratio':>7}{'again s':>9}{'peak MB':>9}")  # fmt: skip
    for rows in args.rows:
        path = Path(tempfile.gettempdir()) / f"mutabik-bench-movements-{rows}.xlsx"
        if not path.exists():
            generate(rows, path)
        raw, count = baseline(path)
        assert count == rows, count
        for mode in args.modes:
            f = asyncio.run(run(mode, path, rows, args.port))
            rate = rows / f["first_s"]
            print(f"{mode:<10}{rows:>8}{path.stat().st_size / 2**20:>6.1f}{f['first_s']:>10.2f}"
                  f"{rate:>9.0f}{raw:>12.0f}{rate / raw:>7.2f}{f['again_s']:>9.2f}"
                  f"{f['peak_mb']:>9.0f}", flush=True)  # fmt: skip
            results.append(Figure(
                f"import .xlsx {rows:,} movements, {mode}", rate, "rows/s",
                "python-calamine raw read", raw, rate / raw, "ratio ≥ 0.5", rate / raw >= 0.5,
            ))  # fmt: skip
    write_json(args.json, "import_xlsx", results)


if __name__ == "__main__":
    main()
