"""Each service's Prometheus text at ``/<service>/metrics`` in embedded mode, after real traffic:
HTTP calls, events handled, a poison event dead-lettered, a round whose two letters go to a real
SMTP server (aiosmtpd on loopback) — one accepted, one refused with 550. Every counter is checked
for its exact value; readiness says what is away."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.bus import SUBSCRIPTIONS, topic_matches
from shared.events import Envelope, MovementsRecorded
from shared.testing import eventually

SERVICES = tuple(SUBSCRIPTIONS)
GOOD = "muhasebe@ozturkinsaat.com.tr"
REFUSED = "yok@acme-gmbh.de"  # conftest's Mailbox answers 550 for it

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def of(found: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of one metric, by their labels."""
    return {labels: value for (sample, labels), value in found.items() if sample == name}


def labels(**given: str) -> frozenset[tuple[str, str]]:
    return frozenset(given.items())


@pytest.fixture
def smtp_to_mailbox(monkeypatch, mailbox) -> None:
    _, port = mailbox
    for name, value in {
        "MUTABIK_NOTIFIER_SMTP_HOST": "127.0.0.1",
        "MUTABIK_NOTIFIER_SMTP_PORT": str(port),
        "MUTABIK_NOTIFIER_SMTP_SENDER_ADDRESS": "mutabakat@demogida.com.tr",
        "MUTABIK_NOTIFIER_SEND_POLL_SECONDS": "0.2",
    }.items():
        monkeypatch.setenv(name, value)


async def round_of_two_letters(call) -> str:
    """A balance round to two counterparties: one whose server accepts, one it refuses."""
    await call("PUT", "/reconciliation/tenant/profile", json={
        "legal_name": "Demo Gıda San. ve Tic. A.Ş.", "tax_office": "Kozyatağı",
        "tax_id": "4540536920"})  # fmt: skip
    await call("PUT", "/reconciliation/counterparties", json=[
        {"code": "120.01.005", "title": "Öztürk İnşaat Ltd. Şti.", "email": GOOD},
        {"code": "120.01.006", "title": "Acme GmbH", "email": REFUSED, "language": "en"},
    ])  # fmt: skip
    movements = [
        {"code": code, "document_date": "2025-11-20", "amount": amount, "currency": "TRY",
         "system_document_no": key, "movement_type": 14, "control_key": key}
        for code, amount, key in [("120.01.005", "1234.56", "K1"), ("120.01.006", "-2500", "K2")]
    ]  # fmt: skip
    await call("POST", "/reconciliation/imports/movements", params={"wait": "true"},
               json=movements)  # fmt: skip
    validity = (date.today() + timedelta(days=7)).isoformat()
    created = await call("POST", "/reconciliation/rounds", expect=201, json={
        "kind": "balance", "as_of": "2025-12-31", "validity_date": validity,
        "description": "31.12.2025 tarihli cari hesap mutabakatı", "send": True})  # fmt: skip
    return created["id"]


