"""Statement files in (upload), imports and statements out."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from pydantic import BaseModel

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.http.deps import ANY_ROLE, get_runtime, get_uow, require
from shared.http.problems import CONFLICT, NOT_FOUND, PROBLEM_RESPONSES
from shared.idempotency import create_once
from shared.pagination import Page, decode_cursor, page_of
from shared.runtime import Runtime

from ..adapters.repository import BankIngestUnitOfWork
from ..ingest import ImportResult, file_digest
from ..schemas import ImportedStatement, ImportOut, StatementOut
from ..uploads import ingest_upload, read_options

router = APIRouter(tags=["statements"], responses=PROBLEM_RESPONSES)


class _UploadFingerprint(BaseModel):
    sha256: str
    file_name: str
    connection_id: uuid.UUID | None
    account_id: uuid.UUID | None
    format: str | None
    encoding: str | None


@router.post(
    "/statements",
    status_code=201,
    response_model=ImportOut,
    summary="Upload a statement file",
    description="MT940, MT942, CAMT.052/053/054 (XML or zipped) are recognised by content. "
    "Excel and CSV exports are read with the column mapping of `connection_id`. The file is "
    "taken whole or not at all: a malformed one is refused with the line and reason, and "
    "movements already stored (same file again, overlapping statements) are not stored twice.",
    responses={
        413: {"description": "File larger than the service's upload limit"},
        **NOT_FOUND,
        **CONFLICT,
    },
)
async def upload_statement(
    request: Request,
    file: UploadFile = File(description="The statement file"),
    connection_id: uuid.UUID | None = Form(
        None, description="Read with this connection's settings"
    ),
    account_id: uuid.UUID | None = Form(
        None, description="The account, for files that don't name it"
    ),
    format: str | None = Form(None, description="auto, mt940, camt, excel or csv"),
    encoding: str | None = Form(
        None, description="auto (UTF-8, else windows-1254), utf-8, windows-1254, iso-8859-9, …"
    ),
    principal: Principal = Depends(require(Role.OPERATOR, Role.ERP)),
    uow: BankIngestUnitOfWork = Depends(get_uow),
    runtime: Runtime = Depends(get_runtime),
):
    stream = file.file
    name = file.filename or "upload"
    digest = file_digest(stream)
    fingerprint = _UploadFingerprint(
        sha256=digest[0], file_name=name, connection_id=connection_id,
        account_id=account_id, format=format, encoding=encoding,
    )  # fmt: skip

    async def create() -> ImportOut:
        options = await read_options(
            tenant_id=principal.tenant_id, uow=uow, connection_id=connection_id,
            account_id=account_id, format=format, encoding=encoding,
        )  # fmt: skip
        result = await ingest_upload(
            stream, file_name=name, options=options, tenant_id=principal.tenant_id, uow=uow,
            connection_id=connection_id,
            parse_in_child_above=getattr(runtime.settings, "parse_in_child_bytes", None),
            digest=digest,
        )  # fmt: skip
        return import_out(result)

    return await create_once(request, principal, uow, fingerprint, create)


def import_out(result: ImportResult) -> ImportOut:
    out = ImportOut.model_validate(result.record)
    out.statements = [
        ImportedStatement(
            statement_id=None if s.duplicate_of else s.id,
            duplicate_of=s.duplicate_of,
            account_id=s.row.account_id,
            movement_count=s.movement_count,
            new_movements=s.new_movements,
            balance_check=s.row.balance_check,
            balance_difference=s.row.balance_difference,
            continuity_issues=list(s.continuity_issues),
        )  # fmt: skip
        for s in result.statements
    ]
    return out


@router.get("/imports", response_model=Page[ImportOut], summary="Files taken in, newest first")
async def list_imports(
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> Page[ImportOut]:
    after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        rows = await uow.imports.page(principal.tenant_id, after=after, limit=limit + 1)
    items = [ImportOut.model_validate(r) for r in rows]
    return page_of(items, limit, lambda i: (i.created_at.isoformat(), i.id))


@router.get("/imports/{import_id}", response_model=ImportOut, summary="One import")
async def get_import(
    import_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> ImportOut:
    async with uow:
        record = await uow.imports.get(principal.tenant_id, import_id)
    if record is None:
        raise NotFound(f"No import {import_id}.")
    return ImportOut.model_validate(record)


@router.get(
    "/statements", response_model=Page[StatementOut], summary="Statements with their checks"
)
async def list_statements(
    account_id: uuid.UUID | None = None,
    import_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> Page[StatementOut]:
    after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID) if cursor else None
    async with uow:
        rows = await uow.statements.page(
            principal.tenant_id, account_id=account_id, import_id=import_id, after=after,
            limit=limit + 1,
        )  # fmt: skip
    items = [StatementOut.model_validate(s) for s in rows]
    return page_of(items, limit, lambda s: (s.created_at.isoformat(), s.id))


@router.get("/statements/{statement_id}", response_model=StatementOut, summary="One statement")
async def get_statement(
    statement_id: uuid.UUID,
    principal: Principal = Depends(ANY_ROLE),
    uow: BankIngestUnitOfWork = Depends(get_uow),
) -> StatementOut:
    async with uow:
        statement = await uow.statements.get(principal.tenant_id, statement_id)
    if statement is None:
        raise NotFound(f"No statement {statement_id}.")
    return StatementOut.model_validate(statement)
