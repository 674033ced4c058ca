"""Ingest speed and memory, end to end: upload → stored → events relayed.

    .venv/bin/python bench/ingest_mt940.py                       # 100k movements, both modes
    .venv/bin/python bench/ingest_mt940.py --sizes 20000 100000  # memory flat in file size?

Each run starts bank-ingest as its own process — on SQLite with the in-process bus (embedded
mode's adapters), or on PostgreSQL with RabbitMQ (distributed) — uploads a generated MT940 file
of daily statements over HTTP and waits until the outbox is empty (every event confirmed by the
bus). Baseline: ``mt940.parse`` of the same text in this process. Peak memory is the service
process's VmHWM. Target (issue 3): distributed ≥ 50% of the baseline's movements/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
import httpx
import mt940
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402
from mt940_sample import generate  # noqa: E402
from service_process import PG, admin, api_key, peak_mb, wait_ready  # noqa: E402

from shared.tables import outbox  # noqa: E402

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def baseline(content: str, movements: int) -> float:
    started = time.perf_counter()
    parsed = mt940.parse(content)
    elapsed = time.perf_counter() - started
    assert len(parsed) == movements, len(parsed)
    return movements / elapsed


async def run(mode: str, path: Path, movements: int, port: int) -> dict[str, float]:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="mutabik-bench-"))
    if mode == "distributed":
        database = f"{PG}/{name}"
        await admin(f'CREATE DATABASE "{name}"')
        env = {"DATABASE_URL": database, "BUS_URL": AMQP, "QUEUE_PREFIX": name, "EXCHANGE": name}
    else:
        database = f"sqlite+aiosqlite:///{workdir / 'bank-ingest.sqlite3'}"
        env = {"DATABASE_URL": database, "BUS_URL": "memory://"}
    env |= {"HTTP_PORT": str(port), "MAX_UPLOAD_BYTES": str(2**31), "LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bank_ingest",
        env={**os.environ, **{f"MUTABIK_BANK_INGEST_{k}": v for k, v in env.items()}},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    engine = create_async_engine(database)
    try:
        base = f"http://127.0.0.1:{port}/bank-ingest"
        await wait_ready(base)
        headers = await api_key(engine, "operator")
        async with httpx.AsyncClient(timeout=600) as client:
            started = time.perf_counter()
            with path.open("rb") as file:
                response = await client.post(
                    f"{base}/statements", files={"file": ("big.sta", file)}, headers=headers
                )
            stored = time.perf_counter()
            response.raise_for_status()
            assert response.json()["movements_new"] == movements, response.text[:500]
            while await _backlog(engine):  # noqa: ASYNC110 - another process's table
                await asyncio.sleep(0.05)
            relayed = time.perf_counter()
        return {
            "stored_s": stored - started,
            "relayed_s": relayed - started,
            "rate": movements / (relayed - started),
            "peak_mb": peak_mb(process.pid),
        }
    finally:
        process.terminate()
        await process.wait()
        await engine.dispose()
        if mode == "distributed":
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await _delete_broker_objects(name)


async def _backlog(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(outbox))).scalar_one()


async def _delete_broker_objects(prefix: str) -> None:
    listing = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_queues", "name", stdout=subprocess.PIPE
    )
    names = (await listing.communicate())[0].decode().split()
    connection = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel()
        for queue in names:
            if queue.startswith(prefix):
                await channel.queue_delete(queue)
        await channel.exchange_delete(prefix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--modes", nargs="+", default=["embedded", "distributed"])
    parser.add_argument("--port", type=int, default=8191)
    add_json_option(parser)
    args = parser.parse_args()
    results: list[Figure] = []
    print(f"{'mode':<12}{'movements':>10}{'MB':>7}{'stored s':>10}{'relayed s':>10}"
          f"{'mov/s':>9}{'parse mov/s':>13}{'ratio':>7}{'peak MB':>9}")  # fmt: skip
    for size in args.sizes:
        content = generate(size)
        path = Path(tempfile.mkdtemp()) / "big.sta"
        path.write_bytes(content.encode("utf-8"))
        raw = baseline(content, size)
        for mode in args.modes:
            figures = asyncio.run(run(mode, path, size, args.port))
            print(f"{mode:<12}{size:>10}{path.stat().st_size / 2**20:>7.1f}"
                  f"{figures['stored_s']:>10.2f}{figures['relayed_s']:>10.2f}"
                  f"{figures['rate']:>9.0f}{raw:>13.0f}{figures['rate'] / raw:>7.2f}"
                  f"{figures['peak_mb']:>9.0f}", flush=True)  # fmt: skip
            ratio = figures["rate"] / raw
            results.append(Figure(
                f"ingest MT940 {size:,} movements, {mode}", figures["rate"], "movements/s",
                "mt940.parse", raw, ratio, *_target(mode, ratio),
            ))  # fmt: skip
    write_json(args.json, "ingest_mt940", results)


def _target(mode: str, ratio: float) -> tuple[str, bool | None]:
    """Issue 3's target is distributed mode's."""
    return ("ratio ≥ 0.5", ratio >= 0.5) if mode == "distributed" else ("", None)


if __name__ == "__main__":
    main()
