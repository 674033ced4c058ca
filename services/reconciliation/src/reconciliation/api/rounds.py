"""e-Mutabakat rounds over HTTP: create (letters prepared, the ones that cannot go listed), send,
follow (states, counts, history, e-mails), resend."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.http.deps import ANY_ROLE, get_runtime, get_uow
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import Page, decode_cursor, page_of

from .. import rounds
from ..access import responsible_email
from ..adapters.orm import Letter, Round
from ..adapters.repository import ReconciliationUnitOfWork
from ..domain.babs import DEFAULT_THRESHOLD
from ..domain.letters import STATES, State
from ..round_clock import business_today
from .books import parse_period

router = APIRouter(tags=["e-Mutabakat rounds"], responses=PROBLEM_RESPONSES)

EXCLUDED_SHOWN = 1000


class Selection(BaseModel):
    """Which counterparties get a letter; fields combine. Left out: all with something to confirm."""

    model_config = ConfigDict(extra="forbid")
    codes: list[str] | None = Field(None, max_length=100_000, description="These codes only")
    text: str | None = Field(None, min_length=1, max_length=200, description="Code, title, VKN")
    kind: Literal["customer", "supplier"] | None = None


class RoundIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "balance",
                    "as_of": "2025-12-31",
                    "validity_date": "2026-01-31",
                    "description": "31.12.2025 tarihli cari hesap mutabakatı",
                    "send_to_contacts": True,
                    "send": True,
                },
                {
                    "kind": "babs",
                    "period": "2025-11",
                    "threshold": "5000",
                    "merge_by_tax_id": True,
                    "exclude_series": ["IRS"],
                    "validity_date": "2025-12-26",
                    "description": "Kasım 2025 BA/BS mutabakatı",
                },
            ]
        },
    )
    kind: Literal["balance", "babs"] = Field(
        description="`balance`: the balance at `as_of`; `babs`: Form Ba / Form Bs of `period`"
    )
    as_of: date | None = Field(None, description="Balance rounds: the balance date")
    period: str | None = Field(None, description="BA/BS rounds: `2025-11` or `2025-11-Kasım`")
    threshold: Decimal = Field(DEFAULT_THRESHOLD, ge=0, description="BA/BS: Toplam tutar sınırı")
    merge_by_tax_id: bool = Field(False, description="BA/BS: Cari Birleştirme")
    exclude_series: list[str] = Field(
        [], max_length=100, description="BA/BS: document series left out"
    )
    include_zero_balances: bool = Field(
        False, description="Balance: also send to counterparties whose balance is zero"
    )
    validity_date: date = Field(description="Mutabakat geçerlilik tarihi: answers until this day")
    description: str = Field(
        min_length=1, max_length=200, description="Mutabakat açıklaması: the e-mails' subject"
    )
    note: str = Field("", max_length=1000, description="A few words shown in every letter")
    counterparties: Selection | None = None
    send_to_contacts: bool = Field(
        False, description="Yetkililere e-Posta Gönderilsin: also the flagged contacts"
    )
    send_to_kep: bool = Field(False, description="Also the KEP address")
    reminder_days_before: int | None = Field(
        None, ge=1, le=90, description="Remind the unanswered this many days before the validity "
        "date; left out: no reminder",
    )  # fmt: skip
    send: bool = Field(False, description="Send at once instead of leaving the round a draft")


class RoundOut(BaseModel):
    id: uuid.UUID
    kind: Literal["balance", "babs"]
    as_of: date | None
    period: date | None
    parameters: dict[str, Any]
    description: str
    note: str
    validity_date: date
    reminder_days_before: int | None
    state: Literal["draft", "ongoing", "completed"] = Field(
        description="draft until sent; ongoing until every letter is answered or expired"
    )
    created_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    letter_count: int = Field(description="Letters that go (all but the excluded)")
    counts: dict[str, int] = Field(description="Letters per state")


class ExcludedOut(BaseModel):
    letter_id: uuid.UUID
    code: str
    title: str
    reason: str


class CreatedRoundOut(RoundOut):
    excluded: list[ExcludedOut] = Field(
        description=f"Letters that cannot go, with the reason (the first {EXCLUDED_SHOWN}; all: "
        "`GET /rounds/{id}/letters?state=excluded`)"
    )


class LetterOut(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    code: str
    codes: list[str]
    title: str
    state: State
    reason: str
    recipients: list[dict[str, str]]
    sends: int = Field(description="E-mails queued for it so far")
    updated_at: datetime
    language: str
    balances: list[dict[str, Any]] = Field(description="Balance letters: per currency, frozen")
    ba: dict[str, Any] | None = Field(description="BA/BS letters: Form Ba count and total")
    bs: dict[str, Any] | None
    documents: int = Field(description="Documents behind the amounts, shown on the portal")
    answer: dict[str, Any] | None = Field(
        description="The counterparty's answer: answer, reason, answered_by, answered_title, "
        "their_balance, attachment (name, type, size), answered_at, from_address, user_agent"
    )


class HistoryOut(BaseModel):
    at: datetime
    event: str
    state: str
    source: str
    detail: str


class EmailOut(BaseModel):
    send_no: int
    purpose: Literal["letter", "resend", "reminder"]
    recipients: list[dict[str, str]]
    queued_at: datetime
    queued_by: str
    outcome: Literal["queued", "sent", "failed"]
    reason: str
    attempts: list[dict[str, Any]]
    finished_at: datetime | None


class ResendAllIn(BaseModel):
    which: Literal["failed", "unanswered"] = Field(
        description="`failed`: letters whose e-mail failed; `unanswered`: every letter out "
        "without an answer (queued, sent, failed, viewed)"
    )


class QueuedOut(BaseModel):
    queued: int


def _round_out(round_: Round, counts: dict[str, int]) -> RoundOut:
    full = {state: counts.get(state, 0) for state in STATES}
    return RoundOut(
        id=round_.id, kind=round_.kind, as_of=round_.as_of, period=round_.period,
        parameters=round_.parameters, description=round_.description, note=round_.note,
        validity_date=round_.validity_date, reminder_days_before=round_.reminder_days_before,
        state=round_.state, created_at=round_.created_at, sent_at=round_.sent_at,
        completed_at=round_.completed_at, letter_count=sum(full.values()) - full["excluded"],
        counts=full,
    )  # fmt: skip


def _letter_out(letter: Letter) -> LetterOut:
    content = letter.content
    return LetterOut(
        id=letter.id, round_id=letter.round_id, code=letter.code, codes=letter.codes,
        title=letter.title, state=letter.state, reason=letter.reason,
        recipients=letter.recipients, sends=letter.sends, updated_at=letter.updated_at,
        language=content.get("language", "tr"), balances=content.get("balances", []),
        ba=content.get("ba"), bs=content.get("bs"), documents=len(letter.documents or []),
        answer=letter.answer,
    )  # fmt: skip


async def _round(uow: ReconciliationUnitOfWork, principal: Principal, round_id: uuid.UUID, *,
                 lock: bool = False) -> Round:  # fmt: skip
    return rounds.find_round(
        await uow.rounds.get(principal.tenant_id, round_id, lock=lock), principal
    )


async def _letter(
    uow: ReconciliationUnitOfWork,
    principal: Principal,
    letter_id: uuid.UUID,
    *,
    lock: bool = False,
) -> Letter:
    letter = await uow.letters.get(principal.tenant_id, letter_id, lock=lock)
    if letter is None:
        raise NotFound("No such letter.")
    await _round(uow, principal, letter.round_id)
    return letter


@router.post(
    "/rounds",
    status_code=201,
    response_model=CreatedRoundOut,
    summary="Create a round: letters prepared, amounts frozen",
    description="Computes each counterparty's balance at `as_of` (or its Form Ba / Form Bs line of "
    "`period`) now and freezes it into its letter: later imports don't change it. Letters that "
    "cannot go (no valid e-mail, inactive counterparty, nothing to confirm) are `excluded` and "
    "listed with the reason. The round stays a draft until `POST /rounds/{id}/send`, unless "
    "`send` is true. Send `Idempotency-Key` to create it once.",
    responses=CONFLICT,
)
async def create_round(
    body: RoundIn,
    request: Request,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
):
    settings = get_runtime(request).settings
    selection = body.counterparties or Selection()
    wanted = rounds.RoundRequest(
        kind=body.kind, description=body.description, validity_date=body.validity_date,
        as_of=body.as_of, period=parse_period(body.period) if body.period else None,
        threshold=body.threshold, merge_by_tax_id=body.merge_by_tax_id,
        exclude_series=tuple(s.strip().upper() for s in body.exclude_series if s.strip()),
        include_zero_balances=body.include_zero_balances,
        codes=tuple(dict.fromkeys(selection.codes)) if selection.codes is not None else None,
        text=selection.text, counterparty_kind=selection.kind,
        send_to_contacts=body.send_to_contacts, send_to_kep=body.send_to_kep,
        reminder_days_before=body.reminder_days_before, note=body.note,
    )  # fmt: skip

    async def create() -> CreatedRoundOut:
        today = business_today(settings.business_timezone)
        round_ = await rounds.create_round(wanted, principal=principal, uow=uow, today=today)
        if body.send:
            await uow.session.flush()
            await rounds.send_round(round_, principal=principal, uow=uow)
        await uow.session.flush()
        counts = (await uow.rounds.counts([round_.id]))[round_.id]
        excluded = await uow.letters.of_round(round_.id, states=["excluded"], limit=EXCLUDED_SHOWN)
        shown = [ExcludedOut(letter_id=x.id, code=x.code, title=x.title, reason=x.reason)
                 for x in excluded]  # fmt: skip
        return CreatedRoundOut(**_round_out(round_, counts).model_dump(), excluded=shown)

    return await create_once(request, principal, uow, body, create)


@router.get(
    "/rounds",
    response_model=Page[RoundOut],
    summary="Rounds sent in a date range, newest first",
    description="Each with its send date, description, validity date, letter count and state "
    "(the seeds' Gönderilmiş e-Mutabakatlar). A draft is dated by its creation.",
)
async def list_rounds(
    request: Request,
    since: date | None = Query(None, alias="from", description="First day (inclusive)"),
    until: date | None = Query(None, alias="to", description="Last day (inclusive)"),
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> Page[RoundOut]:
    zone = ZoneInfo(get_runtime(request).settings.business_timezone)
    start = datetime.combine(since, time(), zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), zone) if until else None
    after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        found = await uow.rounds.page(
            principal.tenant_id, since=start, until=end,
            created_by_email=responsible_email(principal), after=after, limit=limit + 1,
        )  # fmt: skip
        counts = await uow.rounds.counts([r.id for r in found])
    page = page_of(found, limit, lambda r: (r.created_at.isoformat(), r.id))
    items = [_round_out(r, counts[r.id]) for r in page.items]
    return Page(items=items, next_cursor=page.next_cursor)


@router.get("/rounds/{round_id}", response_model=RoundOut, summary="A round and its counts")
async def get_round(
    round_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> RoundOut:
    async with uow:
        round_ = await _round(uow, principal, round_id)
        counts = await uow.rounds.counts([round_id])
    return _round_out(round_, counts[round_id])


@router.post(
    "/rounds/{round_id}/send",
    response_model=RoundOut,
    summary="Send a draft round: every prepared letter is queued for e-mail",
    responses=CONFLICT,
)
async def send_round(
    round_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> RoundOut:
    async with uow:
        round_ = await _round(uow, principal, round_id, lock=True)
        await rounds.send_round(round_, principal=principal, uow=uow)
        await uow.session.flush()
        counts = await uow.rounds.counts([round_id])
        out = _round_out(round_, counts[round_id])
        await uow.commit()
    return out


@router.delete(
    "/rounds/{round_id}",
    status_code=204,
    summary="Drop a draft round (nothing was sent)",
    responses=CONFLICT,
)
async def delete_round(
    round_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> Response:
    async with uow:
        round_ = await _round(uow, principal, round_id, lock=True)
        if round_.state != "draft":
            raise Conflict("Only a draft round can be dropped; this one was sent.")
        await uow.rounds.delete(round_)
        await uow.commit()
    return Response(status_code=204)


@router.get(
    "/rounds/{round_id}/letters",
    response_model=Page[LetterOut],
    summary="A round's letters with their state, by counterparty code",
)
async def round_letters(
    round_id: uuid.UUID,
    state: list[State] | None = Query(None),
    cursor: str | None = None,
    limit: int = Query(500, ge=1, le=5000),
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> Page[LetterOut]:
    after = decode_cursor(cursor, str)[0] if cursor else None
    async with uow:
        await _round(uow, principal, round_id)
        letters = await uow.letters.of_round(round_id, states=state, after=after, limit=limit + 1)
    page = page_of(letters, limit, lambda letter: (letter.code,))
    return Page(items=[_letter_out(x) for x in page.items], next_cursor=page.next_cursor)


@router.get("/letters/{letter_id}", response_model=LetterOut, summary="One letter")
async def get_letter(
    letter_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> LetterOut:
    async with uow:
        return _letter_out(await _letter(uow, principal, letter_id))


@router.get(
    "/letters/{letter_id}/history",
    response_model=list[HistoryOut],
    summary="A letter's state history (Durum geçmişi)",
    description="Every state change and every e-mail queued, oldest first, with its time and "
    "source: `<role>:<key id>` of an API key (`erp:…`, `operator:…`), `notifier`, `portal` or "
    "`system` (expiry, reminders).",
)
async def letter_history(
    letter_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> list[HistoryOut]:
    async with uow:
        await _letter(uow, principal, letter_id)
        entries = await uow.letters.history(letter_id)
    return [HistoryOut(at=e.at, event=e.event, state=e.state, source=e.source, detail=e.detail)
            for e in entries]  # fmt: skip


@router.get(
    "/letters/{letter_id}/emails",
    response_model=list[EmailOut],
    summary="A letter's e-mail history (e-Posta geçmişi, Alt+P)",
    description="Each e-mail (the first, resends, reminders): to whom, when queued, what became "
    "of it, and every attempt with the SMTP server's reply.",
)
async def letter_emails(
    letter_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> list[EmailOut]:
    async with uow:
        await _letter(uow, principal, letter_id)
        emails = await uow.letters.emails(letter_id)
    return [
        EmailOut(
            send_no=e.send_no,
            purpose=e.purpose,
            recipients=e.recipients,
            queued_at=e.queued_at,
            queued_by=e.queued_by,
            outcome=e.outcome,
            reason=e.reason,
            attempts=e.attempts,
            finished_at=e.finished_at,
        )  # fmt: skip
        for e in emails
    ]


@router.post(
    "/letters/{letter_id}/resend",
    status_code=202,
    response_model=QueuedOut,
    summary="Send a letter again (Tekrar e-posta gönder, Alt+M)",
    description="A new e-mail with the same content and the same portal link. A failed letter is "
    "queued again; a sent or viewed one keeps its state. Answered or expired letters: 409.",
    responses=CONFLICT,
)
async def resend_letter(
    letter_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> QueuedOut:
    async with uow:
        letter = await _letter(uow, principal, letter_id, lock=True)
        rounds.check_resendable(letter)
        source = rounds.key_source(principal)
        queued = await rounds.resend([letter], source=source, purpose="resend", uow=uow)
        await uow.commit()
    return QueuedOut(queued=queued)


@router.post(
    "/rounds/{round_id}/resend",
    status_code=202,
    response_model=QueuedOut,
    summary="Send again every failed, or every unanswered, letter of a round",
    responses=CONFLICT,
)
async def resend_round(
    round_id: uuid.UUID,
    body: ResendAllIn,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> QueuedOut:
    states = ["failed"] if body.which == "failed" else sorted(rounds.RESENDABLE)
    async with uow:
        await _round(uow, principal, round_id, lock=True)
        letters = await uow.letters.of_round(round_id, states=states, lock=True)
        source = rounds.key_source(principal)
        queued = (
            await rounds.resend(letters, source=source, purpose="resend", uow=uow) if letters else 0
        )
        await uow.commit()
    return QueuedOut(queued=queued)
