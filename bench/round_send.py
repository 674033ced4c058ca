"""A round of 5,000 letters from creation to every one "sent", against raw aiosmtplib.

    .venv/bin/python bench/round_send.py                       # 5,000 letters, both modes
    .venv/bin/python bench/round_send.py --letters 2000 --modes distributed

The SMTP server is aiosmtpd in a process of its own (``python -m aiosmtpd``, the Sink handler:
accepts everything). The data: as many counterparties as letters (each with an e-mail address)
and one movement each, loaded over the REST API. Timed: from ``POST /reconciliation/rounds``
(``send: true``) until ``GET /reconciliation/rounds/{id}`` counts every letter ``sent`` — balances
computed and frozen, letters stored, events through the outbox and the bus, rendered and sent by
the notifier, the outcomes back on the letters. The notifier runs without a rate limit
(``MUTABIK_NOTIFIER_MAX_PER_MINUTE=0``): the limit is a policy, not a cost.

Baseline: raw aiosmtplib (``sendmail``) sending the same number of letter-sized messages (text
and HTML, ~3 KB), already encoded, over one reused connection to the same server: the SMTP
conversation alone. Ratio: letters/s over the baseline's messages/s. A one-line message's rate
is printed too (the issue's ≈1,140 msg/s was measured with small messages).

- distributed: the five services and the gateway as processes (``mutabik.distributed.Cluster``)
  on PostgreSQL and RabbitMQ, databases and queues unique to the run and removed afterwards;
- embedded: ``mutabik up`` (one process, SQLite files, the in-process bus).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import aio_pika
import aiosmtplib
import asyncpg
import httpx
from sqlalchemy.engine import make_url

from mutabik.distributed import Cluster, DistributedConfig, create_databases
from mutabik.services import SERVICES
from mutabik.tenants import new_tenant_with_key, reconciliation_uow

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def smtp_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
         "-l", f"{HOST}:{port}"],
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the SMTP server did not start")


def env(smtp_port: int) -> dict[str, str]:
    return {
        "MUTABIK_NOTIFIER_SMTP_HOST": HOST,
        "MUTABIK_NOTIFIER_SMTP_PORT": str(smtp_port),
        "MUTABIK_NOTIFIER_SMTP_SENDER_ADDRESS": "mutabakat@demogida.com.tr",
        "MUTABIK_NOTIFIER_MAX_PER_MINUTE": "0",
    }


# The baseline -----------------------------------------------------------------------------------


def letter_message(n: int) -> EmailMessage:
    """About the size of a rendered letter: a text part and an HTML part."""
    message = EmailMessage()
    message["Subject"] = "31.12.2025 tarihli cari hesap mutabakatı"
    message["From"] = "Demo Gıda <mutabakat@demogida.com.tr>"
    message["To"] = f"muhasebe{n}@firma{n}.com.tr"
    body = (
        "Sayın Yetkili,\n\nKayıtlarımıza göre 31.12.2025 tarihi itibarıyla firmanızın bakiyesi "
        f"{n}.234,56 TL borç bakiyesi vermektedir.\n" * 6
    )
    message.set_content(body, cte="quoted-printable")
    message.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html",
                            cte="quoted-printable")  # fmt: skip
    return message


async def raw_rate(port: int, count: int, *, tiny: bool = False) -> float:
    """Messages/s of aiosmtplib over one reused connection, each message already in its wire
    form (building it is not timed: the SMTP conversation is). ``tiny``: a one-line message."""
    messages = [(_tiny(n) if tiny else letter_message(n)).as_bytes() for n in range(count)]
    client = aiosmtplib.SMTP(hostname=HOST, port=port, start_tls=False, timeout=30)
    await client.connect()
    sender = "mutabakat@demogida.com.tr"
    for n, message in enumerate(messages[:200]):  # warm up
        await client.sendmail(sender, [f"muhasebe{n}@firma{n}.com.tr"], message)
    started = time.perf_counter()
    for n, message in enumerate(messages):
        await client.sendmail(sender, [f"muhasebe{n}@firma{n}.com.tr"], message)
    elapsed = time.perf_counter() - started
    await client.quit()
    return count / elapsed


def _tiny(n: int) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "x", "a@demogida.com.tr", f"b{n}@x.com"
    message.set_content("hello")
    return message


# The round --------------------------------------------------------------------------------------


async def load_and_send(base: str, headers: dict[str, str], letters: int) -> dict[str, float]:
    parties = [
        {"code": f"120.{n:05d}", "title": f"Müşteri {n} Ticaret A.Ş.",
         "email": f"muhasebe{n}@firma{n}.com.tr"}
        for n in range(letters)
    ]  # fmt: skip
    movements = [
        {"code": f"120.{n:05d}", "document_date": "2025-11-20", "amount": f"{n + 1}.25",
         "currency": "TRY", "system_document_no": f"S{n}", "movement_type": 14,
         "control_key": f"K{n}"}
        for n in range(letters)
    ]  # fmt: skip
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
        for part in range(0, letters, 5000):
            (await client.put("/reconciliation/counterparties", json=parties[part:part + 5000])
             ).raise_for_status()  # fmt: skip
        response = await client.post(
            "/reconciliation/imports/movements", params={"wait": "true"}, json=movements
        )
        response.raise_for_status()
        validity = (date.today() + timedelta(days=14)).isoformat()
        body = {"kind": "balance", "as_of": "2025-12-31", "validity_date": validity,
                "description": "31.12.2025 tarihli cari hesap mutabakatı", "send": True}  # fmt: skip
        started = time.perf_counter()
        created = await client.post("/reconciliation/rounds", json=body)
        created.raise_for_status()
        queued = time.perf_counter()
        round_id = created.json()["id"]
        first = None
        while True:
            counts = (await client.get(f"/reconciliation/rounds/{round_id}")).json()["counts"]
            if counts["sent"] and first is None:
                first = time.perf_counter()
            if counts["sent"] + counts["failed"] == letters:
                break
            await asyncio.sleep(0.05)
        done = time.perf_counter()
        assert counts["failed"] == 0, counts
    return {
        "created_s": queued - started,
        "first_sent_s": (first or done) - started,
        "all_sent_s": done - started,
        "rate": letters / (done - started),
    }


async def distributed(letters: int, smtp_port: int) -> dict[str, float]:
    token = uuid.uuid4().hex[:8]
    config = DistributedConfig(
        postgres_url=PG, amqp_url=AMQP, database_prefix=f"bench_round_{token}",
        queue_prefix=f"bench.round.{token}", exchange=f"bench.round.{token}.events",
        host=HOST, gateway_port=free_port(), base_port=free_port() + 100,
        log_dir=Path(tempfile.mkdtemp()), extra_env=env(smtp_port),
    )  # fmt: skip
    cluster = Cluster(config)
    try:
        await create_databases(config)
        async with reconciliation_uow(config.database_url("reconciliation")) as uow:
            _, issued = await new_tenant_with_key(uow, f"Bench {token}")
        cluster.start()
        await asyncio.to_thread(cluster.wait_ready, 90)
        headers = {"Authorization": f"Bearer {issued.api_key}"}
        await wait_key(cluster.url, headers)
        return await load_and_send(cluster.url, headers, letters)
    finally:
        cluster.stop()
        await drop(config)


async def wait_key(base: str, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=base, headers=headers) as client:
        for _ in range(300):
            if (await client.get("/reconciliation/tenant")).status_code == 200:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("the key does not work")


async def drop(config: DistributedConfig) -> None:
    server = make_url(config.postgres_url)
    connection = await asyncpg.connect(host=server.host, port=server.port, user="postgres")
    try:
        for service in SERVICES:
            name = make_url(config.database_url(service)).database
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
    listing = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_queues", "name", stdout=subprocess.PIPE
    )  # fmt: skip
    names = (await listing.communicate())[0].decode().split()
    connection = await aio_pika.connect(config.amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in names:
            if queue.startswith(config.queue_prefix + "."):
                await channel.queue_delete(queue)
        await channel.exchange_delete(config.exchange)


async def embedded(letters: int, smtp_port: int) -> dict[str, float]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mutabik", "up", "--data-dir", tempfile.mkdtemp(),
        "--port", str(port), "--log-level", "WARNING",
        env={**os.environ, **env(smtp_port)}, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        key = await _printed_key(process)
        drain = asyncio.create_task(_drain(process))  # a full pipe would stop the server
        return await load_and_send(f"http://{HOST}:{port}", {"Authorization": f"Bearer {key}"},
                                   letters)  # fmt: skip
    finally:
        process.terminate()
        await process.wait()
        if "drain" in locals():
            await drain


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while await process.stdout.read(65536):
        pass


async def _printed_key(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    while line := (await process.stdout.readline()).decode():
        found = re.search(r"(mtk_\S+)", line)
        if found:
            return found.group(1)
    raise RuntimeError("mutabik up printed no key")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=5_000)
    parser.add_argument("--modes", nargs="+", default=["distributed", "embedded"])
    add_json_option(parser)
    args = parser.parse_args()
    results: list[Figure] = []
    smtp_port = free_port()
    server = smtp_server(smtp_port)
    try:
        tiny = asyncio.run(raw_rate(smtp_port, args.letters, tiny=True))
        base = asyncio.run(raw_rate(smtp_port, args.letters))
        print(
            f"raw aiosmtplib, one reused connection: {base:.0f} msg/s letter-sized "
            f"(the baseline), {tiny:.0f} msg/s one-line",
            flush=True,
        )
        print(f"{'mode':<12}{'letters':>8}{'created s':>10}{'first sent s':>13}"
              f"{'all sent s':>11}{'letters/s':>10}{'ratio':>7}")  # fmt: skip
        for mode in args.modes:
            run = distributed if mode == "distributed" else embedded
            figures = asyncio.run(run(args.letters, smtp_port))
            print(f"{mode:<12}{args.letters:>8}{figures['created_s']:>10.2f}"
                  f"{figures['first_sent_s']:>13.2f}{figures['all_sent_s']:>11.2f}"
                  f"{figures['rate']:>10.0f}{figures['rate'] / base:>7.2f}", flush=True)  # fmt: skip
            results.append(Figure(
                f"round of {args.letters:,} letters created → all sent, {mode}", figures["rate"],
                "letters/s", "raw aiosmtplib, letter-sized, one connection", base,
                figures["rate"] / base,
            ))  # fmt: skip
        write_json(args.json, "round_send", results)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
