"""The statements side end to end, in embedded mode (every service, one in-process bus):
counterparties from reconciliation → statement uploaded to bank-ingest → proposals in matcher →
the operator confirms → the ERP pulls and acknowledges the vouchers → bank-ingest shows the
movements exported. Then every event of the run is delivered again: nothing changes."""

from __future__ import annotations

from shared.testing import eventually


async def test_statement_to_acknowledged_vouchers_and_back_to_bank_ingest(running, statement_flow):
    system = running
    before = await statement_flow.run(system.call)
    assert before["matcher"] == {"exported": 2}
    assert len(before["bank_ingest"]) == 2

    # every event of the run, delivered again: each service recognises each one as a duplicate
    handled = system.outcomes("handled")
    assert handled["matcher"] >= 4 and handled["bank-ingest"] >= 1
    await system.bus.publish(list(system.events))
    await eventually(lambda: system.outcomes("duplicate") == handled, what="all duplicates")
    assert system.outcomes("handled") == handled
    assert await statement_flow.state(system.call) == before
