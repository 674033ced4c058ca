"""Importing a data set (an .xlsx file in the template's layout, or a JSON array) as a job.

A job reads and checks the rows block by block in a worker thread while the previous block is
written, so Python and the database work at the same time. Everything is written in one
transaction: a refused file (``on_error=refuse`` and any bad row) is rolled back whole, and a
crash stores nothing. Progress (rows read / stored / refused) is kept in memory by the process
running the job and shown by ``GET /imports/{id}``; the job row holds the final report.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import structlog

from shared.child_process import ChildOutOfMemory, stream_from_child, warm
from shared.db import is_postgres
from shared.runtime import Runtime

from . import counterparties
from .adapters.books import BABS, MOVEMENTS, Stored
from .adapters.orm import ImportJob
from .adapters.repository import ReconciliationUnitOfWork
from .domain.datasets import BABS_FIELDS, Dataset
from .domain.workbook import WorkbookError
from .import_reading import Checked, JsonRowsError, PackedChecked, checked_blocks, packed_blocks
from .import_report import Progress, note_unknown, refusal, stored_message

log = structlog.get_logger(__name__)

_CHILD_MODULES = ("reconciliation.import_reading",)
_PERIOD = BABS_FIELDS.index("period")
_TOO_LARGE_TO_READ = (
    "The file was refused: reading its sheet needs more memory than an import may take "
    "(MUTABIK_RECONCILIATION_IMPORT_CHILD_MEMORY_BYTES); a cell far from the data (a stray value "
    "in XFD1048576?) makes a sheet that large: delete the rows and columns beyond the data in "
    "Excel and save it again."
)


class ImportRunner:
    """Runs import jobs in this process and knows the progress of those still running."""

    def __init__(self, *, child_above_bytes: int | None = None) -> None:
        self.child_above_bytes = child_above_bytes
        """Files at least this large are read in a child process (PostgreSQL only)."""
        self.progress: dict[uuid.UUID, Progress] = {}
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    def start(self, runtime: Runtime, job_id: uuid.UUID, path: str) -> asyncio.Task[None]:
        task = asyncio.create_task(self._run(runtime, job_id, path), name=f"import-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))
        return task

    async def watch(self, runtime: Runtime) -> None:
        """Background job of the service: fail jobs a restart cut off, cancel ours on shutdown."""
        if self.child_above_bytes is not None and is_postgres(runtime.engine):
            await asyncio.to_thread(warm, _CHILD_MODULES)
        async with runtime.new_uow() as uow:
            for job in await uow.imports.unfinished():  # type: ignore[attr-defined]
                job.state, job.finished_at = "failed", datetime.now(UTC)
                job.message = "Interrupted by a restart before it finished; nothing of it was "
                job.message += "stored. Import the file again."
            await uow.commit()
        try:
            await asyncio.Event().wait()
        finally:
            for task in list(self._tasks.values()):
                task.cancel()

    def _in_child(self, runtime: Runtime, path: str) -> bool:
        limit = self.child_above_bytes
        return limit is not None and is_postgres(runtime.engine) and os.path.getsize(path) >= limit

    async def _run(self, runtime: Runtime, job_id: uuid.UUID, path: str) -> None:
        progress = self.progress.setdefault(job_id, Progress())
        try:
            await _execute(runtime, job_id, path, progress, self._in_child(runtime, path))
        except Exception as exc:
            log.exception("import failed", import_id=str(job_id))
            await _finish(runtime, job_id, progress, "failed", f"The import failed: {exc}")
        finally:
            self.progress.pop(job_id, None)
            with contextlib.suppress(OSError):
                os.unlink(path)


async def _execute(
    runtime: Runtime, job_id: uuid.UUID, path: str, progress: Progress, in_child: bool
) -> None:
    async with runtime.new_uow() as uow:
        job = await uow.session.get(ImportJob, job_id)
        assert job is not None
        job.state, job.started_at = "running", datetime.now(UTC)
        tenant_id, dataset = job.tenant_id, Dataset(job.dataset)
        source, refuse_all = job.source, job.on_error == "refuse"
        await uow.commit()
    async with runtime.new_uow() as uow:
        assert isinstance(uow, ReconciliationUnitOfWork)
        try:
            if dataset is Dataset.COUNTERPARTIES:
                await _import_counterparties(uow, tenant_id, path, source, progress, refuse_all)
            else:
                limit = runtime.settings.import_child_memory_bytes
                reading = _Reading(path, source, dataset, in_child, limit)
                await _import_book(uow, tenant_id, job_id, reading, progress, refuse_all)
        except (WorkbookError, JsonRowsError) as exc:
            await uow.rollback()
            await _finish(runtime, job_id, progress, "refused", f"The file was refused: {exc}")
            return
        except ChildOutOfMemory:
            await uow.rollback()
            await _finish(runtime, job_id, progress, "refused", _TOO_LARGE_TO_READ)
            return
        if progress.error_count and refuse_all:
            await uow.rollback()
            message = refusal(progress)
            await _finish(runtime, job_id, progress, "refused", message)
            return
        await uow.commit()
    await _finish(runtime, job_id, progress, "stored", stored_message(progress))


@dataclass(frozen=True)
class _Reading:
    path: str
    source: str
    dataset: Dataset
    in_child: bool
    memory_limit: int


async def _import_book(
    uow: ReconciliationUnitOfWork,
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    reading: _Reading,
    progress: Progress,
    refuse_all: bool,
) -> None:
    book = MOVEMENTS if reading.dataset is Dataset.MOVEMENTS else BABS
    known = await uow.books.known_codes(tenant_id)
    unknown: dict[str, dict[str, Any]] = {}
    on_postgres = uow.session.bind.dialect.name == "postgresql"

    months: set[date] = set()
    """BA/BS: the months whose documents must be summed again."""

    async def store(block: Checked | PackedChecked) -> None:
        if refuse_all and progress.error_count:
            return  # refused anyway: only the checks go on, for the report
        if book is BABS:
            keys, periods = _keys_and_periods(block)
            months.update(periods)
            months.update(await uow.books.periods_of(tenant_id, keys))
        if isinstance(block, PackedChecked):
            written = await uow.books.upsert_packed(book, tenant_id, job_id, block.packed)
        else:
            written = await uow.books.upsert(book, tenant_id, job_id, block.good)
        progress.stored.add(written)

    args = (reading.path, reading.source, reading.dataset)
    produce = packed_blocks if on_postgres else checked_blocks
    if reading.in_child:
        items = stream_from_child(
            produce, *args, True, preload=_CHILD_MODULES, memory_limit=reading.memory_limit
        )
        next_block = functools.partial(anext, items, None)
    else:
        iterator = produce(*args)
        next_block = functools.partial(asyncio.to_thread, next, iterator, None)
    async for block in _pipelined(next_block, store):
        progress.rows_read += block.read
        progress.refuse(block.errors)
        codes = (
            block.packed.values(1)
            if isinstance(block, PackedChecked)
            else [row[1] for row in block.good]
        )
        note_unknown(codes, known, unknown)
    for warning in unknown.values():
        progress.warn(warning)
    if not (refuse_all and progress.error_count):
        await uow.books.refresh_documents(tenant_id, months)


def _keys_and_periods(block: Checked | PackedChecked) -> tuple[list[str], set[date]]:
    if isinstance(block, PackedChecked):
        periods = {date.fromisoformat(p) for p in set(map(str, block.packed.values(_PERIOD)))}
        return block.packed.values(0), periods
    return [row[0] for row in block.good], {row[_PERIOD] for row in block.good}


async def _pipelined(
    next_block: Callable[[], Awaitable[Any]], store: Callable[[Any], Awaitable[None]]
) -> AsyncIterator[Any]:
    """Each block, the next one being read (in a thread or the child) while this one is
    stored."""
    pending: asyncio.Task[None] | None = None
    try:
        while True:
            block = await next_block()
            if pending is not None:
                await pending
                pending = None
            if block is None:
                return
            yield block
            pending = asyncio.create_task(store(block))
    finally:
        if pending is not None:
            pending.cancel()


async def _import_counterparties(
    uow: ReconciliationUnitOfWork,
    tenant_id: uuid.UUID,
    path: str,
    source: str,
    progress: Progress,
    refuse_all: bool,
) -> None:
    rows = []
    for checked in await asyncio.to_thread(
        list, checked_blocks(path, source, Dataset.COUNTERPARTIES)
    ):
        progress.rows_read += checked.read
        progress.refuse(checked.errors)
        rows.extend(row for _, row in checked.good)
    if progress.error_count and refuse_all:
        return
    summary = await counterparties.upsert(tenant_id, rows, uow=uow)
    progress.stored.add(Stored(summary.created, summary.updated, summary.unchanged))


async def _finish(
    runtime: Runtime, job_id: uuid.UUID, progress: Progress, state: str, message: str
) -> None:
    async with runtime.new_uow() as uow:
        job = await uow.session.get(ImportJob, job_id)
        assert job is not None
        stored = progress.stored if state == "stored" else Stored()
        job.state, job.message, job.finished_at = state, message, datetime.now(UTC)
        job.rows_read, job.rows_refused = progress.rows_read, progress.rows_refused
        job.rows_created, job.rows_updated = stored.created, stored.updated
        job.rows_unchanged = stored.unchanged
        job.errors, job.error_count = progress.errors, progress.error_count
        job.warnings, job.warning_count = progress.warnings, progress.warning_count
        await uow.commit()
