"""Vouchers: a confirmed movement becomes a balanced voucher the ERP pulls (or gets by webhook)
and acknowledges with its own document number; cancelled before that, reversed after.

Rules kept here (see docs/matcher.md, "Vouchers and export"):

- **Numbering.** A voucher has a series and a number unique in the tenant. Without an explicit
  number it takes the series' next free number from ``series_counters`` (numbers taken explicitly
  are skipped). Every issuing first locks the tenant's ``voucher_feeds`` row and holds it until
  commit, so parallel requests get distinct numbers with no gaps (a rolled-back request gives its
  number back), and vouchers become visible in ``seq`` order — the ERP's cursor never skips one.
  Cancelled vouchers keep their number.
- **Series.** ``document_series`` maps a document type to a series per tenant; ``*`` is the
  tenant's default; without either the series is :data:`DEFAULT_SERIES`.
- **At most once.** A movement has at most one live (ready or acknowledged) voucher — checked here
  and enforced by a partial unique index. Acknowledging is idempotent (same number → same result,
  another number → 409) and decided by a conditional ``UPDATE ... WHERE state = 'ready'``, so the
  ``exported`` event is emitted once however often the ERP retries.
- **Rates.** A TRY voucher has rate 1. Another currency uses the ERP-pushed rate of the booking
  date, or the latest earlier one; with none, ``exchange_rate`` and ``try_amount`` stay null and
  the ERP applies its own rate.
"""

from __future__ import annotations

import datetime as dt
import uuid
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from shared.errors import BadRequest, Conflict, NotFound, ValidationFailed
from shared.events import MovementsProcessed
from shared.uow import UnitOfWork

from .adapters.orm import Decision, Movement
from .adapters.voucher_repository import Vouchers
from .adapters.voucher_tables import Voucher, WebhookDelivery

log = structlog.get_logger(__name__)
LOGGED_NUMBERS = 20
"""A log line names at most this many vouchers (a batch can hold thousands)."""

DEFAULT_SERIES = "BNK"
"""The series of a voucher whose document type has none and whose tenant set no default."""
ANY_DOCUMENT_TYPE = "*"
_CENTS = Decimal("0.01")


class VoucherNotBalanced(ValidationFailed):
    """The movement's own bank account has no ERP code: the voucher would have one line only."""


# -- the voucher as the ERP sees it (REST and webhooks) ---------------------------------------


class VoucherLineOut(BaseModel):
    account_kind: str = Field(description="bank, counterparty or ledger")
    code: str = Field(description="The account's code in the ERP")
    name: str
    debit: Decimal = Field(description="In the voucher's currency")
    credit: Decimal = Field(description="In the voucher's currency")
    currency: str
    amount: Decimal = Field(description="The line's amount in its currency (debit or credit)")
    try_amount: Decimal | None = Field(description="In TRY; null when no rate is known")


class VoucherOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Stable: the ERP deduplicates by it")
    seq: int = Field(description="Position in the tenant's feed")
    movement_id: uuid.UUID
    document_type: str
    series: str
    number: int
    date: dt.date
    description: str
    currency: str
    amount: Decimal
    exchange_rate: Decimal | None = Field(
        description="TRY per unit of currency; null when the ERP pushed none: apply your own"
    )
    try_amount: Decimal | None
    lines: list[VoucherLineOut]
    state: str = Field(description="ready, acknowledged, cancelled or reversed")
    erp_document_number: str | None
    acknowledged_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    reversal_of: uuid.UUID | None = Field(description="For a reversal voucher: what it undoes")
    reversed_by: uuid.UUID | None = Field(description="For a reversed voucher: its reversal")
    created_by: str
    created_at: dt.datetime


# -- issuing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankAccountRef:
    code: str
    name: str


async def bank_account_of(uow: UnitOfWork, movement: Movement) -> BankAccountRef | None:
    """The ERP code of the movement's own bank account: the ERP's bank account with its IBAN,
    else the ledger code the movement came with, else the one bank-ingest registered."""
    return await _BankAccounts(Vouchers(uow.session)).of(movement)


