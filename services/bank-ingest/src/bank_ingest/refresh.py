"""The worker that runs refresh jobs: fetch a connection's new files and take each one in.

Each file is its own transaction (a refused file doesn't undo the others), remembered by its key so
the next refresh skips it. A source that can't be reached fails the job and marks the connection
disconnected with the error; the next successful fetch marks it active again.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from shared.runtime import Runtime
from shared.secrets import SecretBox

from .adapters.orm import FetchedFile, Job
from .adapters.repository import BankIngestUnitOfWork
from .adapters.sources import RemoteFile, SourceError, open_source
from .connections import get_connection, open_source_settings, request_refresh, set_status
from .domain.formats import ReadOptions
from .domain.statement import ParseError
from .domain.tabular import ColumnMapping
from .ingest import ingest_file

log = structlog.get_logger(__name__)


async def job_worker(runtime: Runtime) -> None:
    """Background task: schedule due connections, run queued jobs one at a time."""
    interval = getattr(runtime.settings, "jobs_poll_seconds", 1.0)
    box = SecretBox(runtime.settings.secret_key)
    await _requeue_interrupted(runtime)
    while True:
        try:
            await schedule_due(runtime)
            job_id = await _next_job(runtime)
            if job_id is not None:
                await run_job(job_id, runtime=runtime, box=box)
                continue
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the database may be away; try again later
            log.exception("refresh worker round failed")
        await asyncio.sleep(interval)


async def _requeue_interrupted(runtime: Runtime) -> None:
    """Jobs left running by a process that died are run again (files already taken in are
    remembered, so nothing is imported twice)."""
    async with runtime.new_uow() as uow:
        assert isinstance(uow, BankIngestUnitOfWork)
        await uow.jobs.requeue_running()
        await uow.commit()


async def schedule_due(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    async with runtime.new_uow() as uow:
        assert isinstance(uow, BankIngestUnitOfWork)
        for connection in await uow.connections.due(now):
            await request_refresh(connection, uow=uow, trigger="schedule")
            connection.next_fetch_at = now + timedelta(minutes=connection.poll_minutes or 0)
        await uow.commit()


async def _next_job(runtime: Runtime) -> uuid.UUID | None:
    async with runtime.new_uow() as uow:
        assert isinstance(uow, BankIngestUnitOfWork)
        job_id = await uow.jobs.next_queued()
        if job_id is None or not await uow.jobs.claim(job_id, datetime.now(UTC)):
            return None
        await uow.commit()
        return job_id


async def run_job(job_id: uuid.UUID, *, runtime: Runtime, box: SecretBox) -> None:
    async with runtime.new_uow() as uow:
        assert isinstance(uow, BankIngestUnitOfWork)
        job = await uow.jobs.by_id(job_id)
        assert job is not None
        connection = await get_connection(job.tenant_id, job.connection_id, uow)
        settings = open_source_settings(connection.source or {}, box)
        options = ReadOptions(
            format=connection.format,  # type: ignore[arg-type]
            encoding=connection.encoding,
            column_mapping=ColumnMapping.model_validate(connection.column_mapping)
            if connection.column_mapping
            else None,
            account=await _account_text(connection.account_id, job.tenant_id, uow),
        )
        seen = await uow.connections.seen_keys(connection.id)
    files: list[dict[str, Any]] = []
    error = None
    try:
        async with open_source(settings) as source:
            for remote in await source.list_new(seen=seen):
                outcome = await _take_in(remote, source, job, options, runtime)
                files.append(outcome)
                await source.done(remote, ok="error" not in outcome)
    except SourceError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - the job must end, and say why
        log.exception("refresh job failed", job=str(job_id))
        error = f"internal error: {type(exc).__name__}: {exc}"
    await _finish(job_id, files, error, runtime)


async def _take_in(remote: RemoteFile, source, job: Job, options: ReadOptions, runtime: Runtime):
    outcome: dict[str, Any] = {"name": remote.name, "size": remote.size}
    with tempfile.TemporaryFile() as tmp:
        await source.fetch(remote, tmp)
        tmp.seek(0)
        async with runtime.new_uow() as uow:
            assert isinstance(uow, BankIngestUnitOfWork)
            try:
                result = await ingest_file(
                    tmp, file_name=remote.name, options=options, tenant_id=job.tenant_id,
                    uow=uow, source="fetch", connection_id=job.connection_id,
                    parse_in_child_above=getattr(runtime.settings, "parse_in_child_bytes", None),
                )  # fmt: skip
            except ParseError as exc:
                await uow.rollback()
                outcome["error"] = str(exc)
                uow.connections.remember(_fetched(job, remote, None, str(exc)))
            else:
                outcome["import_id"] = str(result.record.id)
                outcome["movements_new"] = result.record.movements_new
                uow.connections.remember(_fetched(job, remote, result.record.id, None))
            await uow.commit()
    return outcome


def _fetched(job: Job, remote: RemoteFile, import_id, error) -> FetchedFile:
    return FetchedFile(
        connection_id=job.connection_id, key=remote.key[:400], import_id=import_id,
        error=error, fetched_at=datetime.now(UTC),
    )  # fmt: skip


async def _finish(
    job_id: uuid.UUID, files: list[dict[str, Any]], error: str | None, runtime: Runtime
) -> None:
    async with runtime.new_uow() as uow:
        assert isinstance(uow, BankIngestUnitOfWork)
        job = await uow.jobs.by_id(job_id)
        assert job is not None
        connection = await get_connection(job.tenant_id, job.connection_id, uow)
        job.files = files
        job.files_found = len(files)
        job.files_imported = sum(1 for f in files if "import_id" in f)
        job.files_refused = sum(1 for f in files if "error" in f)
        job.movements_new = sum(f.get("movements_new", 0) for f in files)
        job.error = error
        job.state = "failed" if error else "succeeded"
        job.finished_at = datetime.now(UTC)
        await set_status(connection, error=error, uow=uow)
        await uow.commit()
    log.info("refresh finished", job=str(job_id), state=job.state, files=len(files), error=error)


async def _account_text(account_id, tenant_id, uow: BankIngestUnitOfWork) -> str:
    if account_id is None:
        return ""
    account = await uow.accounts.get(tenant_id, account_id)
    return (account.iban or account.account_number or "") if account else ""