async def test_every_service_counts_its_traffic_exactly(smtp_to_mailbox, running, mailbox):
    mail, _ = mailbox
    await running.call("GET", "/matcher/own-accounts")
    await running.call("GET", "/matcher/own-accounts")
    await running.call("GET", "/bank-ingest/accounts/no-such-id", expect=422)

    round_id = await round_of_two_letters(running.call)

    async def letters_settled() -> bool:
        page = await running.call("GET", f"/reconciliation/rounds/{round_id}/letters")
        found = {x["code"]: x["state"] for x in page["items"]}
        return found == {"120.01.005": "sent", "120.01.006": "failed"}

    await eventually(letters_settled, within=15, what="one letter sent, one refused")
    assert [rcpt for rcpt, _ in mail.received] == [[GOOD]]

    poison = Envelope(
        type=MovementsRecorded.type, version=MovementsRecorded.version, tenant=uuid.uuid4(),
        correlation_id="metrics-test", payload={"movements": "not a list"},
    )  # fmt: skip
    await running.bus.publish([poison])

    # What the services must have counted follows from what crossed the bus (the observer saw
    # every event): each subscriber handled each event of the types it has a handler for once.
    async def scrape() -> dict[str, Samples]:
        found = {}
        for service in SERVICES:
            answer = await running.client.get(f"/{service}/metrics")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/plain")
            found[service] = samples(answer.text)
        return found

    async def settled() -> bool:
        found = await scrape()
        published = sum(of(found[s], "mutabik_outbox_published_total")[labels()] for s in SERVICES)
        backlog = sum(of(found[s], "mutabik_outbox_backlog")[labels()] for s in SERVICES)
        failed = of(found["matcher"], "mutabik_events_consumed_total").get(
            labels(type=MovementsRecorded.type, outcome="failed")
        )
        return published == len(running.events) - 1 and backlog == 0 and failed == 1

    await eventually(settled, within=15, what="every event relayed and consumed")
    found = await scrape()
    seen = Counter(e.type for e in running.events if e.id != poison.id)

    def handled(service: str, *types: str) -> dict[frozenset[tuple[str, str]], float]:
        for kind in types:
            assert any(topic_matches(p, kind) for p in SUBSCRIPTIONS[service]), (service, kind)
        return {labels(type=kind, outcome="handled"): float(seen[kind]) for kind in types}

    api_key = "reconciliation.api_key.issued"
    consumed = {
        service: of(found[service], "mutabik_events_consumed_total") for service in SERVICES
    }
    assert seen[api_key] == 1 and seen["reconciliation.counterparties.changed"] == 1
    assert consumed["bank-ingest"] == handled("bank-ingest", api_key)
    assert consumed["matcher"] == {
        **handled("matcher", api_key, "reconciliation.counterparties.changed"),
        labels(type=MovementsRecorded.type, outcome="failed"): 1.0,
    }
    assert consumed["notifier"] == handled("notifier", api_key, "reconciliation.letters.queued")
    assert consumed["portal"] == handled("portal", api_key, "reconciliation.letters.issued")
    assert seen["notifier.letters.delivered"] >= 1  # one per batch the sender settled
    assert consumed["reconciliation"] == handled("reconciliation", "notifier.letters.delivered")

    for service in SERVICES:
        own = service.replace("-", "_") + "."
        published = of(found[service], "mutabik_outbox_published_total")
        assert published == {labels(): float(sum(n for t, n in seen.items() if t.startswith(own)))}
        assert of(found[service], "mutabik_outbox_backlog") == {labels(): 0.0}
        parked = 1.0 if service == "matcher" else 0.0
        assert of(found[service], "mutabik_dead_letters") == {labels(): parked}
        assert of(found[service], "mutabik_service_info") == {labels(service=service): 1.0}

    assert of(found["notifier"], "mutabik_emails_total") == {
        labels(kind="letter", outcome="sent"): 1.0,
        labels(kind="letter", outcome="failed"): 1.0,
    }
    assert of(found["notifier"], "mutabik_smtp_attempts_total") == {
        labels(outcome="sent"): 1.0,
        labels(outcome="permanent"): 1.0,
    }
    for service in set(SERVICES) - {"notifier"}:
        assert of(found[service], "mutabik_emails_total") == {}

    latency = "mutabik_http_request_duration_seconds_count"
    matcher_calls = of(found["matcher"], latency)
    assert matcher_calls[labels(method="GET", route="/own-accounts", status="200")] == 2.0
    bank_calls = of(found["bank-ingest"], latency)
    assert bank_calls[labels(method="GET", route="/accounts/{account_id}", status="422")] == 1.0
    assert {dict(k)["route"] for k in bank_calls} == {"/accounts/{account_id}", "/metrics"}

    # The same figures as the exposition format writes them, as Prometheus reads them.
    text = (await running.client.get("/notifier/metrics")).text
    assert 'mutabik_emails_total{kind="letter",outcome="sent"} 1.0' in text.splitlines()
    assert "# TYPE mutabik_dead_letters gauge" in text.splitlines()


async def test_readiness_says_database_and_bus(running):
    for service in SERVICES:
        answer = await running.client.get(f"/{service}/readyz")
        assert answer.status_code == 200
        assert answer.json() == {
            "status": "ready", "service": service, "database": "ok", "bus": "ok",
            "outbox_backlog": 0,
        }  # fmt: skip

    await running.bus.close()  # the in-process bus stands for the broker going away
    answer = await running.client.get("/matcher/readyz")
    assert answer.status_code == 503
    body = answer.json()
    assert (body["status"], body["database"], body["bus"]) == ("not ready", "ok", "unavailable")