class _BankAccounts:
    """:func:`bank_account_of`, looked up once per bank account of a batch (a statement's
    movements share theirs)."""

    def __init__(self, vouchers: Vouchers) -> None:
        self.vouchers = vouchers
        self.known: dict[tuple[uuid.UUID, str, uuid.UUID, str], BankAccountRef | None] = {}

    async def of(self, movement: Movement) -> BankAccountRef | None:
        key = (
            movement.tenant_id,
            movement.account_iban,
            movement.account_id,
            movement.account_ledger_code,
        )
        if key not in self.known:
            self.known[key] = await self._look_up(movement)
        return self.known[key]

    async def _look_up(self, movement: Movement) -> BankAccountRef | None:
        erp = await self.vouchers.erp_bank_account(movement.tenant_id, movement.account_iban)
        own = await self.vouchers.own_account(movement.account_id)
        name = own.name if own is not None else ""
        if erp is not None and erp.code:
            return BankAccountRef(erp.code, erp.name or name)
        if movement.account_ledger_code:
            return BankAccountRef(movement.account_ledger_code, name)
        if own is not None and own.ledger_code:
            return BankAccountRef(own.ledger_code, name)
        return None


async def issue_vouchers(
    uow: UnitOfWork,
    movements: list[Movement],
    *,
    actor: str,
    series: str | None = None,
    number: int | None = None,
) -> list[Voucher]:
    """One ready voucher per confirmed movement (``movement.voucher_id`` is set).

    ``number`` (only for a single movement) takes that number of the series, 409 if taken;
    otherwise each gets the series' next free number. ``series`` defaults per document type.

    A batch costs a fixed number of queries, not a few per voucher: the live vouchers, bank
    accounts, rates and each series' block of numbers are read at once, and the vouchers are
    written in one flush."""
    if not movements:
        return []
    if number is not None and len(movements) != 1:
        raise BadRequest("An explicit number is for one movement only.", field="number")
    if number is not None and number < 1:
        raise BadRequest("A voucher number is 1 or more.", field="number")
    tenant_id = movements[0].tenant_id
    if any(m.tenant_id != tenant_id for m in movements):
        raise BadRequest("Movements of different tenants in one batch.")
    vouchers = Vouchers(uow.session)
    seqs = await vouchers.take_seqs(tenant_id, len(movements))  # the tenant's issuing lock
    banks = await _issuable(vouchers, movements)
    series_map = await vouchers.series_map(tenant_id) if series is None else {}
    document_types = [m.document_type or _default_document_type(m) for m in movements]
    chosen = [_series_for(series, series_map, d) for d in document_types]
    numbers = await _numbers(vouchers, tenant_id, chosen, number)
    rates = await _rates(vouchers, movements)
    now = dt.datetime.now(dt.UTC)
    issued: list[Voucher] = []
    for i, movement in enumerate(movements):
        rate = rates[i]
        voucher = Voucher(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            seq=seqs[i],
            movement_id=movement.id,
            document_type=document_types[i],
            series=chosen[i],
            number=numbers[i],
            date=movement.booking_date,
            description=(movement.description or "").strip()[:500],
            currency=movement.currency,
            amount=abs(movement.amount),
            exchange_rate=rate,
            try_amount=_try(abs(movement.amount), rate),
            lines=_lines(movement, banks[i], rate),
            state="ready",
            created_by=actor,
            created_at=now,
        )
        movement.voucher_id = voucher.id
        issued.append(voucher)
    uow.session.add_all(issued)
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        # Only a concurrent writer outside the tenant lock (or a bug) gets here; the database
        # refused a second live voucher for a movement or a number taken twice.
        raise Conflict(
            "The voucher conflicts with another one (same movement or same number); retry."
        ) from exc
    log.info(
        "vouchers issued",
        vouchers=len(issued),
        actor=actor,
        numbers=[f"{v.series} {v.number}" for v in issued[:LOGGED_NUMBERS]],
    )
    return issued


