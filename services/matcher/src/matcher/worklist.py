"""The operator's worklist: movements in, proposals made, confirmed, chosen, dropped, restored.

Every change of a movement's booking is a ``Decision`` (who, when, before → after); an operator's
confirmation teaches a learned rule. Vouchers are issued by ``vouchers.issue_vouchers`` as soon
as a movement is confirmed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import structlog

from shared.errors import Conflict, ValidationFailed
from shared.events import MovementsProcessed, MovementsRecorded, RecordedMovement

from .adapters.orm import Decision, LearnedRule, Movement
from .adapters.repository import MatcherUnitOfWork
from .domain.documents import DocumentType, default_document_type
from .domain.model import AccountKind, Candidate, Facts, Proposal, RuleKind
from .domain.rules import learned_pattern
from .matchers import matcher_for
from .vouchers import bank_account_of, issue_vouchers

log = structlog.get_logger(__name__)

AUTO = "auto"
OPEN_STATES = ("unmatched", "proposed")
NO_BANK_CODE = (
    "sure, but not auto-confirmed: the bank account has no ERP code yet (PUT /bank-accounts)"
)


async def take_in(uow: MatcherUnitOfWork, tenant_id: uuid.UUID, event: MovementsRecorded) -> int:
    """Store the event's new movements with their proposals; auto-confirm the sure ones and issue
    their vouchers. Returns how many were new."""
    known = await uow.movements.existing_ids([m.id for m in event.movements])
    fresh = [m for m in event.movements if m.id not in known]
    if not fresh:
        return 0
    matcher = await matcher_for(uow, tenant_id)
    settings = await uow.settings.of(tenant_id)
    codes = await _code_overrides(uow, tenant_id)
    now = datetime.now(UTC)
    rows, sure = [], []
    for recorded in fresh:
        movement = _movement(tenant_id, event, recorded, now)
        proposal = matcher.propose(facts_of(movement))
        _propose(movement, proposal, codes)
        rows.append(movement)
        if proposal.auto_confirm and settings.auto_confirm:
            sure.append((movement, proposal.best))
    if sure and await bank_account_of(uow, sure[0][0]) is None:
        for movement, _ in sure:  # a voucher needs the bank's ERP code: the operator confirms later
            movement.proposal_note = NO_BANK_CODE
        sure = []
    for movement, best in sure:
        _book(uow, movement, best.kind, best.code, best.name, movement.document_type, AUTO, now,
              action="auto_confirm", note=proposal_note(best))  # fmt: skip
    if sure:  # before the movements join the session: each is inserted with its voucher_id
        await issue_vouchers(uow, [m for m, _ in sure], actor=AUTO)
    uow.movements.add_all(rows)
    log.info(
        "movements received, proposals made",
        statement_id=str(event.statement_id),
        movements_new=len(fresh),
        movements_known=len(event.movements) - len(fresh),
        proposed=sum(m.state == "proposed" for m in rows),
        unmatched=sum(m.state == "unmatched" for m in rows),
        auto_confirmed=len(sure),
    )
    return len(fresh)


async def confirm(
    uow: MatcherUnitOfWork,
    movement: Movement,
    *,
    kind: AccountKind,
    code: str,
    name: str,
    document_type: str | None,
    actor: str,
    action: str,
    series: str | None = None,
    number: int | None = None,
) -> None:
    """Book ``movement`` to the account the operator confirmed or chose, learn from it, and issue
    its voucher."""
    if movement.state not in OPEN_STATES:
        raise Conflict(_not_open(movement))
    doc = document_type or _document_for(movement, kind, code)
    now = datetime.now(UTC)
    _book(uow, movement, kind, code, name, doc, actor, now, action=action)
    await _learn(uow, movement, kind, code, name, doc, now)
    await uow.session.flush()
    await issue_vouchers(uow, [movement], actor=actor, series=series, number=number)


async def drop(uow: MatcherUnitOfWork, movements: Sequence[Movement], *, actor: str) -> None:
    """Take lines out of the batch (the seeds' CTRL+Q); bank-ingest marks them processed."""
    now = datetime.now(UTC)
    for movement in movements:
        if movement.state not in OPEN_STATES:
            raise Conflict(_not_open(movement))
        before = snapshot(movement)
        movement.state, movement.updated_at = "dropped", now
        _record(uow, movement, "drop", actor, now, before)
    await uow.emit(
        MovementsProcessed(movement_ids=[m.id for m in movements], processed=True, state="dropped"),
        tenant=movements[0].tenant_id,
    )


async def restore(uow: MatcherUnitOfWork, movements: Sequence[Movement], *, actor: str) -> None:
    now = datetime.now(UTC)
    for movement in movements:
        if movement.state != "dropped":
            raise Conflict(f"Movement {movement.id} is {movement.state}, not dropped.")
        before = snapshot(movement)
        movement.state = "proposed" if movement.candidates else "unmatched"
        movement.updated_at = now
        _record(uow, movement, "restore", actor, now, before)
    await uow.emit(
        MovementsProcessed(
            movement_ids=[m.id for m in movements], processed=False, state="proposed"
        ),
        tenant=movements[0].tenant_id,
    )


def facts_of(movement: Movement) -> Facts:
    return Facts(
        amount=movement.amount, currency=movement.currency, description=movement.description,
        counterparty_iban=movement.counterparty_iban, counterparty_name=movement.counterparty_name,
        counterparty_tax_id=movement.counterparty_tax_id,
        payment_reference=movement.payment_reference, transaction_code=movement.transaction_code,
        booking_date=movement.booking_date, own_iban=movement.account_iban,
    )  # fmt: skip


def snapshot(movement: Movement) -> dict[str, Any]:
    return {
        "state": movement.state,
        "contra_kind": movement.contra_kind,
        "contra_code": movement.contra_code,
        "document_type": movement.document_type,
    }


def proposal_note(candidate: Candidate) -> str:
    return "; ".join(candidate.evidence)[:300]


def candidate_dict(candidate: Candidate) -> dict[str, Any]:
    found = asdict(candidate)
    found["kind"] = candidate.kind.value
    found["evidence"] = list(candidate.evidence)
    return found


def _movement(
    tenant_id: uuid.UUID, event: MovementsRecorded, m: RecordedMovement, now: datetime
) -> Movement:
    return Movement(
        id=m.id, tenant_id=tenant_id, account_id=event.account_id, statement_id=event.statement_id,
        account_iban=event.iban or "", account_ledger_code=event.ledger_code,
        booking_date=m.booking_date, value_date=m.value_date, amount=m.amount,
        currency=m.currency, description=m.description, bank_reference=m.bank_reference,
        transaction_code=m.transaction_code, counterparty_iban=m.counterparty_iban,
        counterparty_name=m.counterparty_name[:300], counterparty_tax_id=m.counterparty_tax_id,
        payment_reference=m.payment_reference[:100], state="unmatched", candidates=[],
        recorded_at=now, updated_at=now,
    )  # fmt: skip


def _propose(movement: Movement, proposal: Proposal, codes: dict[tuple[str, str], str]) -> None:
    movement.candidates = [candidate_dict(c) for c in proposal.candidates]
    movement.proposal_note = proposal.reason[:300]
    movement.state = "proposed" if proposal.candidates else "unmatched"
    best = proposal.best
    movement.document_type = (
        _document_for(movement, best.kind, best.code, best.document_type, codes)
        if best
        else _document_for(movement, None, "", None, codes)
    )


def _document_for(
    movement: Movement,
    kind: AccountKind | None,
    code: str,
    rule_document: str | None = None,
    codes: dict[tuple[str, str], str] | None = None,
) -> str:
    if rule_document:
        return rule_document
    if kind is AccountKind.BANK:
        return DocumentType.VIRMAN.value
    incoming = movement.amount > 0
    direction = "incoming" if incoming else "outgoing"
    for key in ((movement.transaction_code, direction), (movement.transaction_code, "any")):
        if codes and key in codes:
            return codes[key]
    return default_document_type(movement.transaction_code, incoming).value


async def _code_overrides(
    uow: MatcherUnitOfWork, tenant_id: uuid.UUID
) -> dict[tuple[str, str], str]:
    return {
        (c.code, c.direction): c.document_type for c in await uow.rules.transaction_codes(tenant_id)
    }


def _book(
    uow: MatcherUnitOfWork,
    movement: Movement,
    kind: AccountKind,
    code: str,
    name: str,
    document_type: str | None,
    actor: str,
    now: datetime,
    *,
    action: str,
    note: str = "",
) -> None:
    before = snapshot(movement)
    movement.state = "confirmed"
    movement.contra_kind, movement.contra_code, movement.contra_name = kind.value, code, name
    movement.document_type = document_type
    movement.confirmed_by, movement.confirmed_at, movement.updated_at = actor, now, now
    _record(uow, movement, action, actor, now, before, note)


def _record(
    uow: MatcherUnitOfWork,
    movement: Movement,
    action: str,
    actor: str,
    now: datetime,
    before: dict[str, Any],
    note: str = "",
) -> None:
    after = snapshot(movement)
    if note:
        after["evidence"] = note
    uow.movements.record(
        Decision(
            tenant_id=movement.tenant_id,
            movement_id=movement.id,
            action=action,
            actor=actor,
            at=now,
            before=before,
            after=after,
        )  # fmt: skip
    )


async def _learn(
    uow: MatcherUnitOfWork,
    movement: Movement,
    kind: AccountKind,
    code: str,
    name: str,
    document_type: str | None,
    now: datetime,
) -> None:
    """The operator's choice, remembered for this IBAN or this description (latest wins)."""
    learned = learned_pattern(facts_of(movement))
    if learned is None:
        return
    rule_kind, key = learned
    key = key[:500]
    rule = await uow.rules.learned_for(movement.tenant_id, rule_kind.value, key)
    if rule is None:
        rule = LearnedRule(tenant_id=movement.tenant_id, kind=rule_kind.value, key=key, times=0)
        uow.rules.add(rule)
    same = (rule.target_kind, rule.target_code) == (kind.value, code)
    rule.times = (rule.times or 0) + 1 if same else 1
    rule.target_kind, rule.target_code, rule.target_name = kind.value, code, name
    rule.document_type = document_type if rule_kind is not RuleKind.IBAN else None
    rule.updated_at = now
    await uow.settings.bump(movement.tenant_id, rules=True)


def _not_open(movement: Movement) -> str:
    if movement.state == "confirmed":
        return (
            f"Movement {movement.id} is already confirmed (voucher {movement.voucher_id}); "
            "cancel the voucher first to book it differently."
        )
    return f"Movement {movement.id} is {movement.state}; only unmatched or proposed lines can be changed."


def unknown_account(kind: str, code: str) -> ValidationFailed:
    return ValidationFailed(
        f"No {kind} account with code {code!r}.",
        errors=[{"field": "code", "value": code, "reason": f"unknown {kind} account"}],
    )
