"""A statement's life within an import: opened at its header, checked and announced at its end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from shared.events import BalanceFigure, StatementImported

from .adapters.orm import BankAccount, Statement, StatementImport
from .adapters.repository import BankIngestUnitOfWork
from .domain.checks import ChainLink, balance_difference, continuity_issues
from .domain.statement import ParsedMovement, StatementFooter, StatementHeader


@dataclass
class StatementSummary:
    row: Statement
    movement_count: int = 0
    movements_sum: Decimal = Decimal(0)
    new_movements: int = 0
    first_booking: date | None = None
    last_booking: date | None = None
    duplicate_of: uuid.UUID | None = None
    continuity_issues: list[str] = field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    @property
    def currency(self) -> str:
        return self.row.currency

    def add(self, movement: ParsedMovement) -> None:
        self.movement_count += 1
        self.movements_sum += movement.amount
        day = movement.booking_date
        if self.first_booking is None or day < self.first_booking:
            self.first_booking = day
        if self.last_booking is None or day > self.last_booking:
            self.last_booking = day


def open_statement(
    header: StatementHeader, account: BankAccount, record: StatementImport
) -> StatementSummary:
    """The statement's row, not yet in the session: the caller adds it when the session is free
    (movements refer to it by id only, so it may be stored after them, in the same transaction)."""
    opening = header.opening
    row = Statement(
        id=uuid.uuid4(), tenant_id=account.tenant_id, import_id=record.id, account_id=account.id,
        format=header.format, reference=header.reference[:100],
        statement_number=header.statement_number[:40], page=header.page[:20],
        currency=header.currency or account.currency,
        opening_amount=opening.amount if opening else None,
        opening_date=opening.date if opening else None,
        movement_count=0, movements_sum=Decimal(0), new_movements=0, balance_check="unchecked",
        continuity_issues=[], information="", created_at=datetime.now(UTC),
    )  # fmt: skip
    return StatementSummary(row)


async def close_statement(
    summary: StatementSummary, footer: StatementFooter, *, uow: BankIngestUnitOfWork
) -> StatementSummary:
    row = summary.row
    uow.statements.add(row)
    row.closing_amount = footer.closing.amount if footer.closing else None
    row.closing_date = footer.closing.date if footer.closing else None
    row.first_booking_date, row.last_booking_date = summary.first_booking, summary.last_booking
    row.movement_count, row.movements_sum = summary.movement_count, summary.movements_sum
    row.new_movements, row.information = summary.new_movements, footer.information
    difference = balance_difference(row.opening_amount, summary.movements_sum, row.closing_amount)
    row.balance_check = (
        "unchecked" if difference is None else "balanced" if difference == 0 else "unbalanced"
    )
    row.balance_difference = difference or None
    earlier = await uow.statements.same_as(row) if summary.new_movements == 0 else None
    if earlier is not None:
        summary.duplicate_of = earlier.id  # the very same statement again: nothing to keep
        await uow.statements.delete(row)
        return summary
    previous = await uow.statements.previous(row)
    row.previous_statement_id = previous.id if previous else None
    row.continuity_issues = summary.continuity_issues = continuity_issues(
        _link(previous) if previous else None, _link(row)
    )
    await _update_balance(row, uow)
    await uow.emit(_announcement(row), tenant=row.tenant_id)
    return summary


def _link(row: Statement) -> ChainLink:
    return ChainLink(
        row.statement_number, row.opening_amount, row.opening_date, row.closing_amount,
        row.closing_date,
    )  # fmt: skip


async def _update_balance(row: Statement, uow: BankIngestUnitOfWork) -> None:
    if row.closing_date is None or row.closing_amount is None:
        return
    account = await uow.session.get(BankAccount, row.account_id)  # in the session already
    if account and (account.balance_date is None or row.closing_date >= account.balance_date):
        account.balance, account.balance_date = row.closing_amount, row.closing_date


def _announcement(row: Statement) -> StatementImported:
    def figure(amount: Decimal | None, day: date | None) -> BalanceFigure | None:
        return BalanceFigure(amount=amount, date=day) if amount is not None and day else None

    return StatementImported(
        statement_id=row.id, import_id=row.import_id, account_id=row.account_id,
        format=row.format, reference=row.reference, statement_number=row.statement_number,
        currency=row.currency, opening=figure(row.opening_amount, row.opening_date),
        closing=figure(row.closing_amount, row.closing_date),
        movement_count=row.movement_count, new_movements=row.new_movements,
        balance_difference=row.balance_difference,
        continuity_issues=list(row.continuity_issues),
    )  # fmt: skip
