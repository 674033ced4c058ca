"""Fault: RabbitMQ stopped and started in the middle of a 1,000-letter round.

The round's e-mails travel reconciliation → RabbitMQ → notifier → SMTP, and the delivery reports
notifier → RabbitMQ → reconciliation. The broker is stopped (``rabbitmqctl stop_app``) once
some letters have arrived at the SMTP server and not all, for a few seconds. Meanwhile the
outboxes keep what they could not publish, the services report the bus unavailable, and the
notifier goes on sending what it already has. When the broker is back, every letter has been
e-mailed exactly once and every letter of the round is ``sent``."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from mutabik.services import SERVICES

from .conftest import books_for_a_round, round_counts, run_command, send_round, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.broker_outage]

LETTERS = 1000
PER_MINUTE = 6000
"""100 e-mails a second: the round takes ~10 s to send, time enough to stop the broker in it."""
OUTAGE_SECONDS = 3.0
SUBJECT = "Broker kesintisinde mutabakat"


async def test_letters_go_once_when_rabbitmq_restarts_mid_round(distributed) -> None:
    env = {"MUTABIK_NOTIFIER_MAX_PER_MINUTE": str(PER_MINUTE)}
    async with distributed(extra_env=env) as run:
        call, mail = run.call, run.mail
        await books_for_a_round(call, LETTERS)
        round_id = await send_round(call, SUBJECT)

        await wait_for(lambda: len(mail.received) >= LETTERS // 10, within=60, every=0.05,
                       what="the first letters at the SMTP server")  # fmt: skip
        try:
            await run_command("rabbitmqctl", "stop_app")
            at_stop = len(mail.received)
            assert at_stop < LETTERS, "the round was sent before the broker could be stopped"

            async def bus_unavailable() -> bool:
                answer = await run.client.get("/notifier/readyz")
                return answer.status_code == 503 and answer.json()["bus"] == "unavailable"

            await wait_for(bus_unavailable, within=10, what="notifier reports the bus down")
            await asyncio.sleep(OUTAGE_SECONDS)
            # the notifier went on sending; its reports wait in its outbox
            readiness = (await run.client.get("/notifier/readyz")).json()
            assert readiness["outbox_backlog"] > 0, readiness
            assert len(mail.received) > at_stop
        finally:
            await run_command("rabbitmqctl", "start_app")
            await run_command("rabbitmqctl", "await_startup")
        answers = await asyncio.to_thread(run.cluster.wait_ready, 60)
        assert set(answers) == set(SERVICES)

        async def all_sent() -> bool:
            return await round_counts(call, round_id) == {"sent": LETTERS}

        await wait_for(all_sent, within=90, what=f"all {LETTERS} letters sent")
        await asyncio.sleep(1.0)  # a late duplicate would arrive by now
        per_recipient = Counter(address for rcpt, _ in mail.received for address in rcpt)
        assert len(per_recipient) == LETTERS
        assert per_recipient.most_common(1)[0][1] == 1, "a letter e-mailed twice"
        assert len(mail.received) == LETTERS
        assert {message["Subject"] for _, message in mail.received} == {SUBJECT}

        letters = (await call("GET", f"/reconciliation/rounds/{round_id}/letters",
                              params={"limit": LETTERS}))["items"]  # fmt: skip
        assert len(letters) == LETTERS
        assert {(x["state"], x["sends"], x["reason"]) for x in letters} == {("sent", 1, "")}
        for letter in letters[:: LETTERS // 20]:  # each delivery report applied once
            history = await call("GET", f"/reconciliation/letters/{letter['id']}/history")
            assert [h["event"] for h in history] == ["prepared", "queued", "email_sent"], history
        queue = await call("GET", "/notifier/letter-emails/queue")
        assert queue == {"pending": 0, "retrying": 0, "sent": LETTERS, "failed": 0}
        for service in SERVICES:
            assert await call("GET", f"/{service}/dead-letters") == [], service
