"""e-Mutabakat end to end in embedded mode: a round created at reconciliation, its e-mails sent
by the notifier to a real SMTP server (aiosmtpd on loopback), the outcomes back on every letter,
a resend, and expiry at the validity date. Then every event of the run is delivered again:
nothing changes, and no e-mail goes out twice."""

from __future__ import annotations

import pytest

from shared.testing import eventually


@pytest.fixture
def fast_clocks(monkeypatch, mailbox) -> None:
    """The system SMTP server is the test's; the sender and the round clock look often."""
    _, port = mailbox
    for name, value in {
        "MUTABIK_NOTIFIER_SMTP_HOST": "127.0.0.1",
        "MUTABIK_NOTIFIER_SMTP_PORT": str(port),
        "MUTABIK_NOTIFIER_SMTP_SENDER_ADDRESS": "mutabakat@demogida.com.tr",
        "MUTABIK_NOTIFIER_SEND_POLL_SECONDS": "0.2",
        "MUTABIK_RECONCILIATION_ROUND_CLOCK_SECONDS": "0.2",
    }.items():
        monkeypatch.setenv(name, value)


async def test_round_to_completed_in_embedded_mode(fast_clocks, running, mailbox, round_flow):
    mail, _ = mailbox
    database = running.apps["reconciliation"].state.runtime.settings.database_url

    async def pass_validity(round_id: str) -> None:
        await round_flow.pass_validity_in(database, round_id)

    final = await round_flow.run(running.call, mail, pass_validity)
    letters = await running.call("GET", f"/reconciliation/rounds/{final['id']}/letters")
    received = len(mail.received)

    handled = running.outcomes("handled")
    assert handled["notifier"] >= 3 and handled["reconciliation"] >= 3
    await running.bus.publish(list(running.events))
    await eventually(lambda: running.outcomes("duplicate") == handled, what="all duplicates")
    assert running.outcomes("handled") == handled
    assert len(mail.received) == received
    assert await running.call("GET", f"/reconciliation/rounds/{final['id']}/letters") == letters
