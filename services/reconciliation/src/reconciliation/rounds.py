"""e-Mutabakat rounds: letters prepared with their amounts frozen, queued for the notifier, moved
by what the notifier and the portal report, reminded and expired by the clock.

Every change of a letter is written with its history entry, and every e-mail queued with its
event, in one transaction: a crash between two steps leaves a letter either before or after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from shared.auth import Principal
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events import (
    LetterAnswered,
    LetterEmailsDelivered,
    LetterEmailsQueued,
    LetterRecord,
    LettersIssued,
    LetterViewed,
)
from shared.events.envelope import Envelope

from .access import responsible_email
from .adapters import compute
from .adapters.orm import Counterparty, Letter, Round
from .adapters.repository import ReconciliationUnitOfWork
from .adapters.rounds import counterparties_by_code
from .domain.babs import DEFAULT_THRESHOLD, BabsLine
from .domain.balances import Balance, split_sides
from .domain.letters import (
    REMINDED,
    RESENDABLE,
    after_answer,
    after_delivery,
    after_view,
    recipients_of,
    round_state,
)

EVENT_BATCH = 100
Purpose = Literal["letter", "resend", "reminder"]


@dataclass(frozen=True)
class RoundRequest:
    kind: Literal["balance", "babs"]
    description: str
    validity_date: date
    as_of: date | None = None
    period: date | None = None
    threshold: Decimal = DEFAULT_THRESHOLD
    merge_by_tax_id: bool = False
    exclude_series: tuple[str, ...] = ()
    include_zero_balances: bool = False
    codes: tuple[str, ...] | None = None
    text: str | None = None
    counterparty_kind: str | None = None
    send_to_contacts: bool = False
    send_to_kep: bool = False
    reminder_days_before: int | None = None
    note: str = ""


@dataclass
class _Draft:
    """A letter taking shape: one counterparty (or one tax number's codes) and its amounts."""

    code: str
    codes: list[str]
    balances: list[Balance] = field(default_factory=list)
    line: BabsLine | None = None


def key_source(principal: Principal) -> str:
    """Who did it, as the history shows: the API key's role and id, e.g. ``erp:mtk1a2b``."""
    return f"{principal.role.value}:{principal.key_id}"


async def create_round(
    request: RoundRequest,
    *,
    principal: Principal,
    uow: ReconciliationUnitOfWork,
    today: date,
    now: datetime | None = None,
) -> Round:
    """Prepare a round's letters: amounts from the books now, recipients from the counterparty
    cards now; letters that cannot go are ``excluded`` with the reason. The caller commits."""
    _check(request, today)
    now = now or datetime.now(UTC)
    tenant_id = principal.tenant_id
    scope = compute.Scope(
        codes=request.codes,
        text=request.text,
        kind=request.counterparty_kind,
        responsible_email=responsible_email(principal),
    )
    drafts = await _drafts(uow, tenant_id, request, scope)
    involved = sorted({code for draft in drafts for code in draft.codes})
    documents = await _documents(uow, tenant_id, request, involved)
    cards = await counterparties_by_code(uow.session, tenant_id, involved)
    tenant = await uow.identity.tenant(tenant_id)
    sender = {
        "name": (tenant.legal_name or tenant.name) if tenant else "",
        "tax_office": tenant.tax_office if tenant else "",
        "tax_id": tenant.tax_id if tenant else "",
    }
    round_ = Round(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        kind=request.kind,
        as_of=request.as_of,
        period=request.period,
        parameters=_parameters(request),
        description=request.description,
        note=request.note,
        validity_date=request.validity_date,
        reminder_days_before=request.reminder_days_before,
        state="draft",
        created_at=now,
        created_by=principal.key_id,
        created_by_email=responsible_email(principal),
    )
    uow.rounds.add(round_)
    await uow.session.flush()
    letters, history = [], []
    source = key_source(principal)
    for draft in drafts:
        letter = _letter(round_, draft, cards.get(draft.code), sender, request, now)
        if letter["state"] == "prepared":
            letter["documents"] = _letter_documents(draft, documents)
        letters.append(letter)
        event = "excluded" if letter["state"] == "excluded" else "prepared"
        history.append(_event(letter["id"], now, event, letter["state"], source, letter["reason"]))
    await uow.letters.insert(letters)
    await uow.letters.record(history)
    return round_


def _check(request: RoundRequest, today: date) -> None:
    problems = []
    if request.kind == "balance" and request.as_of is None:
        problems.append({"location": "body.as_of", "message": "a balance round needs as_of"})
    if request.kind == "babs" and request.period is None:
        problems.append({"location": "body.period", "message": "a BA/BS round needs period"})
    if request.validity_date < today:
        problems.append(
            {"location": "body.validity_date", "message": f"is before today ({today.isoformat()})"}
        )
    if problems:
        raise ValidationFailed("The round cannot be created as asked.", problems)


async def _drafts(
    uow: ReconciliationUnitOfWork, tenant_id: uuid.UUID, request: RoundRequest, scope: compute.Scope
) -> list[_Draft]:
    """One draft per counterparty with something to confirm, plus one per listed code without."""
    drafts: dict[str, _Draft] = {}
    if request.kind == "balance":
        assert request.as_of is not None
        for balance in await compute.balances(uow.session, tenant_id, request.as_of, scope):
            draft = drafts.setdefault(balance.code, _Draft(balance.code, [balance.code]))
            draft.balances.append(balance)
    else:
        assert request.period is not None
        lines = await compute.babs(
            uow.session, tenant_id, request.period, scope,
            threshold=request.threshold, merge_by_tax_id=request.merge_by_tax_id,
            excluded_series=set(request.exclude_series),
        )  # fmt: skip
        for line in lines:
            drafts[line.codes[0]] = _Draft(line.codes[0], list(line.codes), line=line)
    listed = {code for draft in drafts.values() for code in draft.codes}
    for code in request.codes or ():
        if code not in listed:
            drafts[code] = _Draft(code, [code])
            listed.add(code)
    return [drafts[code] for code in sorted(drafts)]


async def _documents(
    uow: ReconciliationUnitOfWork, tenant_id: uuid.UUID, request: RoundRequest, codes: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Per code, the documents behind its amounts as ``DocumentRecord`` JSON, in date order."""
    found: dict[str, list[dict[str, Any]]] = {}
    if request.kind == "balance":
        assert request.as_of is not None
        moves = await compute.balance_movements(uow.session, tenant_id, request.as_of, codes)
        for code, day, number, text, currency, amount, reversal in moves:
            debit, credit = split_sides(amount, reversal)
            found.setdefault(code, []).append(
                {"date": day.isoformat(), "document_no": number, "description": text,
                 "currency": currency, "debit": str(debit) if debit else None,
                 "credit": str(credit) if credit else None}
            )  # fmt: skip
        return found
    assert request.period is not None
    rows = await compute.month_documents(
        uow.session, tenant_id, request.period, codes, excluded_series=set(request.exclude_series)
    )
    for code, form, day, number, net in rows:
        found.setdefault(code, []).append(
            {"date": day.isoformat(), "document_no": number, "description": code, "form": form,
             "net": str(net)}
        )  # fmt: skip
    return found


def _letter_documents(draft: _Draft, documents: dict[str, list[dict[str, Any]]]) -> list[dict]:
    """The documents of the draft's codes; for a BA/BS letter only those of the forms it lists."""
    chosen = [doc for code in draft.codes for doc in documents.get(code, [])]
    if draft.line is not None:
        forms = {form for form, side in (("BA", draft.line.ba), ("BS", draft.line.bs)) if side}
        chosen = [doc for doc in chosen if doc["form"] in forms]
    return sorted(chosen, key=lambda doc: doc["date"]) if len(draft.codes) > 1 else chosen


def _parameters(request: RoundRequest) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "send_to_contacts": request.send_to_contacts,
        "send_to_kep": request.send_to_kep,
    }
    if request.kind == "balance":
        parameters["include_zero_balances"] = request.include_zero_balances
    else:
        parameters.update(
            threshold=str(request.threshold),
            merge_by_tax_id=request.merge_by_tax_id,
            exclude_series=list(request.exclude_series),
        )
    if request.codes is not None:
        parameters["codes"] = list(request.codes)
    if request.text or request.counterparty_kind:
        parameters["filter"] = {"text": request.text, "kind": request.counterparty_kind}
    return parameters


def _letter(
    round_: Round,
    draft: _Draft,
    card: Counterparty | None,
    sender: dict[str, str],
    request: RoundRequest,
    now: datetime,
) -> dict[str, Any]:
    letter_id = uuid.uuid4()
    recipients, reason = [], _nothing_to_confirm(draft, request)
    if card is None:
        reason = "no counterparty card with this code (it has movements only)"
    elif not card.active:
        reason = "the counterparty is inactive (Aktif 0)"
    elif not reason:
        found, reason = recipients_of(
            card.email, card.contacts or [], card.kep_email,
            to_contacts=request.send_to_contacts, to_kep=request.send_to_kep,
        )  # fmt: skip
        recipients = [recipient.as_json() for recipient in found]
    content = LetterRecord(
        letter_id=letter_id,
        round_id=round_.id,
        language=(card.language if card else "tr") or "tr",
        subject=round_.description,
        sender=sender,
        counterparty_code=draft.code,
        counterparty_title=card.title if card else draft.code,
        counterparty_tax_id=card.tax_id if card else "",
        codes=draft.codes,
        kind=round_.kind,
        valid_until=round_.validity_date,
        as_of=round_.as_of,
        balances=[_balance_record(b) for b in draft.balances],
        period=round_.period,
        ba=_form(draft.line.ba) if draft.line else None,
        bs=_form(draft.line.bs) if draft.line else None,
        note=round_.note,
    )
    return {
        "id": letter_id,
        "tenant_id": round_.tenant_id,
        "round_id": round_.id,
        "code": draft.code,
        "codes": draft.codes,
        "title": content.counterparty_title,
        "recipients": recipients,
        "content": content.model_dump(mode="json"),
        "state": "excluded" if reason else "prepared",
        "reason": reason,
        "sends": 0,
        "updated_at": now,
        "documents": [],
        "answer": None,
    }


def _nothing_to_confirm(draft: _Draft, request: RoundRequest) -> str:
    if request.kind == "babs":
        return "" if draft.line else "nothing to confirm: below the threshold on both forms"
    if not draft.balances:
        return "nothing to confirm: no movements up to the date"
    if not request.include_zero_balances and all(b.balance == 0 for b in draft.balances):
        return "nothing to confirm: the balance is zero"
    return ""


def _balance_record(balance: Balance) -> dict[str, Any]:
    foreign = balance.currency != "TRY"
    return {
        "currency": balance.currency,
        "amount": abs(balance.balance),
        "side": balance.side,
        "amount_try": abs(balance.balance_try) if foreign else None,
    }


def _form(side: Any) -> dict[str, Any] | None:
    return None if side is None else {"count": side.count, "total": side.total}


def _event(
    letter_id: uuid.UUID, at: datetime, event: str, state: str, source: str, detail: str = ""
) -> dict[str, Any]:
    return {"letter_id": letter_id, "at": at, "event": event, "state": state, "source": source,
            "detail": detail}  # fmt: skip


# Sending ----------------------------------------------------------------------------------------


async def send_round(round_: Round, *, principal: Principal, uow: ReconciliationUnitOfWork) -> int:
    """Queue every prepared letter of a draft round; the round is ongoing from now."""
    if round_.state != "draft":
        raise Conflict(f"The round was sent already ({round_.state}).")
    now = datetime.now(UTC)
    queued = await uow.letters.queue_prepared(round_.id, now)
    if not queued:
        raise Conflict(
            "The round has no letter that can go: none was prepared or all are excluded."
        )
    round_.state, round_.sent_at = "ongoing", now
    await _issue(
        uow, round_.tenant_id, [(content, documents) for _, content, _, documents in queued]
    )
    emails = [_Email(id_, content, to, send_no=1, state="queued") for id_, content, to, _ in queued]
    await _announce(uow, round_.tenant_id, emails, "letter", key_source(principal), now)
    return len(emails)


ISSUE_LETTERS, ISSUE_DOCUMENTS = 100, 5000
"""A ``LettersIssued`` event holds whole letters: up to this many, or about this many documents."""


async def _issue(
    uow: ReconciliationUnitOfWork,
    tenant_id: uuid.UUID,
    letters: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> None:
    """Hand the sent letters and their documents to the portal."""
    batch: list[dict[str, Any]] = []
    documents = 0
    for content, docs in letters:
        batch.append({"letter": content, "documents": docs})
        documents += len(docs)
        if len(batch) >= ISSUE_LETTERS or documents >= ISSUE_DOCUMENTS:
            await uow.emit_payload(LettersIssued, {"letters": batch}, tenant=tenant_id)
            batch, documents = [], 0
    if batch:
        await uow.emit_payload(LettersIssued, {"letters": batch}, tenant=tenant_id)


async def resend(
    letters: Sequence[Letter], *, source: str, purpose: Purpose, uow: ReconciliationUnitOfWork
) -> int:
    """A new e-mail for each letter (same content, same link); a failed letter is queued again,
    a sent or viewed one keeps its state."""
    if not letters:
        return 0
    now = datetime.now(UTC)
    emails = []
    for letter in letters:
        letter.sends += 1
        if letter.state == "failed":
            letter.state = "queued"
        letter.updated_at = now
        emails.append(_Email(letter.id, letter.content, letter.recipients, letter.sends,
                             letter.state))  # fmt: skip
    await _announce(uow, letters[0].tenant_id, emails, purpose, source, now)
    return len(emails)


def check_resendable(letter: Letter) -> None:
    if letter.state not in RESENDABLE:
        raise Conflict(
            f"A letter that is {letter.state} cannot be sent again; only queued, sent, failed "
            "or viewed ones."
        )


@dataclass(frozen=True)
class _Email:
    letter_id: uuid.UUID
    content: dict[str, Any]
    recipients: list[dict[str, str]]
    send_no: int
    state: str
    """The letter's state once the e-mail is queued."""


_QUEUED_EVENT = {"letter": "queued", "resend": "resend_queued", "reminder": "reminder_queued"}


async def _announce(
    uow: ReconciliationUnitOfWork,
    tenant_id: uuid.UUID,
    emails: Sequence[_Email],
    purpose: Purpose,
    source: str,
    now: datetime,
) -> None:
    """Record the e-mails (e-mail history, letter history) and hand them to the notifier."""
    rows, history, queued = [], [], []
    for email in emails:
        to = ", ".join(r["address"] for r in email.recipients)
        history.append(_event(email.letter_id, now, _QUEUED_EVENT[purpose], email.state, source,
                              f"e-mail {email.send_no} to {to}"))  # fmt: skip
        rows.append(
            {"letter_id": email.letter_id, "send_no": email.send_no, "purpose": purpose,
             "recipients": email.recipients, "queued_at": now, "queued_by": source,
             "outcome": "queued", "reason": "", "attempts": []}
        )  # fmt: skip
        queued.append(
            {"letter": email.content, "send_no": email.send_no, "purpose": purpose,
             "recipients": email.recipients}
        )  # fmt: skip
    await uow.letters.add_emails(rows)
    await uow.letters.record(history)
    for start in range(0, len(queued), EVENT_BATCH):
        payload = {"emails": queued[start : start + EVENT_BATCH]}
        await uow.emit_payload(LetterEmailsQueued, payload, tenant=tenant_id)


# What the notifier and the portal report --------------------------------------------------------


async def on_delivered(
    event: LetterEmailsDelivered, *, envelope: Envelope, uow: ReconciliationUnitOfWork
) -> None:
    reports = {(r.letter_id, r.send_no): r for r in event.reports}
    letters, pending = await uow.letters.for_delivery(envelope.tenant, reports)
    states = {letter_id: (row.state, row.reason) for letter_id, row in letters.items()}
    emails, history, rounds = [], [], set()
    for key in sorted(pending, key=lambda k: k[1]):  # a letter's e-mails in their order
        report, letter_id = reports[key], key[0]
        before, reason = states[letter_id]
        state = after_delivery(before, report.outcome)
        if state == report.outcome:  # the letter stands where this e-mail left it
            reason = report.reason  # why it failed, or the recipients refused while others got it
        states[letter_id] = (state, reason)
        emails.append(
            {"letter_id": letter_id, "send_no": report.send_no, "outcome": report.outcome,
             "reason": report.reason, "finished_at": report.finished_at,
             "attempts": [attempt.model_dump(mode="json") for attempt in report.attempts]}
        )  # fmt: skip
        name = "email_sent" if report.outcome == "sent" else "email_failed"
        detail = f"e-mail {report.send_no}" + (f": {report.reason}" if report.reason else "")
        history.append(_event(letter_id, report.finished_at, name, state, "notifier", detail))
        rounds.add(letters[letter_id].round_id)
    changed = [
        {"id": letter_id, "state": state, "reason": reason, "updated_at": datetime.now(UTC)}
        for letter_id, (state, reason) in states.items()
        if (state, reason) != (letters[letter_id].state, letters[letter_id].reason)
    ]
    await uow.letters.settle(emails, changed)
    await uow.letters.record(history)
    await _settle_rounds(uow, rounds)


async def on_viewed(
    event: LetterViewed, *, envelope: Envelope, uow: ReconciliationUnitOfWork
) -> None:
    letter = await _letter_of(uow, envelope, event.letter_id)
    if letter is None or after_view(letter.state) == letter.state:
        return
    letter.state, letter.updated_at = "viewed", event.viewed_at
    detail = f"from {event.from_address}" if event.from_address else ""
    await uow.letters.record(
        [_event(letter.id, event.viewed_at, "viewed", "viewed", "portal", detail)]
    )


async def on_answered(
    event: LetterAnswered, *, envelope: Envelope, uow: ReconciliationUnitOfWork
) -> None:
    letter = await _letter_of(uow, envelope, event.letter_id)
    if letter is None:
        return
    state = after_answer(letter.state, event.answer)
    by = ", ".join(filter(None, [event.answered_by, event.from_address]))
    if state == letter.state:
        detail = f"{event.answer} ignored: the letter is {letter.state}"
        entry = _event(letter.id, event.answered_at, "answer_ignored", state, "portal", detail)
        await uow.letters.record([entry])
        return
    letter.state, letter.updated_at = state, event.answered_at
    letter.reason = event.reason if state == "disagreed" else ""
    letter.answer = event.model_dump(
        mode="json", include={"answer", "reason", "answered_by", "answered_title",
                              "their_balance", "attachment", "answered_at", "from_address",
                              "user_agent"},
    )  # fmt: skip
    detail = "; ".join(filter(None, [event.reason, f"by {by}" if by else ""]))
    await uow.letters.record([_event(letter.id, event.answered_at, state, state, "portal", detail)])
    await _settle_rounds(uow, {letter.round_id})


async def _letter_of(
    uow: ReconciliationUnitOfWork, envelope: Envelope, letter_id: uuid.UUID
) -> Letter | None:
    found = await uow.letters.by_ids(envelope.tenant, [letter_id])
    return found[0] if found else None


async def _settle_rounds(uow: ReconciliationUnitOfWork, round_ids: Iterable[uuid.UUID]) -> None:
    """Mark the rounds whose every letter is answered or expired as completed."""
    round_ids = list(round_ids)
    if not round_ids:
        return
    await uow.session.flush()
    counts = await uow.rounds.counts(round_ids)
    for round_id in round_ids:
        round_ = await uow.session.get(Round, round_id)
        if round_ is None or round_.state != "ongoing":
            continue
        if round_state(True, counts[round_id]) == "completed":
            round_.state, round_.completed_at = "completed", datetime.now(UTC)


# The clock --------------------------------------------------------------------------------------


async def expire_and_remind(uow: ReconciliationUnitOfWork, today: date) -> tuple[int, int]:
    """Expire the open letters of rounds whose validity date has passed; queue the reminders that
    are due. Returns (letters expired, reminders queued). The caller commits."""
    now = datetime.now(UTC)
    expired = 0
    for round_ in await uow.rounds.with_open_letters_past(today):
        ids = await uow.letters.expire_open(round_.id, now)
        detail = f"no answer by {round_.validity_date.isoformat()}"
        await uow.letters.record(
            [_event(i, now, "expired", "expired", "system", detail) for i in ids]
        )
        expired += len(ids)
        await _settle_rounds(uow, [round_.id])
    reminded = 0
    for round_ in await uow.rounds.due_for_reminder(today):
        letters = await uow.letters.of_round(round_.id, states=REMINDED, lock=True)
        if letters:
            await resend(letters, source="system", purpose="reminder", uow=uow)
        round_.reminded_at = now
        reminded += len(letters)
    return expired, reminded


def find_round(round_: Round | None, principal: Principal) -> Round:
    """The round, if the caller may see it: keys limited to their counterparties see their own."""
    email = responsible_email(principal)
    if round_ is None or (email is not None and round_.created_by_email != email):
        raise NotFound("No such round.")
    return round_