async def _issuable(vouchers: Vouchers, movements: list[Movement]) -> list[BankAccountRef]:
    """The bank account of each movement; the first movement that cannot have a voucher stops
    the batch with its error."""
    live = await vouchers.live_of_movements(list(dict.fromkeys(m.id for m in movements)))
    accounts = _BankAccounts(vouchers)
    seen: set[uuid.UUID] = set()
    banks: list[BankAccountRef] = []
    for movement in movements:
        _check_issuable(movement, live.get(movement.id), twice=movement.id in seen)
        seen.add(movement.id)
        bank = await accounts.of(movement)
        if bank is None:
            raise VoucherNotBalanced(
                f"The voucher of movement {movement.id} cannot be balanced: its bank account "
                f"({movement.account_iban or movement.account_id}) has no ERP code. Push the "
                "ERP's bank accounts or set the account's ledger code.",
                errors=[{"movement_id": str(movement.id), "reason": "no bank account code"}],
            )
        banks.append(bank)
    return banks


def _check_issuable(movement: Movement, live: Voucher | None, *, twice: bool) -> None:
    if movement.state != "confirmed":
        raise Conflict(f"Movement {movement.id} is {movement.state}, not confirmed.")
    if not movement.contra_kind or not movement.contra_code:
        raise ValidationFailed(
            f"Movement {movement.id} has no contra account.",
            errors=[{"movement_id": str(movement.id), "reason": "no contra account"}],
        )
    if twice:
        raise Conflict(
            f"Movement {movement.id} is twice in the batch: a movement is exported at most once."
        )
    if live is not None or movement.voucher_id is not None:
        raise Conflict(
            f"Movement {movement.id} already has voucher "
            f"{live.id if live else movement.voucher_id}: a movement is exported at most once.",
            voucher_id=str(live.id if live else movement.voucher_id),
        )


async def _numbers(
    vouchers: Vouchers, tenant_id: uuid.UUID, chosen: list[str], number: int | None
) -> list[int]:
    """Each voucher's number: ``number`` if free (one voucher), else its series' next ones — a
    block per series, handed out in the batch's order."""
    if number is not None:
        [series] = chosen
        if await vouchers.number_taken(tenant_id, series, number):
            raise Conflict(
                f"Number {number} of series {series} is already taken.",
                series=series,
                number=number,
            )
        return [number]
    wanted = Counter(chosen)  # in order of first use: the series' counters are taken in order
    blocks = {s: iter(await vouchers.next_numbers(tenant_id, s, n)) for s, n in wanted.items()}
    return [next(blocks[s]) for s in chosen]


def _default_document_type(movement: Movement) -> str:
    return "incoming_transfer" if movement.amount > 0 else "outgoing_transfer"


def _series_for(explicit: str | None, mapping: dict[str, str], document_type: str) -> str:
    if explicit:
        return explicit
    return mapping.get(document_type) or mapping.get(ANY_DOCUMENT_TYPE) or DEFAULT_SERIES


async def _rates(vouchers: Vouchers, movements: list[Movement]) -> list[Decimal | None]:
    """Each movement's rate: 1 for TRY, else the ERP's rate of its booking date or the latest
    earlier one — read once per currency of the batch."""
    days: dict[str, list[dt.date]] = defaultdict(list)
    for movement in movements:
        if movement.currency != "TRY":
            days[movement.currency].append(movement.booking_date)
    known: dict[str, tuple[list[dt.date], list[Decimal]]] = {}
    for currency, dates in days.items():
        rows = await vouchers.rates_between(
            movements[0].tenant_id, currency, min(dates), max(dates)
        )
        known[currency] = ([r.date for r in rows], [r.rate for r in rows])
    return [_rate_of(m, known) for m in movements]


def _rate_of(
    movement: Movement, known: dict[str, tuple[list[dt.date], list[Decimal]]]
) -> Decimal | None:
    if movement.currency == "TRY":
        return Decimal(1)
    dates, rates = known[movement.currency]
    at = bisect_right(dates, movement.booking_date)
    return rates[at - 1] if at else None


def _try(amount: Decimal, rate: Decimal | None) -> Decimal | None:
    if rate is None:
        return None
    return (amount * rate).quantize(_CENTS, rounding=ROUND_HALF_UP)


