"""Rounds on reconciliation alone: letters prepared with frozen amounts, the ones that cannot go
listed, queued e-mails announced, and the letter moved by what the notifier and the portal
report (published here as they would) and by the clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from reconciliation import identity
from reconciliation.round_clock import business_today, tick
from shared.auth import Role
from shared.events import (
    Envelope,
    LetterAnswered,
    LetterEmailsDelivered,
    LetterEmailsQueued,
    LettersIssued,
    LetterViewed,
)
from shared.testing import eventually, grant_key

TODAY = business_today("Europe/Istanbul")
VALID = (TODAY + timedelta(days=10)).isoformat()


def party(code: str, title: str, **fields) -> dict:
    return {"code": code, "title": title, **fields}


def move(key: str, code: str, amount: str, *, currency: str = "TRY", local: str | None = None,
         day: str = "2025-06-15") -> dict:  # fmt: skip
    return {"code": code, "document_date": day, "amount": amount, "local_amount": local or amount,
            "currency": currency, "system_document_no": key, "movement_type": 14,
            "control_key": key}  # fmt: skip


def babs(key: str, code: str, base: str, *, form: str = "BA", document_no: str = "") -> dict:
    return {"code": code, "period": "2025-06-Haziran", "document_date": "2025-06-10",
            "document_no": document_no or f"GIB{key}", "base_amount": base,
            "system_document_no": key, "form": form, "control_key": key}  # fmt: skip


async def load_books(service) -> None:
    parties = [
        party("120.001", "Öztürk İnşaat Ltd. Şti.", email="muhasebe@ozturk.com.tr", language="tr",
              contacts=[{"name": "Mehmet Öztürk", "email": "mehmet@ozturk.com.tr",
                         "reconciliation_contact": True},
                        {"name": "Ali Veli", "email": "ali@ozturk.com.tr"}]),
        party("120.002", "Acme GmbH", email="finance@acme.com.tr", language="en"),
        party("120.003", "Adressiz A.Ş."),
        party("120.004", "Pasif Ltd.", email="pasif@sifir.com.tr", active=False),
        party("120.005", "Sıfır Bakiye A.Ş.", email="sifir@sifir.com.tr"),
    ]  # fmt: skip
    assert (await service.put(parties)).status_code == 200
    movements = [
        move("M1", "120.001", "1500.25"), move("M2", "120.001", "-500"),
        move("M3", "120.002", "-200", currency="USD", local="-6800"),
        move("M4", "120.003", "50"), move("M5", "120.004", "70"),
        move("M6", "120.005", "100"), move("M7", "120.005", "-100"),
        move("M8", "120.009", "10"),  # a code without a card
    ]  # fmt: skip
    response = await service.client.post(
        "/imports/movements", json=movements, params={"wait": "true"}, headers=service.auth
    )
    assert response.status_code == 200, response.text


async def create(service, **body) -> dict:
    body = {"kind": "balance", "as_of": "2025-12-31", "validity_date": VALID,
            "description": "31.12.2025 bakiye mutabakatı", **body}  # fmt: skip
    response = await service.client.post("/rounds", json=body, headers=service.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def letters_of(service, round_id: str, **params) -> dict[str, dict]:
    page = await service.get(f"/rounds/{round_id}/letters", **params)
    return {letter["code"]: letter for letter in page["items"]}


async def publish(service, event) -> None:
    envelope = Envelope.wrap(event, tenant=service.tenant_id, correlation_id="test")
    await service.bus.publish([envelope])


def report(letter_id, send_no: int, outcome: str, reason: str = "", code: int = 250) -> dict:
    at = datetime.now(UTC)
    attempt = {"address": "x@test", "outcome": "sent" if outcome == "sent" else "permanent",
               "code": code, "reply": reason or "OK", "at": at}  # fmt: skip
    return {"letter_id": letter_id, "send_no": send_no, "outcome": outcome, "reason": reason,
            "attempts": [attempt], "finished_at": at}  # fmt: skip


async def test_a_round_prepares_letters_and_lists_those_that_cannot_go(service) -> None:
    await load_books(service)
    created = await create(service, send_to_contacts=True)
    assert created["state"] == "draft" and created["sent_at"] is None
    assert created["counts"]["prepared"] == 2 and created["counts"]["excluded"] == 4
    assert created["letter_count"] == 2
    reasons = {x["code"]: x["reason"] for x in created["excluded"]}
    assert set(reasons) == {"120.003", "120.004", "120.005", "120.009"}
    assert "no e-mail address" in reasons["120.003"]
    assert "inactive" in reasons["120.004"]
    assert "balance is zero" in reasons["120.005"]
    assert "no counterparty card" in reasons["120.009"]

    letters = await letters_of(service, created["id"])
    ozturk, acme = letters["120.001"], letters["120.002"]
    assert [r["address"] for r in ozturk["recipients"]] == [
        "muhasebe@ozturk.com.tr",
        "mehmet@ozturk.com.tr",
    ]  # the flagged contact only
    assert ozturk["balances"] == [
        {"currency": "TRY", "amount": "1000.25", "side": "debit", "amount_try": None}
    ]
    assert acme["language"] == "en"
    assert acme["balances"] == [
        {"currency": "USD", "amount": "200.00", "side": "credit", "amount_try": "6800.00"}
    ]

    # Later imports don't change a prepared letter.
    more = [move("M9", "120.001", "999")]
    await service.client.post("/imports/movements", json=more, params={"wait": "true"},
                              headers=service.auth)  # fmt: skip
    again = await letters_of(service, created["id"])
    assert again["120.001"]["balances"] == ozturk["balances"]


async def test_zero_balances_go_when_asked_and_contacts_only_when_asked(service) -> None:
    await load_books(service)
    created = await create(service, include_zero_balances=True)
    letters = await letters_of(service, created["id"])
    assert letters["120.005"]["state"] == "prepared"
    assert letters["120.005"]["balances"][0]["side"] == "zero"
    assert [r["address"] for r in letters["120.001"]["recipients"]] == ["muhasebe@ozturk.com.tr"]


async def test_send_queues_the_emails_and_records_history(service) -> None:
    await load_books(service)
    created = await create(service, counterparties={"codes": ["120.001", "120.002", "120.003"]})
    assert created["counts"] == {**created["counts"], "prepared": 2, "excluded": 1}
    response = await service.client.post(f"/rounds/{created['id']}/send", headers=service.auth)
    assert response.status_code == 200, response.text
    sent = response.json()
    assert sent["state"] == "ongoing" and sent["counts"]["queued"] == 2 and sent["sent_at"]
    again = await service.client.post(f"/rounds/{created['id']}/send", headers=service.auth)
    assert again.status_code == 409

    await service.outbox_empty()
    [queued] = service.of_type(LetterEmailsQueued.type)
    emails = {e["letter"]["counterparty_code"]: e for e in queued.payload["emails"]}
    assert set(emails) == {"120.001", "120.002"}
    ozturk = emails["120.001"]
    assert ozturk["send_no"] == 1 and ozturk["purpose"] == "letter"
    assert ozturk["recipients"] == [
        {"address": "muhasebe@ozturk.com.tr", "role": "counterparty", "name": ""}
    ]
    assert ozturk["letter"]["subject"] == "31.12.2025 bakiye mutabakatı"
    assert ozturk["letter"]["valid_until"] == VALID
    LetterEmailsQueued.model_validate(queued.payload)  # what the notifier will read

    [issued] = service.of_type(LettersIssued.type)
    LettersIssued.model_validate(issued.payload)  # what the portal will read
    shown = {x["letter"]["counterparty_code"]: x["documents"] for x in issued.payload["letters"]}
    assert set(shown) == {"120.001", "120.002"}  # not the excluded one
    assert [(d["document_no"], d["debit"], d["credit"]) for d in shown["120.001"]] == [
        ("", "1500.25", None), ("", None, "500.00")
    ]  # fmt: skip
    assert [(d["currency"], d["credit"]) for d in shown["120.002"]] == [("USD", "200.00")]

    letter = (await letters_of(service, created["id"]))["120.001"]
    assert letter["documents"] == 2 and letter["answer"] is None
    history = await service.get(f"/letters/{letter['id']}/history")
    assert [(h["event"], h["state"]) for h in history] == [
        ("prepared", "prepared"),
        ("queued", "queued"),
    ]
    assert history[1]["source"].startswith("erp:")


async def test_reports_and_answers_move_letters_until_the_round_completes(service) -> None:
    await load_books(service)
    created = await create(service, counterparties={"codes": ["120.001", "120.002"]}, send=True)
    round_id = created["id"]
    assert created["state"] == "ongoing"
    letters = await letters_of(service, round_id)
    ozturk, acme = letters["120.001"]["id"], letters["120.002"]["id"]

    reports = [report(ozturk, 1, "sent"), report(acme, 1, "failed", "550 no such user", 550)]
    await publish(service, LetterEmailsDelivered(reports=reports))

    async def settled() -> bool:
        states = {c: x["state"] for c, x in (await letters_of(service, round_id)).items()}
        return states == {"120.001": "sent", "120.002": "failed"}

    await eventually(settled, what="delivery reports applied")
    failed = (await letters_of(service, round_id))["120.002"]
    assert failed["reason"] == "550 no such user"
    [email] = await service.get(f"/letters/{acme}/emails")
    assert email["outcome"] == "failed" and email["attempts"][0]["code"] == 550

    # The same report again changes nothing (a redelivery or a replay).
    await publish(service, LetterEmailsDelivered(reports=[report(acme, 1, "sent")]))
    now = datetime.now(UTC)
    await publish(service, LetterViewed(letter_id=ozturk, viewed_at=now, from_address="1.2.3.4"))
    await publish(service, LetterAnswered(
        letter_id=ozturk, answer="disagreed", reason="Bizde 900 TL görünüyor",
        answered_by="Mehmet", answered_title="Muhasebe Müdürü", their_balance=Decimal("900"),
        attachment={"file_name": "ekstre.pdf", "content_type": "application/pdf", "size": 1234,
                    "sha256": "ab" * 32},
        answered_at=now, from_address="1.2.3.4", user_agent="Firefox"))  # fmt: skip

    async def answered() -> bool:
        return (await letters_of(service, round_id))["120.001"]["state"] == "disagreed"

    await eventually(answered, what="answer applied")
    assert (await letters_of(service, round_id))["120.002"]["state"] == "failed"
    round_ = await service.get(f"/rounds/{round_id}")
    assert round_["state"] == "ongoing"
    assert round_["counts"]["disagreed"] == 1 and round_["counts"]["failed"] == 1

    history = await service.get(f"/letters/{ozturk}/history")
    assert [(h["event"], h["source"]) for h in history][1:] == [
        ("queued", history[1]["source"]), ("email_sent", "notifier"), ("viewed", "portal"),
        ("disagreed", "portal"),
    ]  # fmt: skip
    assert "Bizde 900 TL" in history[-1]["detail"]
    answer = (await letters_of(service, round_id))["120.001"]["answer"]
    assert answer["answered_title"] == "Muhasebe Müdürü" and answer["their_balance"] == "900"
    assert answer["attachment"]["file_name"] == "ekstre.pdf"
    assert answer["user_agent"] == "Firefox" and answer["from_address"] == "1.2.3.4"

    # The clock: after the validity date the open letter expires and the round completes.
    runtime = service.app.state.runtime
    assert await tick(runtime, date.fromisoformat(VALID)) == (0, 0)
    assert await tick(runtime, date.fromisoformat(VALID) + timedelta(days=1)) == (1, 0)
    round_ = await service.get(f"/rounds/{round_id}")
    assert round_["state"] == "completed" and round_["completed_at"]
    assert round_["counts"]["expired"] == 1 and round_["counts"]["disagreed"] == 1
    late = LetterAnswered(letter_id=acme, answer="agreed", answered_at=datetime.now(UTC))
    await publish(service, late)

    async def ignored() -> bool:
        history = await service.get(f"/letters/{acme}/history")
        return history[-1]["event"] == "answer_ignored"

    await eventually(ignored, what="late answer noted")
    assert (await letters_of(service, round_id))["120.002"]["state"] == "expired"


async def test_resend_one_and_all_failed_keep_the_content(service) -> None:
    await load_books(service)
    created = await create(service, counterparties={"codes": ["120.001", "120.002"]}, send=True)
    round_id = created["id"]
    letters = await letters_of(service, round_id)
    ozturk, acme = letters["120.001"]["id"], letters["120.002"]["id"]
    await publish(service, LetterEmailsDelivered(
        reports=[report(ozturk, 1, "sent"), report(acme, 1, "failed", "550 unknown", 550)]
    ))  # fmt: skip

    async def failed() -> bool:
        return (await letters_of(service, round_id))["120.002"]["state"] == "failed"

    await eventually(failed, what="failure applied")
    response = await service.client.post(
        f"/rounds/{round_id}/resend", json={"which": "failed"}, headers=service.auth
    )
    assert response.status_code == 202 and response.json() == {"queued": 1}
    one = await service.client.post(f"/letters/{ozturk}/resend", headers=service.auth)
    assert one.status_code == 202
    letters = await letters_of(service, round_id)
    assert letters["120.002"]["state"] == "queued" and letters["120.002"]["sends"] == 2
    assert letters["120.001"]["state"] == "sent" and letters["120.001"]["sends"] == 2

    await service.outbox_empty()
    emails = [e for env in service.of_type(LetterEmailsQueued.type) for e in env.payload["emails"]]
    resends = [e for e in emails if e["purpose"] == "resend"]
    assert sorted((e["letter"]["counterparty_code"], e["send_no"]) for e in resends) == [
        ("120.001", 2),
        ("120.002", 2),
    ]
    first = next(e for e in emails if e["send_no"] == 1 and e["letter"]["letter_id"] == ozturk)
    second = next(e for e in resends if e["letter"]["letter_id"] == ozturk)
    assert first["letter"] == second["letter"]  # same letter, same link (derived from its id)

    unanswered = await service.client.post(
        f"/rounds/{round_id}/resend", json={"which": "unanswered"}, headers=service.auth
    )
    assert unanswered.json() == {"queued": 2}
    emails = await service.get(f"/letters/{acme}/emails")
    assert [(e["send_no"], e["purpose"], e["outcome"]) for e in emails] == [
        (1, "letter", "failed"),
        (2, "resend", "queued"),
        (3, "resend", "queued"),
    ]
    await publish(service, LetterAnswered(letter_id=ozturk, answer="agreed",
                                          answered_at=datetime.now(UTC)))  # fmt: skip

    async def agreed() -> bool:
        return (await letters_of(service, round_id))["120.001"]["state"] == "agreed"

    await eventually(agreed, what="agreement applied")
    refused = await service.client.post(f"/letters/{ozturk}/resend", headers=service.auth)
    assert refused.status_code == 409


async def test_reminders_go_to_the_unanswered_when_due(service) -> None:
    await load_books(service)
    created = await create(service, counterparties={"codes": ["120.001", "120.002"]},
                           reminder_days_before=3, send=True)  # fmt: skip
    letters = await letters_of(service, created["id"])
    ozturk, acme = letters["120.001"]["id"], letters["120.002"]["id"]
    await publish(service, LetterEmailsDelivered(
        reports=[report(ozturk, 1, "sent"), report(acme, 1, "sent")]
    ))  # fmt: skip
    await publish(service, LetterAnswered(letter_id=acme, answer="agreed",
                                          answered_at=datetime.now(UTC)))  # fmt: skip

    async def applied() -> bool:
        states = {c: x["state"] for c, x in (await letters_of(service, created["id"])).items()}
        return states == {"120.001": "sent", "120.002": "agreed"}

    await eventually(applied, what="reports applied")
    runtime = service.app.state.runtime
    validity = date.fromisoformat(VALID)
    assert await tick(runtime, validity - timedelta(days=4)) == (0, 0)
    assert await tick(runtime, validity - timedelta(days=3)) == (0, 1)
    assert await tick(runtime, validity - timedelta(days=2)) == (0, 0)  # once
    await service.outbox_empty()
    emails = [e for env in service.of_type(LetterEmailsQueued.type) for e in env.payload["emails"]]
    [reminder] = [e for e in emails if e["purpose"] == "reminder"]
    assert reminder["letter"]["letter_id"] == ozturk and reminder["send_no"] == 2
    history = await service.get(f"/letters/{ozturk}/history")
    assert (history[-1]["event"], history[-1]["source"]) == ("reminder_queued", "system")


async def test_babs_round_freezes_the_forms_of_the_month(service) -> None:
    parties = [
        party("320.001", "Tedarikçi A.Ş.", email="a@tedarik.com.tr", tax_id="4540536920"),
        party("320.002", "Tedarikçi A.Ş. Şube", email="b@tedarik.com.tr", tax_id="4540536920"),
        party("320.003", "Küçük Ltd.", email="c@kucuk.com.tr"),
    ]
    assert (await service.put(parties)).status_code == 200
    rows = [babs("B1", "320.001", "3000"), babs("B2", "320.002", "2500"),
            babs("B3", "320.001", "9000", form="BS", document_no="IRS1"),
            babs("B4", "320.003", "100")]  # fmt: skip
    response = await service.client.post(
        "/imports/babs", json=rows, params={"wait": "true"}, headers=service.auth
    )
    assert response.status_code == 200, response.text
    base = {"kind": "babs", "period": "2025-06", "counterparties": {"codes":
            ["320.001", "320.002", "320.003"]}}  # fmt: skip
    plain = await create(service, **base)
    letters = await letters_of(service, plain["id"])
    assert letters["320.001"]["bs"] == {"count": 1, "total": "9000.00"}
    assert letters["320.001"]["ba"] is None  # 3,000 is below the threshold
    assert letters["320.002"]["state"] == "excluded"
    assert "below the threshold" in letters["320.003"]["reason"]

    merged = await create(service, **base, merge_by_tax_id=True, exclude_series=["irs"])
    letters = await letters_of(service, merged["id"])
    assert letters["320.001"]["codes"] == ["320.001", "320.002"]
    assert letters["320.001"]["ba"] == {"count": 2, "total": "5500.00"}
    assert letters["320.001"]["bs"] is None  # its only document is of the IRS series
    assert merged["parameters"]["exclude_series"] == ["IRS"]
    await service.client.post(f"/rounds/{merged['id']}/send", headers=service.auth)
    await service.outbox_empty()
    [issued] = service.of_type(LettersIssued.type)
    [letter] = issued.payload["letters"]
    assert [(d["form"], d["net"], d["description"]) for d in letter["documents"]] == [
        ("BA", "3000.00", "320.001"),
        ("BA", "2500.00", "320.002"),
    ]  # the Form Ba documents of both codes; the IRS series and Form Bs are not on the letter


async def test_bad_requests_other_tenants_and_idempotency(service) -> None:
    await load_books(service)
    past = await service.client.post("/rounds", headers=service.auth, json={
        "kind": "balance", "as_of": "2025-12-31", "description": "x",
        "validity_date": (TODAY - timedelta(days=1)).isoformat()})  # fmt: skip
    assert past.status_code == 422 and "validity_date" in past.text
    no_date = await service.client.post("/rounds", headers=service.auth, json={
        "kind": "balance", "description": "x", "validity_date": VALID})  # fmt: skip
    assert no_date.status_code == 422 and "as_of" in no_date.text

    body = {"kind": "balance", "as_of": "2025-12-31", "validity_date": VALID, "description": "x"}
    key = {**service.auth, "Idempotency-Key": "round-1"}
    first = await service.client.post("/rounds", json=body, headers=key)
    second = await service.client.post("/rounds", json=body, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    listed = await service.get("/rounds", **{"from": TODAY.isoformat(), "to": TODAY.isoformat()})
    assert [r["id"] for r in listed["items"]] == [first.json()["id"]]
    assert (await service.get("/rounds", **{"to": (TODAY - timedelta(days=1)).isoformat()}))[
        "items"
    ] == []

    other = await grant_key(service.app, uuid.uuid4(), Role.ERP)
    round_id = first.json()["id"]
    assert (await service.client.get(f"/rounds/{round_id}", headers=other)).status_code == 404
    letter = next(iter((await letters_of(service, round_id)).values()))
    for path in (f"/letters/{letter['id']}", f"/letters/{letter['id']}/history"):
        assert (await service.client.get(path, headers=other)).status_code == 404
    dropped = await service.client.delete(f"/rounds/{round_id}", headers=service.auth)
    assert dropped.status_code == 204
    assert (
        await service.client.get(f"/rounds/{round_id}", headers=service.auth)
    ).status_code == 404


async def test_a_key_limited_to_its_counterparties_rounds_only_them(service) -> None:
    await load_books(service)
    await service.put([party("120.001", "Öztürk İnşaat Ltd. Şti.", email="muhasebe@ozturk.com.tr",
                             reconciliation_email="ayse@firma.com.tr")])  # fmt: skip
    ayse = await grant_key(
        service.app, service.tenant_id, Role.OPERATOR, user_email="ayse@firma.com.tr"
    )
    response = await service.client.post("/rounds", headers=ayse, json={
        "kind": "balance", "as_of": "2025-12-31", "validity_date": VALID, "description": "x"})  # fmt: skip
    assert response.status_code == 201, response.text
    letters = await letters_of(service, response.json()["id"])
    assert list(letters) == ["120.001"]
    everyone = await create(service)
    seen = await service.client.get(f"/rounds/{everyone['id']}", headers=ayse)
    assert seen.status_code == 404


async def test_the_sender_firm_is_the_tenant_profile(service) -> None:
    path = "/tenant/profile"
    async with service.app.state.runtime.new_uow() as uow:
        tenant = await identity.create_tenant("Demo", uow=uow)
        await uow.commit()
    service.tenant_id = tenant.id
    service.auth = await grant_key(service.app, tenant.id, Role.ERP)
    admin = await grant_key(service.app, tenant.id, Role.ADMIN)
    bad = await service.client.put(path, headers=admin, json={"tax_id": "1234567891"})
    assert bad.status_code == 422
    profile = {"legal_name": "Demo Gıda A.Ş.", "tax_office": "Kozyatağı", "tax_id": "4540536920"}
    assert (await service.client.put(path, headers=admin, json=profile)).status_code == 200
    assert (await service.client.put(path, headers=service.auth, json=profile)).status_code == 403
    await load_books(service)
    await create(service, counterparties={"codes": ["120.001"]}, send=True)
    await service.outbox_empty()
    [queued] = service.of_type(LetterEmailsQueued.type)
    assert queued.payload["emails"][0]["letter"]["sender"] == {
        "name": "Demo Gıda A.Ş.",
        "tax_office": "Kozyatağı",
        "tax_id": "4540536920",
    }
