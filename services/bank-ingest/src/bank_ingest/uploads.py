"""An uploaded file, read with its connection's settings."""

from __future__ import annotations

import uuid
from typing import BinaryIO

from shared.errors import NotFound, ValidationFailed

from .adapters.repository import BankIngestUnitOfWork
from .domain.decoding import ENCODINGS
from .domain.formats import FORMAT_SETTINGS, ReadOptions
from .domain.statement import ParseError
from .domain.tabular import ColumnMapping
from .ingest import ImportResult, ingest_file


async def read_options(
    *,
    tenant_id: uuid.UUID,
    uow: BankIngestUnitOfWork,
    connection_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    format: str | None,
    encoding: str | None,
) -> ReadOptions:
    """The connection's settings, overridden by what the request says."""
    settings: dict = {}
    if connection_id is not None:
        connection = await uow.connections.get(tenant_id, connection_id)
        if connection is None:
            raise NotFound(f"No connection {connection_id}.")
        settings = {"format": connection.format, "encoding": connection.encoding}
        if connection.column_mapping:
            settings["column_mapping"] = ColumnMapping.model_validate(connection.column_mapping)
        account_id = account_id or connection.account_id
    if format is not None:
        _check_choice("format", format, FORMAT_SETTINGS)
        settings["format"] = format
    if encoding is not None:
        _check_choice("encoding", encoding, ENCODINGS)
        settings["encoding"] = encoding
    if account_id is not None:
        account = await uow.accounts.get(tenant_id, account_id)
        if account is None:
            raise NotFound(f"No bank account {account_id}.")
        settings["account"] = account.iban or account.account_number or ""
    return ReadOptions(**settings)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValidationFailed(
            f"{name} must be one of {', '.join(choices)}",
            [{"location": f"body.{name}", "message": f"one of {', '.join(choices)}"}],
        )


async def ingest_upload(
    stream: BinaryIO,
    *,
    file_name: str,
    options: ReadOptions,
    tenant_id: uuid.UUID,
    uow: BankIngestUnitOfWork,
    connection_id: uuid.UUID | None,
    source: str = "upload",
    parse_in_child_above: int | None = None,
    digest: tuple[str, int] | None = None,
) -> ImportResult:
    """:func:`ingest_file`, with a parse error turned into a 422 naming the line and reason."""
    try:
        return await ingest_file(
            stream, file_name=file_name, options=options, tenant_id=tenant_id, uow=uow,
            source=source, connection_id=connection_id,
            parse_in_child_above=parse_in_child_above, digest=digest,
        )  # fmt: skip
    except ParseError as exc:
        raise refused(file_name, exc) from exc


def refused(file_name: str, exc: ParseError) -> ValidationFailed:
    error = {"file": file_name, "message": exc.reason}
    if exc.line is not None:
        error["line"] = exc.line
    if exc.field:
        error["field"] = exc.field
    return ValidationFailed(f"{file_name} was refused, nothing was stored: {exc}", [error])