def _lines(movement: Movement, bank: BankAccountRef, rate: Decimal | None) -> list[dict[str, Any]]:
    """Incoming money: bank debit, contra credit; outgoing: the reverse."""
    amount = abs(movement.amount)
    bank_line = _line("bank", bank.code, bank.name, amount, movement.currency, rate)
    contra_line = _line(
        movement.contra_kind or "", movement.contra_code or "", movement.contra_name or "",
        amount, movement.currency, rate,
    )  # fmt: skip
    if movement.amount > 0:
        return [_side(bank_line, "debit"), _side(contra_line, "credit")]
    return [_side(contra_line, "debit"), _side(bank_line, "credit")]


def _line(
    kind: str, code: str, name: str, amount: Decimal, currency: str, rate: Decimal | None
) -> dict[str, Any]:
    try_amount = _try(amount, rate)
    return {
        "account_kind": kind,
        "code": code,
        "name": name,
        "currency": currency,
        "amount": str(amount),
        "try_amount": str(try_amount) if try_amount is not None else None,
    }


def _side(line: dict[str, Any], side: str) -> dict[str, Any]:
    amount = line["amount"]
    return {
        **line,
        "debit": amount if side == "debit" else "0",
        "credit": amount if side == "credit" else "0",
    }


def _swapped(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**line, "debit": line["credit"], "credit": line["debit"]} for line in lines]


# -- the ERP's answer, and undoing ------------------------------------------------------------


async def get_voucher(uow: UnitOfWork, tenant_id: uuid.UUID, voucher_id: uuid.UUID) -> Voucher:
    voucher = await Vouchers(uow.session).get(tenant_id, voucher_id)
    if voucher is None:
        raise NotFound(f"No voucher {voucher_id}.")
    return voucher


async def acknowledge(
    uow: UnitOfWork,
    tenant_id: uuid.UUID,
    items: Sequence[tuple[uuid.UUID, str]],
    *,
    actor: str,
) -> list[Voucher | Exception]:
    """The ERP booked these vouchers under its own document numbers. Per item: the voucher, or
    the error (NotFound / Conflict) that item got; the others still go through.

    Idempotent: the same number again returns the voucher unchanged, another number is 409.
    Exported movements are announced in one ``MovementsProcessed`` event."""
    vouchers = Vouchers(uow.session)
    now = dt.datetime.now(dt.UTC)
    results: list[Voucher | Exception] = []
    exported: list[uuid.UUID] = []
    for voucher_id, raw_number in items:
        number = raw_number.strip()
        try:
            if not number:
                raise ValidationFailed(
                    "erp_document_number is required.",
                    errors=[{"field": "erp_document_number", "reason": "empty"}],
                )
            won = await uow.session.execute(
                update(Voucher)
                .where(
                    Voucher.tenant_id == tenant_id,
                    Voucher.id == voucher_id,
                    Voucher.state == "ready",
                )
                .values(
                    state="acknowledged",
                    erp_document_number=number,
                    acknowledged_at=now,
                    acknowledged_by=actor,
                )
                .execution_options(synchronize_session=False)
            )
            voucher = await vouchers.get(tenant_id, voucher_id, fresh=True)
            if voucher is None:
                raise NotFound(f"No voucher {voucher_id}.")
            if won.rowcount == 1:  # type: ignore[attr-defined]
                if await _mark_exported(uow, voucher, actor, now):
                    exported.append(voucher.movement_id)
            elif voucher.erp_document_number is not None:
                if voucher.erp_document_number != number:
                    raise Conflict(
                        f"Voucher {voucher_id} was already acknowledged as "
                        f"{voucher.erp_document_number!r}, not {number!r}.",
                        erp_document_number=voucher.erp_document_number,
                    )
            else:
                raise Conflict(
                    f"Voucher {voucher_id} is {voucher.state}: it must not be booked "
                    "(remove it from the ERP if it was).",
                    state=voucher.state,
                )
            results.append(voucher)
        except (NotFound, Conflict, ValidationFailed) as error:
            results.append(error)
    if exported:
        await uow.emit(
            MovementsProcessed(movement_ids=exported, processed=True, state="exported"),
            tenant=tenant_id,
        )
    log.info(
        "vouchers acknowledged",
        vouchers=len(items),
        exported=len(exported),
        refused=sum(isinstance(r, Exception) for r in results),
        actor=actor,
    )
    return results


