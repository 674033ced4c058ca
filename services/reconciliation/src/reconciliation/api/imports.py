"""Imports of the ERP's data sets (xlsx in the template's layout, or JSON) and the templates."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Principal, Role
from shared.errors import NotFound, ValidationFailed
from shared.http.deps import ANY_ROLE, get_runtime, get_uow, require
from shared.http.problems import PROBLEM_RESPONSES
from shared.pagination import Page, decode_cursor, page_of
from shared.runtime import Runtime

from ..access import check_whole_tenant
from ..adapters.orm import ImportJob
from ..adapters.repository import ReconciliationUnitOfWork
from ..domain.datasets import Dataset
from ..domain.templates import template_file_name, template_xlsx
from ..import_report import Progress
from ..imports import ImportRunner

router = APIRouter(tags=["imports"], responses=PROBLEM_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP = b"PK\x03\x04"
_COPY_CHUNK = 1 << 20


class RowProblem(BaseModel):
    row: int | None = Field(None, description="Excel row number (xlsx) or 1-based array position")
    column: str | None = Field(None, description="The template's column name")
    value: Any = None
    reason: str
    rows: int | None = Field(None, description="Warnings per code: how many rows it concerns")


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dataset: Dataset
    source: Literal["xlsx", "json"]
    file_name: str
    on_error: Literal["refuse", "skip"]
    state: Literal["queued", "running", "stored", "refused", "failed"]
    rows_read: int
    rows_stored: int = Field(0, description="created + updated + unchanged")
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_refused: int = Field(description="Rows with at least one error (never half-stored)")
    errors: list[RowProblem]
    error_count: int
    warnings: list[RowProblem]
    warning_count: int
    message: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_out(job: ImportJob, live: Progress | None = None) -> ImportOut:
    out = ImportOut.model_validate(job)
    if live is not None and out.state in ("queued", "running"):
        out.rows_read, out.rows_refused = live.rows_read, live.rows_refused
        out.rows_created, out.rows_updated = live.stored.created, live.stored.updated
        out.rows_unchanged, out.error_count = live.stored.unchanged, live.error_count
    out.rows_stored = out.rows_created + out.rows_updated + out.rows_unchanged
    return out


def runner(request: Request) -> ImportRunner:
    return request.app.state.imports


@router.post(
    "/imports/{dataset}",
    status_code=202,
    response_model=ImportOut,
    summary="Import a data set: an .xlsx in the template's layout, or a JSON array",
    description="The body is the file: multipart (field `file`), or raw with Content-Type "
    f"`{XLSX}` or `application/json`. An .xlsx must have exactly the template's columns in its "
    "order (`GET /templates/{dataset}`); JSON is an array of objects keyed by the template's "
    "column names or the English field names. Every row is checked; with `on_error=refuse` "
    "(default) any bad row refuses the whole file and nothing is stored, with `skip` the good "
    "rows are stored and the bad ones reported — never half a row. Rows are upserted by "
    "KontrolKey (counterparties by HesapKod): importing the same file again changes nothing. "
    "Answers 202 with the job at once (poll `GET /imports/{id}` for rows read / stored / "
    "refused); with `wait=true` it answers when the job has ended: 200 stored, 422 refused.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        }
    },
    responses={
        200: {"description": "With `wait=true`: the job, stored", "model": ImportOut},
        413: {"description": "Larger than the service's import limit"},
    },
)
async def start_import(
    dataset: Dataset,
    request: Request,
    response: Response,
    on_error: Literal["refuse", "skip"] = Query("refuse"),
    wait: bool = Query(False, description="Answer when the import has ended"),
    principal: Principal = Depends(require(Role.ERP, Role.OPERATOR)),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
    imports: ImportRunner = Depends(runner),
) -> ImportOut:
    check_whole_tenant(principal)
    path, file_name = await _spool(request)
    try:
        source = _source(path)
        job = ImportJob(
            id=uuid.uuid4(), tenant_id=principal.tenant_id, dataset=dataset.value, source=source,
            file_name=file_name or f"{dataset.value}.{source}", on_error=on_error,
            state="queued", rows_read=0, rows_created=0, rows_updated=0, rows_unchanged=0,
            rows_refused=0, errors=[], error_count=0, warnings=[], warning_count=0, message="",
            created_by=principal.key_id, created_at=datetime.now(UTC),
        )  # fmt: skip
        async with uow:
            uow.imports.add(job)
            await uow.commit()
    except BaseException:
        os.unlink(path)
        raise
    task = imports.start(runtime, job.id, path)
    response.headers["Location"] = f"{request.scope.get('root_path', '')}/imports/{job.id}"
    if not wait:
        return job_out(job, imports.progress.get(job.id))
    await asyncio.shield(task)
    async with uow:
        finished = await uow.imports.get(principal.tenant_id, job.id)
    assert finished is not None
    out = job_out(finished)
    if out.state != "stored":
        refusal = ValidationFailed(out.message, [e.model_dump() for e in out.errors])
        refusal.extra.update(import_id=str(out.id), error_count=out.error_count)
        raise refusal
    response.status_code = 200
    return out


async def _spool(request: Request) -> tuple[str, str | None]:
    """The uploaded file copied to a temporary file of our own (the job outlives the request)."""
    handle, path = tempfile.mkstemp(prefix="mutabik-import-")
    try:
        with os.fdopen(handle, "wb") as target:
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                return path, await _copy_form_file(request, target)
            async for chunk in request.stream():
                target.write(chunk)
        return path, None
    except BaseException:
        os.unlink(path)
        raise


async def _copy_form_file(request: Request, target: Any) -> str | None:
    async with request.form(max_files=1) as form:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed(
                "Send the file in the multipart field `file`.",
                [{"location": "body.file", "message": "a file is required"}],
            )
        while chunk := await upload.read(_COPY_CHUNK):
            target.write(chunk)
        return upload.filename


def _source(path: str) -> Literal["xlsx", "json"]:
    with open(path, "rb") as stream:
        head = stream.read(64)
    if head.startswith(_ZIP):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"[", b"{")):
        return "json"
    if not head:
        raise ValidationFailed("The file is empty.")
    raise ValidationFailed(
        "The file is neither an .xlsx workbook nor JSON. Fill the template "
        "(GET /templates/{dataset}) and save it as Excel Workbook (.xlsx), or send a JSON array."
    )


@router.get("/imports", response_model=Page[ImportOut], summary="Imports, newest first")
async def list_imports(
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
    imports: ImportRunner = Depends(runner),
) -> Page[ImportOut]:
    after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        jobs = await uow.imports.page(principal.tenant_id, after=after, limit=limit + 1)
    items = [job_out(job, imports.progress.get(job.id)) for job in jobs]
    return page_of(items, limit, lambda i: (i.created_at.isoformat(), i.id))


@router.get("/imports/{import_id}", response_model=ImportOut, summary="One import and its report")
async def get_import(
    import_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
    imports: ImportRunner = Depends(runner),
) -> ImportOut:
    async with uow:
        job = await uow.imports.get(principal.tenant_id, import_id)
    if job is None:
        raise NotFound(f"No import {import_id}.")
    return job_out(job, imports.progress.get(job.id))


@router.get(
    "/templates/{dataset}",
    summary="The .xlsx template of a data set",
    description="A header row with the template's exact column names and an example row to "
    "delete; a second sheet explains each column. Generated by the service.",
    responses={200: {"content": {XLSX: {}}, "description": "The template"}},
    response_class=Response,
)
async def get_template(dataset: Dataset, principal: Principal = Depends(ANY_ROLE)) -> Response:
    body = await asyncio.to_thread(template_xlsx, dataset)
    name = template_file_name(dataset)
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
