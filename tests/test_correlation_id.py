"""One correlation id follows a statement from its upload to its voucher across the services'
logs, in distributed mode (five processes, PostgreSQL, RabbitMQ): the upload's id is in
bank-ingest's lines of the import and of the relay, and in matcher's lines of the event handled,
the proposals and the voucher issued; the ERP's acknowledgement brings its own id back to
bank-ingest."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from mutabik.services import SERVICES, env_prefix
from shared.testing import eventually

pytestmark = pytest.mark.slow

EVENT_DEADLINE = 20.0
UPLOAD = ("POST", "/bank-ingest/statements")
ACKNOWLEDGE = ("POST", "/matcher/vouchers/acknowledge")


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The process's structlog lines (its other output — uvicorn, tracebacks — left out)."""
    found = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def under(lines: list[dict[str, Any]], correlation_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("correlation_id") == correlation_id]


def one(lines: list[dict[str, Any]], event: str) -> dict[str, Any]:
    chosen = [line for line in lines if line["event"] == event]
    assert len(chosen) == 1, (event, lines)
    return chosen[0]


async def test_one_correlation_id_follows_a_statement_to_its_voucher(distributed, statement_flow):
    upload_id, ack_id = f"upload-{uuid.uuid4().hex}", f"erp-ack-{uuid.uuid4().hex}"
    info = {f"{env_prefix(entry)}LOG_LEVEL": "INFO" for entry in SERVICES.values()}
    async with distributed(extra_env=info) as run:
        for service in SERVICES:  # readiness in distributed mode: its database and RabbitMQ
            ready = await run.client.get(f"/{service}/readyz")
            assert ready.status_code == 200, ready.text
            assert (ready.json()["database"], ready.json()["bus"]) == ("ok", "ok")

        async def call(method: str, path: str, *, expect: int = 200, **kwargs) -> Any:
            """The flow's calls; the upload and the ERP's acknowledgement carry our ids."""
            chosen = {UPLOAD: upload_id, ACKNOWLEDGE: ack_id}.get((method, path))
            headers = {**run.headers, **({"X-Correlation-ID": chosen} if chosen else {})}
            answer = await run.client.request(method, path, headers=headers, **kwargs)
            assert answer.status_code == expect, (path, answer.status_code, answer.text)
            if chosen:
                assert answer.headers["x-correlation-id"] == chosen
            return answer.json() if answer.content else None

        await statement_flow.run(call, within=EVENT_DEADLINE)
        logs = run.config.log_dir

        def bank_ingest_saw_the_acknowledgement() -> bool:
            lines = under(json_lines(logs / "bank-ingest.log"), ack_id)
            return any(line["event"] == "event handled" for line in lines)

        await eventually(
            bank_ingest_saw_the_acknowledgement, within=EVENT_DEADLINE, what="the last log line"
        )
        bank_ingest = json_lines(logs / "bank-ingest.log")
        matcher = json_lines(logs / "matcher.log")

    # The upload: bank-ingest reads the file and relays its events under the request's id ...
    uploaded = under(bank_ingest, upload_id)
    read = one(uploaded, "statement file read")
    assert (read["movements_new"], read["movements_duplicate"], read["statements"]) == (2, 0, 1)
    assert (read["file"], read["format"], read["level"]) == ("garanti.sta", "mt940", "info")
    relayed = [line for line in uploaded if line["event"] == "events published"]
    assert sum(line["types"].get("bank_ingest.movements.recorded", 0) for line in relayed) == 1

    # ... matcher takes the movements in under the same id: proposals, and the sure one's voucher.
    taken_in = under(matcher, upload_id)
    handled = [line for line in taken_in if line["event"] == "event handled"]
    assert "bank_ingest.movements.recorded" in {line["type"] for line in handled}
    proposals = one(taken_in, "movements received, proposals made")
    counts = {key: proposals[key] for key in ("movements_new", "auto_confirmed", "proposed")}
    assert counts == {"movements_new": 2, "auto_confirmed": 1, "proposed": 1}
    voucher = one(taken_in, "vouchers issued")
    assert (voucher["vouchers"], voucher["actor"]) == (1, "auto")

    # The ERP's acknowledgement: matcher exports both vouchers, bank-ingest marks the movements.
    acknowledged = one(under(matcher, ack_id), "vouchers acknowledged")
    counts = {key: acknowledged[key] for key in ("vouchers", "exported", "refused")}
    assert counts == {"vouchers": 2, "exported": 2, "refused": 0}
    published = [line for line in under(matcher, ack_id) if line["event"] == "events published"]
    assert [line["types"] for line in published] == [{"matcher.movements.processed": 1}]
    marked = one(under(bank_ingest, ack_id), "movements marked processed")
    assert (marked["movements"], marked["state"]) == (2, "exported")
