"""Fault: the SMTP server is down for a while.

The notifier sends through the system server at a port where nothing listens. A round's letters
are tried, retried after each of ``RETRY_DELAYS``, and then failed, the reason on each letter at
reconciliation. The server starts; the failed letters are resent and each arrives exactly once.
Then the server goes down again while a second round is sent, and comes back before the retries
run out: the retries deliver each letter exactly once, with no resend."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from email.message import EmailMessage

import pytest

from .conftest import (
    books_for_a_round,
    free_port,
    round_counts,
    send_round,
    smtp_server,
    wait_for,
)

pytestmark = pytest.mark.slow

LETTERS = 20
RETRY_DELAYS = (0.5, 2.0, 2.0)
ATTEMPTS = len(RETRY_DELAYS) + 1
FIRST, SECOND = "Sunucu kapalıyken gönderilen mutabakat", "Kısa kesintide gönderilen mutabakat"


def _address(n: int) -> str:
    return f"muhasebe{n:05d}@musteri.com.tr"


def _per_recipient(received: list[tuple[list[str], EmailMessage]], subject: str) -> Counter:
    return Counter(
        address for rcpt, message in received if message["Subject"] == subject for address in rcpt
    )


async def test_letters_fail_while_smtp_is_down_and_go_once_when_it_is_back(distributed) -> None:
    port = free_port()  # nothing listens here until the server "comes back"
    env = {
        "MUTABIK_NOTIFIER_SMTP_PORT": str(port),
        "MUTABIK_NOTIFIER_SEND_RETRY_DELAYS": json.dumps(RETRY_DELAYS),
    }
    async with distributed(extra_env=env) as run:
        call = run.call
        box = type(run.mail)(refuse=set())
        await books_for_a_round(call, LETTERS)

        # 1. Down the whole time: every attempt refused, then each letter failed with the reason.
        first = await send_round(call, FIRST)

        async def all_failed() -> bool:
            return await round_counts(call, first) == {"failed": LETTERS}

        await wait_for(all_failed, within=30 + sum(RETRY_DELAYS), what="every letter failed")
        letters = (await call("GET", f"/reconciliation/rounds/{first}/letters"))["items"]
        assert len(letters) == LETTERS
        for n, letter in enumerate(letters):  # by code: 120.01.00000, 120.01.00001, ...
            reason = letter["reason"]
            assert reason.startswith(f"not delivered to {_address(n)}: connect: "), reason
            assert f"Connect call failed ('127.0.0.1', {port})" in reason, reason
            assert reason.endswith(f"(still not accepted after {ATTEMPTS} attempts)"), reason
        one = letters[0]
        [email] = await call("GET", f"/reconciliation/letters/{one['id']}/emails")
        assert email["outcome"] == "failed"
        assert [(a["outcome"], a["code"]) for a in email["attempts"]] == [
            ("temporary", None)
        ] * ATTEMPTS
        history = await call("GET", f"/reconciliation/letters/{one['id']}/history")
        assert [(h["event"], h["state"]) for h in history] == [
            ("prepared", "prepared"), ("queued", "queued"), ("email_failed", "failed"),
        ]  # fmt: skip
        queue = await call("GET", "/notifier/letter-emails/queue")
        assert queue == {"pending": 0, "retrying": 0, "sent": 0, "failed": LETTERS}
        assert box.received == []

        # 2. The server is back; the operator resends the failed letters: each arrives once.
        controller = await smtp_server(box, port)
        try:
            resent = await call("POST", f"/reconciliation/rounds/{first}/resend", expect=202,
                                json={"which": "failed"})  # fmt: skip
            assert resent == {"queued": LETTERS}

            async def all_sent() -> bool:
                return await round_counts(call, first) == {"sent": LETTERS}

            await wait_for(all_sent, within=30, what="every resent letter sent")
            await asyncio.sleep(RETRY_DELAYS[0] + 1)  # a second copy would have come by now
            assert _per_recipient(box.received, FIRST) == {_address(n): 1 for n in range(LETTERS)}
            assert len(box.received) == LETTERS
            history = await call("GET", f"/reconciliation/letters/{one['id']}/history")
            assert [(h["event"], h["state"]) for h in history][-2:] == [
                ("resend_queued", "queued"), ("email_sent", "sent"),
            ]  # fmt: skip
        finally:
            controller.stop()

        # 3. Down again while another round goes out; back before the retries run out.
        second = await send_round(call, SECOND, as_of="2025-12-30")

        async def each_tried_once() -> bool:
            page = await call("GET", "/notifier/letter-emails", params={"round_id": second})
            return len(page["items"]) == LETTERS and all(
                e["state"] == "pending" and e["attempts"] for e in page["items"]
            )

        await wait_for(each_tried_once, within=30, what="the second round's first attempts")
        controller = await smtp_server(box, port)
        try:

            async def second_sent() -> bool:
                return await round_counts(call, second) == {"sent": LETTERS}

            await wait_for(second_sent, within=30 + sum(RETRY_DELAYS), what="retries deliver")
            await asyncio.sleep(RETRY_DELAYS[0] + 1)
            assert _per_recipient(box.received, SECOND) == {_address(n): 1 for n in range(LETTERS)}
            assert len(box.received) == 2 * LETTERS
            emails = (await call("GET", "/notifier/letter-emails",
                                 params={"round_id": second}))["items"]  # fmt: skip
            for email in emails:
                outcomes = [a["outcome"] for a in email["attempts"]]
                assert outcomes[-1] == "sent" and outcomes.count("sent") == 1, outcomes
                assert set(outcomes[:-1]) == {"temporary"}, outcomes
            queue = await call("GET", "/notifier/letter-emails/queue")
            # the first round's failed e-mails stay failed: the resends were new e-mails
            assert queue == {"pending": 0, "retrying": 0, "sent": 2 * LETTERS, "failed": LETTERS}
        finally:
            controller.stop()