async def _mark_exported(uow: UnitOfWork, voucher: Voucher, actor: str, now: dt.datetime) -> bool:
    """The movement is exported (the seeds' "Aktarıldı"); a reversal voucher changes nothing on
    its movement but is recorded."""
    movement = await uow.session.get(Movement, voucher.movement_id)
    if movement is None:
        return False
    before = _snapshot(movement)
    if voucher.reversal_of is not None:
        _decide(uow, movement, "reversal_exported", actor, now, before, voucher)
        return False
    movement.state, movement.updated_at = "exported", now
    _decide(uow, movement, "exported", actor, now, before, voucher)
    return True


async def cancel(
    uow: UnitOfWork, tenant_id: uuid.UUID, voucher_id: uuid.UUID, *, actor: str
) -> Voucher:
    """Withdraw a ready voucher; the movement goes back to the worklist (proposed). Cancelling a
    cancelled voucher again returns it unchanged."""
    now = dt.datetime.now(dt.UTC)
    won = await uow.session.execute(  # the write first: it decides a race with acknowledge
        update(Voucher)
        .where(
            Voucher.tenant_id == tenant_id,
            Voucher.id == voucher_id,
            Voucher.state == "ready",
            Voucher.reversal_of.is_(None),
        )
        .values(state="cancelled", cancelled_at=now, cancelled_by=actor)
        .execution_options(synchronize_session=False)
    )
    voucher = await Vouchers(uow.session).get(tenant_id, voucher_id, fresh=True)
    if voucher is None:
        raise NotFound(f"No voucher {voucher_id}.")
    if won.rowcount != 1:  # type: ignore[attr-defined]
        if voucher.state == "cancelled":
            return voucher
        if voucher.reversal_of is not None:
            raise Conflict(
                "A reversal voucher cannot be cancelled: the ERP must book it to undo "
                f"voucher {voucher.reversal_of}."
            )
        booked = (
            f" (ERP document {voucher.erp_document_number})" if voucher.erp_document_number else ""
        )
        raise Conflict(
            f"Voucher {voucher_id} is {voucher.state}{booked}: it can no longer be cancelled; "
            "only a reversal voucher can undo it.",
            state=voucher.state,
        )
    movement = await uow.session.get(Movement, voucher.movement_id)
    if movement is not None and movement.voucher_id == voucher.id:
        before = _snapshot(movement)
        _reopen(movement, now)
        _decide(uow, movement, "voucher_cancelled", actor, now, before, voucher)
    await _withdraw_deliveries(uow, voucher, now)
    return voucher


