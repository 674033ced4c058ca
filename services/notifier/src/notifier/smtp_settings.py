"""A tenant's SMTP settings: set, shown, cancelled ("Smtp ayarları iptali") and tested.

A tenant without settings of its own sends through the system's server, so cancelling them falls
back to it. Passwords are sealed with the service's ``secret_key``, opened only to log in, and
never returned or logged.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError

from shared.auth import Principal
from shared.errors import Conflict, ValidationFailed
from shared.secrets import SecretBox

from .adapters.orm import SmtpSettings
from .adapters.repository import NotifierUnitOfWork
from .schemas import SmtpSettingsIn, SmtpSettingsOut, SmtpTestOut, Source
from .settings import NotifierSettings
from .smtp import ClientOptions, Security, SmtpServer, send_test

log = structlog.get_logger(__name__)


def system_server(settings: NotifierSettings) -> SmtpServer:
    """The system's SMTP server, for tenants that have none of their own."""
    return SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        sender_name=settings.smtp_sender_name,
        sender_address=settings.smtp_sender_address,
    )


def client_options(settings: NotifierSettings) -> ClientOptions:
    return ClientOptions(
        timeout=settings.smtp_timeout,
        validate_certs=settings.smtp_validate_certs,
        ca_file=settings.smtp_ca_file,
    )


async def current(
    tenant_id: uuid.UUID, *, uow: NotifierUnitOfWork, settings: NotifierSettings
) -> SmtpSettingsOut:
    """The settings that apply to the tenant: its own, else the system's."""
    async with uow:
        row = await uow.smtp_settings.get(tenant_id)
    return _tenant_out(row) if row is not None else _system_out(settings)


async def save(
    body: SmtpSettingsIn, *, principal: Principal, uow: NotifierUnitOfWork, box: SecretBox
) -> SmtpSettingsOut:
    """Set the tenant's own server; a password left out keeps the stored one."""
    async with uow:
        row = await uow.smtp_settings.get(principal.tenant_id)
        sealed = row.password_sealed if row is not None else None
        if body.password is not None:
            plain = body.password.get_secret_value()
            sealed = box.seal(plain) if plain else None
        if body.username and sealed is None:
            raise ValidationFailed(
                "A username needs a password.",
                [{"location": "body.password", "message": "required when a username is set"}],
            )
        if row is None:
            row = SmtpSettings(tenant_id=principal.tenant_id)
            uow.smtp_settings.add(row)
        row.host, row.port, row.security = body.host, body.port, body.security.value
        row.username, row.password_sealed = body.username, sealed
        row.sender_name, row.sender_address = body.sender_name, str(body.sender_address)
        row.max_per_minute = body.max_per_minute
        row.updated_at, row.updated_by = datetime.now(UTC), principal.key_id
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict("The settings were saved by someone else just now; send again.") from exc
    log.info(
        "smtp settings saved",
        tenant=str(principal.tenant_id),
        host=row.host,
        port=row.port,
        security=row.security,
        by=principal.key_id,
    )
    return _tenant_out(row)


async def cancel(*, principal: Principal, uow: NotifierUnitOfWork) -> None:
    """Remove the tenant's own settings: its mails go through the system's server again."""
    async with uow:
        removed = await uow.smtp_settings.remove(principal.tenant_id)
        await uow.commit()
    if removed:
        log.info("smtp settings cancelled", tenant=str(principal.tenant_id), by=principal.key_id)


async def run_test(
    to: str,
    *,
    tenant_id: uuid.UUID,
    uow: NotifierUnitOfWork,
    settings: NotifierSettings,
    box: SecretBox,
) -> SmtpTestOut:
    """Send the test mail through the server that applies; the result says how it went."""
    server, source = await _applying(tenant_id, uow=uow, settings=settings, box=box)
    result = await send_test(server, to, options=client_options(settings))
    log.info(
        "smtp test",
        tenant=str(tenant_id),
        source=source,
        server=server.address,
        security=str(server.security),
        ok=result.ok,
        stage=result.stage,
        code=result.code,
        elapsed_ms=result.elapsed_ms,
    )
    return SmtpTestOut(**result.model_dump(), source=source, to=to)


async def _applying(
    tenant_id: uuid.UUID, *, uow: NotifierUnitOfWork, settings: NotifierSettings, box: SecretBox
) -> tuple[SmtpServer, Source]:
    async with uow:
        row = await uow.smtp_settings.get(tenant_id)
    if row is None:
        return system_server(settings), "system"
    return tenant_server(row, box), "tenant"


def tenant_server(row: SmtpSettings, box: SecretBox) -> SmtpServer:
    """A tenant's own server, its password opened; raises ``SecretUnreadable`` when the
    password was sealed under another secret key."""
    password = box.open(row.password_sealed) if row.password_sealed else ""
    return SmtpServer(
        host=row.host,
        port=row.port,
        security=Security(row.security),
        username=row.username,
        password=SecretStr(password),
        sender_name=row.sender_name,
        sender_address=row.sender_address,
    )


def rate_limit(row: SmtpSettings | None, settings: NotifierSettings) -> int:
    """The tenant's rate limit: its own when set, else the system's (0: no limit)."""
    if row is None or row.max_per_minute is None:
        return settings.max_per_minute
    return row.max_per_minute


def _tenant_out(row: SmtpSettings) -> SmtpSettingsOut:
    return SmtpSettingsOut(
        source="tenant",
        host=row.host,
        port=row.port,
        security=Security(row.security),
        username=row.username,
        password_set=row.password_sealed is not None,
        sender_name=row.sender_name,
        sender_address=row.sender_address,
        max_per_minute=row.max_per_minute,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _system_out(settings: NotifierSettings) -> SmtpSettingsOut:
    return SmtpSettingsOut(
        source="system",
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        sender_name=settings.smtp_sender_name,
        sender_address=settings.smtp_sender_address,
        max_per_minute=settings.max_per_minute,
    )
