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
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

import structlog
from sqlalchemy import text

from shared.events import MovementsRecorded

from . import accounts
from .adapters.orm import BankAccount, StatementImport
from .adapters.repository import BankIngestUnitOfWork, StoredBlock
from .domain.formats import Reading, ReadOptions
from .domain.identity import Occurrences
from .domain.prepared import (
    CURRENCY,
    MovementBlock,
    PreparedPart,
    StatementEnd,
)
from .domain.statement import StatementFooter, StatementHeader
from .parse_worker import parts_in_child, parts_inline
from .statements import StatementSummary, close_statement, open_statement

BATCH = 1000

log = structlog.get_logger(__name__)


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
    account_key: str
    """The account's id as text, as the identity rule and the insert take it."""
    owner: tuple[str, str]
    """(account id, statement id) as text."""


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
    log.info(
        "statement file read",
        import_id=str(record.id),
        file=record.file_name,
        source=source,
        format=record.format,
        bytes=size,
        statements=record.statement_count,
        movements_new=record.movements_new,
        movements_duplicate=record.movements_duplicate,
    )
    return result


@contextlib.contextmanager
def _parts(
    stream: BinaryIO, options: ReadOptions, reading: Reading, *, in_child: bool
) -> Iterator[AsyncIterator[PreparedPart]]:
    if not in_child:
        yield parts_inline(stream, options, reading)
        return
    with tempfile.NamedTemporaryFile(prefix="statement-") as copy:  # the child opens it by name
        shutil.copyfileobj(stream, copy)
        copy.flush()
        yield parts_in_child(copy.name, options, reading)


class _Store:
    """Stores a stream of prepared statement parts. Movements go out in batches of ``BATCH``
    across statements; a batch is written while the next is parsed, and a statement is closed
    (checked, announced) once the batch holding its last movement is written."""

    def __init__(self, record: StatementImport, options: ReadOptions, uow: BankIngestUnitOfWork):
        self.record, self.options, self.uow = record, options, uow
        self.result = ImportResult(record)
        self.writer = _Writer()
        self.occurrences: dict[tuple[uuid.UUID, str], Occurrences] = {}
        self.accounts: dict[tuple[str, str], BankAccount] = {}
        self.current: _Open | None = None
        self.open: dict[uuid.UUID, _Open] = {}
        self.batch = _Batch()
        self.footers: list[tuple[_Open, StatementFooter]] = []  # rows not yet sent
        self.closing: list[tuple[_Open, StatementFooter]] = []  # rows in the batch in flight
        self.now = datetime.now(UTC)

    async def consume(self, parts: AsyncIterator[PreparedPart]) -> ImportResult:
        async with contextlib.aclosing(parts):  # type: ignore[type-var]
            try:
                await _compress_outbox_cheaply(self.uow)
                async for part in parts:
                    if type(part) is MovementBlock:
                        current = self.current
                        assert current is not None, "the parser yields a header first"
                        self.batch.add(part, current)
                        if self.batch.count >= BATCH:
                            await self.flush()
                    elif isinstance(part, StatementHeader):
                        await self.header(part)
                    else:
                        assert isinstance(part, StatementEnd)
                        self.footers.append((self._ended(part), part.footer))
                await self.flush()
                await self.flush()  # closes the statements of the last batch
            except BaseException:
                await self.writer.abandon()
                raise
        return self.result

    def _ended(self, end: StatementEnd) -> _Open:
        current, self.current = self.current, None
        assert current is not None, "the parser yields a header first"
        summary = current.summary
        summary.movement_count, summary.movements_sum = end.movement_count, end.movements_sum
        summary.first_booking = date.fromisoformat(end.first_booking) if end.first_booking else None
        summary.last_booking = date.fromisoformat(end.last_booking) if end.last_booking else None
        return current

    async def header(self, part: StatementHeader) -> None:
        account = await self._account(part.account or self.options.account, part.currency)
        summary = open_statement(part, account, self.record)
        key = (account.id, part.statement_number or str(summary.id))
        occurrences = self.occurrences.setdefault(key, Occurrences())
        account_key = str(account.id)
        owner = (account_key, str(summary.id))
        self.current = _Open(account, summary, occurrences, account_key, owner)
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
        batch, self.batch = self.batch, _Batch()
        await self.writer.drain()
        for current, footer in self.closing:
            del self.open[current.summary.id]
            summary = await close_statement(current.summary, footer, uow=self.uow)
            self.result.statements.append(summary)
        self.closing, self.footers = self.footers, []
        if batch.count:
            await self.writer.start(_write(batch, self.record.tenant_id, self.now, self.uow))


class _Batch:
    """About ``BATCH`` movements (whole blocks), each block with its ids and statement."""

    __slots__ = ("blocks", "count")

    def __init__(self) -> None:
        self.blocks: list[StoredBlock] = []
        self.count = 0

    def add(self, block: MovementBlock, current: _Open) -> None:
        if block.rows is not None and not all(row[CURRENCY] for row in block.rows):
            # neither the movement nor its header said: the account's currency
            fill = (current.summary.currency,)
            rows = [
                row if row[CURRENCY] else row[:CURRENCY] + fill + row[CURRENCY + 1 :]
                for row in block.rows
            ]
            block = MovementBlock(block.fingerprints, rows=rows)
        id_for, account = current.occurrences.id_for, current.account_key
        ids = [id_for(account, print_) for print_ in block.fingerprints]
        self.blocks.append(StoredBlock(block, ids, current.owner, current))
        self.count += block.count


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
    batch: _Batch, tenant_id: uuid.UUID, now: datetime, uow: BankIngestUnitOfWork
) -> None:
    new_ids = await uow.movements.insert_new(batch.blocks, tenant_id=tenant_id, now=now)
    by_statement: dict[uuid.UUID, tuple[_Open, list[str]]] = {}
    for stored in batch.blocks:
        current: _Open = stored.statement
        movements = by_statement.setdefault(current.summary.id, (current, []))[1]
        movements += stored.block.recorded(stored.ids, new_ids)
    for current, movements in by_statement.values():
        if not movements:
            continue
        current.summary.new_movements += len(movements)
        account = current.account
        payload = {
            "account_id": current.account_key,
            "iban": account.iban,
            "account_number": account.account_number or "",
            "ledger_code": account.ledger_code,
            "statement_id": current.owner[1],
            "movements": [],
        }
        await uow.emit_batch(MovementsRecorded, payload, movements, tenant=account.tenant_id)


async def _compress_outbox_cheaply(uow: BankIngestUnitOfWork) -> None:
    """On PostgreSQL, compress this transaction's large values (the batch events) with lz4
    where the server has it: pglz costs the server a second per hundred thousand movements."""
    session = uow.session
    if session.bind.dialect.name != "postgresql":
        return
    has_lz4 = await session.scalar(
        text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    )
    if has_lz4:
        await session.execute(text("SET LOCAL default_toast_compression = lz4"))


def file_digest(stream: BinaryIO) -> tuple[str, int]:
    """(SHA-256 hex, size) of a seekable file, which is left at its start."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return digest.hexdigest(), size
