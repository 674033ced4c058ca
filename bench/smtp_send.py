"""Sending speed of the delivery core (notifier.delivery.deliver) against raw aiosmtplib.

    .venv/bin/python bench/smtp_send.py                   # 5,000 messages
    .venv/bin/python bench/smtp_send.py --messages 20000 --connections 1 4 10

An aiosmtpd server on 127.0.0.1 (its own thread and event loop, a handler that only counts)
takes every message. Baseline: raw aiosmtplib, ``send_message`` in a loop on one client (one
reused connection); also raw over 10 concurrent clients. Each ``deliver()`` run sends the same
messages (one recipient each) and must get every one ``sent``. Ratio: msg/s over the raw
one-connection figure. Client and server share one machine (and the server one GIL), so the
figures are an upper bound of what the client side costs, not of a real MTA.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from notifier.delivery import Outgoing, deliver
from notifier.smtp import Security, SmtpServer

sys.path.insert(0, str(Path(__file__).parent))
from figures import Figure, add_json_option, write_json  # noqa: E402

SENDER = "mutabakat@ornek.com.tr"


class Counter:
    """Accepts everything and keeps only a count."""

    def __init__(self) -> None:
        self.messages = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages += 1
        return "250 2.0.0 OK"


def messages(count: int) -> list[EmailMessage]:
    out = []
    for n in range(count):
        message = EmailMessage()
        message["Subject"] = f"Cari hesap mutabakatı {n}"
        message["From"] = SENDER
        message["To"] = f"alici{n % 100}@example.com"
        message.set_content(f"Sayın yetkili,\n\n31.12.2025 tarihli bakiyemiz {n},00 TL.\n" * 20)
        out.append(message)
    return out


async def raw(port: int, batch: list[EmailMessage], clients: int) -> float:
    """Seconds to send ``batch`` with aiosmtplib over ``clients`` concurrent connections."""

    async def one(part: list[EmailMessage]) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=30)
        await client.connect()
        for message in part:
            await client.send_message(message)
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(one(batch[n::clients]) for n in range(clients)))
    return time.perf_counter() - started


async def core(port: int, batch: list[EmailMessage], connections: int) -> float:
    server = SmtpServer("127.0.0.1", port, Security.NONE, "", SecretStr(""), "Bench", SENDER)
    outgoing = [Outgoing(str(n), m, (str(m["To"]),)) for n, m in enumerate(batch)]
    started = time.perf_counter()
    attempts = await deliver(server, outgoing, connections=connections, timeout=30)
    elapsed = time.perf_counter() - started
    assert {a.outcome for a in attempts} == {"sent"}, {a.reply for a in attempts}
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4, 10])
    parser.add_argument("--port", type=int, default=8325)
    add_json_option(parser)
    args = parser.parse_args()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        batch = messages(args.messages)
        asyncio.run(raw(args.port, batch[:200], 1))  # warm up
        counter.messages = 0
        base = args.messages / asyncio.run(raw(args.port, batch, 1))
        runs = [("raw aiosmtplib", 1, base)]
        runs.append(("raw aiosmtplib", 10, args.messages / asyncio.run(raw(args.port, batch, 10))))
        for connections in args.connections:
            seconds = asyncio.run(core(args.port, batch, connections))
            runs.append(("deliver()", connections, args.messages / seconds))
        expected = args.messages * len(runs)
        assert counter.messages == expected, (counter.messages, expected)
    finally:
        controller.stop()
    print(f"{'sender':<16}{'connections':>12}{'messages':>10}{'msg/s':>9}{'ratio':>7}")
    for name, connections, rate in runs:
        print(f"{name:<16}{connections:>12}{args.messages:>10}{rate:>9.0f}{rate / base:>7.2f}")
    write_json(args.json, "smtp_send", [
        Figure(f"{name} {args.messages:,} messages, {connections} connection"
               f"{'s' if connections > 1 else ''}", rate, "messages/s",
               "raw aiosmtplib, one connection", base, rate / base)
        for name, connections, rate in runs[2:]
    ])  # fmt: skip


if __name__ == "__main__":
    main()