async def reverse(
    uow: UnitOfWork,
    tenant_id: uuid.UUID,
    voucher_id: uuid.UUID,
    *,
    actor: str,
    date: dt.date | None = None,
    number: int | None = None,
) -> Voucher:
    """Undo an acknowledged voucher with a ready reversal voucher (lines swapped, same series,
    the next free number unless ``number``; dated ``date`` or the original's date). The original
    becomes ``reversed`` and the movement goes back to the worklist (proposed)."""
    vouchers = Vouchers(uow.session)
    [seq] = await vouchers.take_seqs(tenant_id, 1)  # the tenant's issuing lock first
    now = dt.datetime.now(dt.UTC)
    original = await vouchers.get(tenant_id, voucher_id, fresh=True)
    if original is None:
        raise NotFound(f"No voucher {voucher_id}.")
    if original.reversal_of is not None:
        raise Conflict("A reversal voucher cannot itself be reversed.")
    if original.state != "acknowledged":
        hint = {
            "ready": "it is not booked yet: cancel it instead",
            "cancelled": "it was cancelled",
            "reversed": f"it was already reversed by voucher {original.reversed_by}",
        }.get(original.state, original.state)
        raise Conflict(
            f"Voucher {voucher_id} cannot be reversed: {hint}.",
            state=original.state,
            reversed_by=str(original.reversed_by) if original.reversed_by else None,
        )
    if number is not None:
        if number < 1:
            raise BadRequest("A voucher number is 1 or more.", field="number")
        if await vouchers.number_taken(tenant_id, original.series, number):
            raise Conflict(
                f"Number {number} of series {original.series} is already taken.",
                series=original.series,
                number=number,
            )
    taken = number or await vouchers.next_number(tenant_id, original.series)
    reversal = Voucher(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        seq=seq,
        movement_id=original.movement_id,
        document_type=original.document_type,
        series=original.series,
        number=taken,
        date=date or original.date,
        description=f"Ters kayıt {original.series} {original.number} "
        f"({original.erp_document_number}): {original.description}"[:500],
        currency=original.currency,
        amount=original.amount,
        exchange_rate=original.exchange_rate,
        try_amount=original.try_amount,
        lines=_swapped(original.lines),
        state="ready",
        reversal_of=original.id,
        created_by=actor,
        created_at=now,
    )
    uow.session.add(reversal)
    original.state, original.reversed_by, original.reversed_at = "reversed", reversal.id, now
    movement = await uow.session.get(Movement, original.movement_id)
    if movement is not None and movement.voucher_id == original.id:
        before = _snapshot(movement)
        _reopen(movement, now)
        _decide(uow, movement, "voucher_reversed", actor, now, before, reversal)
        await uow.emit(
            MovementsProcessed(movement_ids=[movement.id], processed=False, state="proposed"),
            tenant=tenant_id,
        )
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("The reversal voucher conflicts with another voucher; retry.") from exc
    return reversal


def _reopen(movement: Movement, now: dt.datetime) -> None:
    """Back on the worklist, as restore does: proposed (or unmatched without any candidate)."""
    movement.state = "proposed" if movement.candidates else "unmatched"
    movement.voucher_id = None
    movement.contra_kind = movement.contra_code = movement.contra_name = None
    movement.confirmed_by, movement.confirmed_at = None, None
    movement.updated_at = now


async def _withdraw_deliveries(uow: UnitOfWork, voucher: Voucher, now: dt.datetime) -> None:
    """Webhook deliveries of a voucher that was cancelled: those never attempted are skipped;
    webhooks that may have received it get a ``voucher.cancelled`` delivery."""
    deliveries = list(
        await uow.session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.voucher_id == voucher.id, WebhookDelivery.event == "voucher.ready"
            )
        )
    )
    for delivery in deliveries:
        if delivery.status == "pending" and delivery.attempts == 0:
            delivery.status, delivery.next_attempt_at = "skipped", None
            delivery.last_error = "voucher cancelled before delivery"
            continue
        if delivery.status == "pending":
            delivery.status, delivery.next_attempt_at = "skipped", None
            delivery.last_error = "voucher cancelled; its cancellation is sent instead"
        uow.session.add(
            WebhookDelivery(
                id=uuid.uuid4(),
                tenant_id=voucher.tenant_id,
                webhook_id=delivery.webhook_id,
                voucher_id=voucher.id,
                event="voucher.cancelled",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                log=[],
                created_at=now,
            )
        )


def _snapshot(movement: Movement) -> dict[str, Any]:
    return {
        "state": movement.state,
        "contra_kind": movement.contra_kind,
        "contra_code": movement.contra_code,
        "document_type": movement.document_type,
        "voucher_id": str(movement.voucher_id) if movement.voucher_id else None,
    }


def _decide(
    uow: UnitOfWork,
    movement: Movement,
    action: str,
    actor: str,
    now: dt.datetime,
    before: dict[str, Any],
    voucher: Voucher,
) -> None:
    after = {
        **_snapshot(movement),
        "voucher": f"{voucher.series} {voucher.number}",
        "voucher_ref": str(voucher.id),
        "erp_document_number": voucher.erp_document_number,
    }
    uow.session.add(
        Decision(
            tenant_id=movement.tenant_id,
            movement_id=movement.id,
            action=action,
            actor=actor,
            at=now,
            before=before,
            after=after,
        )
    )
