"""Taking a statement file in: parse, check, store each movement once, announce — one transaction.

The file is streamed: movements are written in batches as the parser yields them, so memory does
not grow with the file. A parse error anywhere raises, and the caller's transaction rolls back:
nothing of a refused file is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from shared.events import MovementsRecorded, RecordedMovement

from . import accounts
from .adapters.orm import BankAccount, StatementImport
from .adapters.repository import BankIngestUnitOfWork
from .domain.formats import Reading, ReadOptions
from .domain.identity import Occurrences
from .domain.statement import (
    ParsedMovement,
    ParseError,
    StatementFooter,
    StatementHeader,
    StatementPart,
)
from .domain.text import fold
from .parse_worker import parts_in_child, parts_inline
from .statements import StatementSummary, close_statement, open_statement

BATCH = 1000
AMOUNT_QUANTUM = Decimal("0.0001")  # the Money column's scale


@dataclass
class ImportResult:
    record: StatementImport
    statements: list[StatementSummary] = field(default_factory=list)


@dataclass
class _Open:
    """A statement read but not yet closed."""

    account: BankAccount
    summary: StatementSummary
    occurrences: Occurrences


async def ingest_file(
    stream: BinaryIO,
    *,
    file_name: str,
    options: ReadOptions,
    tenant_id: uuid.UUID,
    uow: BankIngestUnitOfWork,
    source: str = "upload",
    connection_id: uuid.UUID | None = None,
    parse_in_child_above: int | None = None,
    digest: tuple[str, int] | None = None,
) -> ImportResult:
    """Read ``stream`` (seekable, at 0) into the open unit of work; the caller commits.

    A file of ``parse_in_child_above`` bytes or more is parsed by a child process while this one
    stores what has been parsed so far. ``digest`` is :func:`file_digest`, when the caller has it."""
    sha256, size = digest or file_digest(stream)
    record = StatementImport(
        id=uuid.uuid4(), tenant_id=tenant_id, connection_id=connection_id, source=source,
        file_name=file_name[:255], sha256=sha256, size=size, format="", encoding="",
        statement_count=0, movements_new=0, movements_duplicate=0,
        created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.imports.add(record)
    reading = Reading()
    in_child = parse_in_child_above is not None and size >= parse_in_child_above
    with _parts(stream, options, reading, in_child=in_child) as parts:
        result = await _Store(record, options, uow).consume(parts)
    record.format, record.encoding = reading.format, reading.encoding
    record.statement_count = sum(1 for s in result.statements if not s.duplicate_of)
    record.movements_new = sum(s.new_movements for s in result.statements)
    record.movements_duplicate = sum(s.movement_count - s.new_movements for s in result.statements)
    return result


@contextlib.contextmanager
def _parts(
    stream: BinaryIO, options: ReadOptions, reading: Reading, *, in_child: bool
) -> Iterator[AsyncIterator[StatementPart]]:
    if not in_child:
        yield parts_inline(stream, options, reading)
        return
    with tempfile.NamedTemporaryFile(prefix="statement-") as copy:  # the child opens it by name
        shutil.copyfileobj(stream, copy)
        copy.flush()
        yield parts_in_child(copy.name, options, reading)


class _Store:
    """Stores a stream of statement parts. Movements go out in batches of ``BATCH`` across
    statements; a batch is written while the next is parsed, and a statement is closed (checked,
    announced) once the batch holding its last movement is written."""

    def __init__(self, record: StatementImport, options: ReadOptions, uow: BankIngestUnitOfWork):
        self.record, self.options, self.uow = record, options, uow
        self.result = ImportResult(record)
        self.writer = _Writer()
        self.occurrences: dict[tuple[uuid.UUID, str], Occurrences] = {}
        self.accounts: dict[tuple[str, str], BankAccount] = {}
        self.current: _Open | None = None
        self.open: dict[uuid.UUID, _Open] = {}
        self.pending: list[dict] = []
        self.footers: list[tuple[_Open, StatementFooter]] = []  # rows not yet sent
        self.closing: list[tuple[_Open, StatementFooter]] = []  # rows in the batch in flight
        self.now = datetime.now(UTC)

    async def consume(self, parts: AsyncIterator[StatementPart]) -> ImportResult:
        async with contextlib.aclosing(parts):  # type: ignore[type-var]
            try:
                async for part in parts:
                    if isinstance(part, ParsedMovement):
                        await self.movement(part)
                    elif isinstance(part, StatementHeader):
                        await self.header(part)
                    else:
                        self.footers.append((self._current(), part))
                        self.current = None
                await self.flush()
                await self.flush()  # closes the statements of the last batch
            except BaseException:
                await self.writer.abandon()
                raise
        return self.result

    def _current(self) -> _Open:
        assert self.current is not None, "the parser yields a header first"
        return self.current

    async def movement(self, part: ParsedMovement) -> None:
        current = self._current()
        self.pending.append(_row(part, current, self.record.tenant_id, self.now))
        if len(self.pending) >= BATCH:
            await self.flush()

    async def header(self, part: StatementHeader) -> None:
        account = await self._account(part.account or self.options.account, part.currency)
        summary = open_statement(part, account, self.record)
        key = (account.id, part.statement_number or str(summary.id))
        self.current = _Open(account, summary, self.occurrences.setdefault(key, Occurrences()))
        self.open[summary.id] = self.current

    async def _account(self, raw: str, currency: str) -> BankAccount:
        if (raw, currency) not in self.accounts:
            await self.writer.drain()  # the session is needed, and nothing may be in flight
            account = await accounts.for_statement(
                raw, currency, tenant_id=self.record.tenant_id, uow=self.uow
            )
            await self.uow.session.flush()  # movements written next refer to it
            self.accounts[raw, currency] = account
        return self.accounts[raw, currency]

    async def flush(self) -> None:
        """Wait for the batch in flight, close the statements it completed, send the next."""
        rows, self.pending = self.pending, []
        await self.writer.drain()
        for current, footer in self.closing:
            del self.open[current.summary.id]
            summary = await close_statement(current.summary, footer, uow=self.uow)
            self.result.statements.append(summary)
        self.closing, self.footers = self.footers, []
        if rows:
            await self.writer.start(_write(rows, self.open, self.uow))


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
    """One batch write in flight at a time, so the database works on batch n while Python parses
    batch n+1. The session is used by nothing else until :meth:`drain` has returned."""

    def __init__(self) -> None:
        self._inflight: asyncio.Task[None] | None = None

    async def start(self, write: Coroutine[Any, Any, None]) -> None:
        self._inflight = asyncio.create_task(write)
        for _ in range(5):  # let it get the batch on its way before parsing goes on
            await asyncio.sleep(0)

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


async def _write(
    rows: list[dict], statements: dict[uuid.UUID, _Open], uow: BankIngestUnitOfWork
) -> None:
    new_ids = await uow.movements.insert_new(rows)
    by_statement: dict[uuid.UUID, list[dict]] = {}
    for row in rows:
        if row["id"] in new_ids:
            by_statement.setdefault(row["statement_id"], []).append(row)
    for statement_rows in by_statement.values():
        current = statements[statement_rows[0]["statement_id"]]
        current.summary.new_movements += len(statement_rows)
        account = current.account
        payload = {
            "account_id": str(account.id),
            "iban": account.iban,
            "account_number": account.account_number or "",
            "ledger_code": account.ledger_code,
            "statement_id": str(current.summary.id),
            "movements": [_recorded(row) for row in statement_rows],
        }
        await uow.emit_payload(MovementsRecorded, payload, tenant=account.tenant_id)


_RECORDED = tuple(RecordedMovement.model_fields)


def _recorded(row: dict) -> dict:
    """A movement as :class:`RecordedMovement` JSON, built without a model per movement."""
    return {name: _json(row[name]) for name in _RECORDED}


def _json(value: object) -> object:
    return value if isinstance(value, str) else str(value)


def file_digest(stream: BinaryIO) -> tuple[str, int]:
    """(SHA-256 hex, size) of a seekable file, which is left at its start."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size
