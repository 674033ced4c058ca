"""Bank connections: how a bank's statements reach us, and whether that currently works."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events import ConnectionStatusChanged
from shared.secrets import SecretBox

from .adapters.orm import Connection, Job
from .adapters.repository import BankIngestUnitOfWork
from .adapters.sources import FolderSourceSettings, FtpSourceSettings
from .domain.decoding import Encoding
from .domain.formats import FormatSetting
from .domain.tabular import ColumnMapping


class ConnectionIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["Akbank FTP"])
    kind: Literal["upload", "folder", "ftp"] = Field(
        description="`upload`: settings for files uploaded by hand; `folder`: a watched folder; "
        "`ftp`: a folder on an FTP server"
    )
    format: FormatSetting = "auto"
    encoding: Encoding = Field(
        "auto", description="auto reads UTF-8 when the file is valid UTF-8, else windows-1254"
    )
    account_id: uuid.UUID | None = Field(
        None, description="The bank account, for spreadsheets that don't name it"
    )
    column_mapping: ColumnMapping | None = Field(
        None, description="Required for format excel or csv"
    )
    source: FolderSourceSettings | FtpSourceSettings | None = Field(
        None, discriminator="kind", description="Required for kind folder and ftp"
    )
    poll_minutes: int | None = Field(
        None, ge=1, le=1440, description="Fetch on this schedule; empty: only when refreshed"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ConnectionIn:
        if self.kind == "upload" and (self.source or self.poll_minutes):
            raise ValueError("an upload connection has no source and no schedule")
        if self.kind != "upload" and (self.source is None or self.source.kind != self.kind):
            raise ValueError(f"a {self.kind} connection needs source settings of kind {self.kind}")
        if self.format in ("excel", "csv") and self.column_mapping is None:
            raise ValueError(f"format {self.format} needs a column_mapping")
        return self


def seal_source(source: FolderSourceSettings | FtpSourceSettings | None, box: SecretBox):
    if source is None:
        return None
    data = source.model_dump(mode="json", exclude={"password"})
    if isinstance(source, FtpSourceSettings):
        data["password_sealed"] = box.seal(source.password.get_secret_value())
    return data


def open_source_settings(
    stored: dict[str, Any], box: SecretBox
) -> FolderSourceSettings | FtpSourceSettings:
    data = dict(stored)
    if data.get("kind") == "ftp":
        data["password"] = box.open(data.pop("password_sealed"))
        return FtpSourceSettings.model_validate(data)
    return FolderSourceSettings.model_validate(data)


async def create_connection(
    body: ConnectionIn, *, tenant_id: uuid.UUID, uow: BankIngestUnitOfWork, box: SecretBox
) -> Connection:
    if await uow.connections.by_name(tenant_id, body.name):
        raise Conflict(f"A connection named {body.name!r} exists already.")
    if body.account_id and not await uow.accounts.get(tenant_id, body.account_id):
        raise ValidationFailed(
            f"No bank account {body.account_id}.",
            [{"location": "body.account_id", "message": "unknown account"}],
        )
    now = datetime.now(UTC)
    connection = Connection(
        id=uuid.uuid4(), tenant_id=tenant_id, name=body.name, kind=body.kind, format=body.format,
        encoding=body.encoding, account_id=body.account_id,
        column_mapping=body.column_mapping.model_dump(mode="json") if body.column_mapping else None,
        source=seal_source(body.source, box), poll_minutes=body.poll_minutes,
        status="active" if body.kind == "upload" else "new", status_since=now,
        next_fetch_at=now if body.poll_minutes else None, created_at=now,
    )  # fmt: skip
    uow.connections.add(connection)
    return connection


async def request_refresh(
    connection: Connection, *, uow: BankIngestUnitOfWork, trigger: str = "manual"
) -> Job:
    """The connection's queued or running job, or a new one."""
    if connection.kind == "upload":
        raise ValidationFailed("An upload connection has nothing to fetch; upload the file.")
    job = await uow.jobs.open_for(connection.id)
    if job is None:
        job = Job(
            id=uuid.uuid4(), tenant_id=connection.tenant_id, connection_id=connection.id,
            trigger=trigger, state="queued", files_found=0, files_imported=0, files_refused=0,
            movements_new=0, files=[], requested_at=datetime.now(UTC),
        )  # fmt: skip
        uow.jobs.add(job)
    return job


async def set_status(
    connection: Connection, *, error: str | None, uow: BankIngestUnitOfWork
) -> None:
    """Record a fetch's outcome; a change of status is announced."""
    now = datetime.now(UTC)
    status = "disconnected" if error else "active"
    connection.last_fetch_at = now
    connection.last_error = error
    if connection.status == status:
        return
    connection.status, connection.status_since = status, now
    await uow.emit(
        ConnectionStatusChanged(
            connection_id=connection.id, name=connection.name, kind=connection.kind,
            status=status, error=error, since=now,
        ),
        tenant=connection.tenant_id,
    )  # fmt: skip


async def get_connection(
    tenant_id: uuid.UUID, connection_id: uuid.UUID, uow: BankIngestUnitOfWork
) -> Connection:
    connection = await uow.connections.get(tenant_id, connection_id)
    if connection is None:
        raise NotFound(f"No connection {connection_id}.")
    return connection
