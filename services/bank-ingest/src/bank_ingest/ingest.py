"""Taking a statement file in: parse, check, store each movement once, announce — one transaction.

The file is streamed: movements are written in batches as the parser yields them, so memory does
not grow with the file. A parse error anywhere raises, and the caller's transaction rolls back:
nothing of a refused file is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import BinaryIO

from shared.events import MovementsRecorded, RecordedMovement

from . import accounts
from .adapters.orm import BankAccount, StatementImport
from .adapters.repository import BankIngestUnitOfWork
from .domain.formats import Reading, ReadOptions, read_statements
from .domain.identity import Occurrences
from .domain.statement import ParsedMovement, ParseError, StatementFooter, StatementHeader
from .domain.text import fold
from .statements import StatementSummary, close_statement, open_statement

BATCH = 1000
AMOUNT_QUANTUM = Decimal("0.0001")  # the Money column's scale


@dataclass
class ImportResult:
    record: StatementImport
    statements: list[StatementSummary] = field(default_factory=list)


@dataclass
class _Open:
    """The statement being read, with its not yet written movements."""

    account: BankAccount
    summary: StatementSummary
    occurrences: Occurrences
    pending: list[dict] = field(default_factory=list)


async def ingest_file(
    stream: BinaryIO,
    *,
    file_name: str,
    options: ReadOptions,
    tenant_id: uuid.UUID,
    uow: BankIngestUnitOfWork,
    source: str = "upload",
    connection_id: uuid.UUID | None = None,
) -> ImportResult:
    """Read ``stream`` (seekable, at 0) into the open unit of work; the caller commits."""
    digest, size = _hash(stream)
    now = datetime.now(UTC)
    record = StatementImport(
        id=uuid.uuid4(), tenant_id=tenant_id, connection_id=connection_id, source=source,
        file_name=file_name[:255], sha256=digest, size=size, format="", encoding="",
        statement_count=0, movements_new=0, movements_duplicate=0, created_at=now,
    )  # fmt: skip
    uow.imports.add(record)
    result = ImportResult(record)
    reading = Reading()
    occurrences: dict[tuple[uuid.UUID, str], Occurrences] = {}
    current: _Open | None = None
    writer = _Writer(uow)
    try:
        for part in read_statements(stream, options, reading):
            if isinstance(part, ParsedMovement):
                assert current is not None
                current.pending.append(_row(part, current, tenant_id, now))
                if len(current.pending) >= BATCH:
                    await writer.write(current)
            elif isinstance(part, StatementHeader):
                await writer.drain()
                account = await accounts.for_statement(
                    part.account or options.account, part.currency, tenant_id=tenant_id, uow=uow
                )
                summary = await open_statement(part, account, record, uow=uow)
                key = (account.id, part.statement_number or str(summary.id))
                current = _Open(account, summary, occurrences.setdefault(key, Occurrences()))
            elif isinstance(part, StatementFooter):
                assert current is not None
                await writer.write(current)
                await writer.drain()
                result.statements.append(await close_statement(current.summary, part, uow=uow))
                current = None
    except BaseException:
        await writer.abandon()
        raise
    record.format, record.encoding = reading.format, reading.encoding
    record.statement_count = sum(1 for s in result.statements if not s.duplicate_of)
    record.movements_new = sum(s.new_movements for s in result.statements)
    record.movements_duplicate = sum(s.movement_count - s.new_movements for s in result.statements)
    return result


def _row(movement: ParsedMovement, current: _Open, tenant_id: uuid.UUID, now: datetime) -> dict:
    if movement.amount.quantize(AMOUNT_QUANTUM) != movement.amount:
        raise ParseError(
            f"amount {movement.amount} has more than 4 decimals", line=movement.line or None
        )
    current.summary.add(movement)
    return {
        "id": current.occurrences.movement_id(current.account.id, movement),
        "tenant_id": tenant_id,
        "account_id": current.account.id,
        "statement_id": current.summary.id,
        "booking_date": movement.booking_date,
        "value_date": movement.value_date,
        "amount": movement.amount,
        "currency": movement.currency or current.summary.currency,
        "description": movement.description,
        "bank_reference": movement.bank_reference[:100],
        "customer_reference": movement.customer_reference[:100],
        "transaction_code": movement.transaction_code[:60],
        "counterparty_iban": movement.counterparty_iban[:34],
        "counterparty_name": movement.counterparty_name[:200],
        "counterparty_tax_id": movement.counterparty_tax_id[:11],
        "payment_reference": movement.payment_reference[:100],
        "search_text": fold(
            " ".join(
                (
                    movement.description,
                    movement.counterparty_name,
                    movement.counterparty_iban,
                    movement.bank_reference,
                    movement.customer_reference,
                    movement.payment_reference,
                    movement.counterparty_tax_id,
                )
            )
        ),  # fmt: skip
        "raw": movement.raw,
        "line": movement.line,
        "processed": False,
        "processing_state": "recorded",
        "created_at": now,
    }


class _Writer:
    """Writes a batch while the parser reads the next: one write in flight at a time, so the
    database works on batch n while Python parses batch n+1. Anything else that uses the session
    drains it first."""

    def __init__(self, uow: BankIngestUnitOfWork) -> None:
        self._uow = uow
        self._inflight: asyncio.Task[None] | None = None

    async def write(self, current: _Open) -> None:
        await self.drain()
        rows, current.pending = current.pending, []
        if rows:
            self._inflight = asyncio.create_task(_write(current, rows, self._uow))
            await asyncio.sleep(0)  # let it send the batch before parsing goes on

    async def abandon(self) -> None:
        """The file is refused: stop the write in flight (its transaction is rolled back)."""
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            inflight.cancel()
            with contextlib.suppress(BaseException):
                await inflight

    async def drain(self) -> None:
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            await inflight


async def _write(current: _Open, rows: list[dict], uow: BankIngestUnitOfWork) -> None:
    new_ids = await uow.movements.insert_new(rows)
    if not new_ids:
        return
    current.summary.new_movements += len(new_ids)
    account = current.account
    payload = {
        "account_id": str(account.id),
        "iban": account.iban,
        "account_number": account.account_number or "",
        "ledger_code": account.ledger_code,
        "statement_id": str(current.summary.id),
        "movements": [_recorded(row) for row in rows if row["id"] in new_ids],
    }
    await uow.emit_payload(MovementsRecorded, payload, tenant=account.tenant_id)


_RECORDED = tuple(RecordedMovement.model_fields)


def _recorded(row: dict) -> dict:
    """A movement as :class:`RecordedMovement` JSON, built without a model per movement."""
    return {name: _json(row[name]) for name in _RECORDED}


def _json(value: object) -> object:
    return value if isinstance(value, str) else str(value)


def _hash(stream: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size
