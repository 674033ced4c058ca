"""The tenant's SMTP settings: show, set, cancel, test."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from shared.auth import Principal, Role
from shared.http.deps import ADMIN, get_runtime, get_uow, require
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES
from shared.runtime import Runtime
from shared.secrets import SecretBox

from .. import smtp_settings
from ..adapters.repository import NotifierUnitOfWork
from ..schemas import SmtpSettingsIn, SmtpSettingsOut, SmtpTestIn, SmtpTestOut
from ..settings import NotifierSettings

router = APIRouter(prefix="/smtp-settings", tags=["smtp settings"], responses=PROBLEM_RESPONSES)


def get_settings(request: Request) -> NotifierSettings:
    return request.app.state.runtime.settings


def get_box(settings: NotifierSettings = Depends(get_settings)) -> SecretBox:
    return SecretBox(settings.secret_key)


@router.get(
    "",
    response_model=SmtpSettingsOut,
    summary="The SMTP server this tenant's mails go through",
    description="The tenant's own settings (`source: tenant`), or, when it has none, the system's "
    "server (`source: system`). Passwords are never shown; `password_set` says whether one is "
    "stored.",
)
async def get_smtp_settings(
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: NotifierUnitOfWork = Depends(get_uow),
    settings: NotifierSettings = Depends(get_settings),
) -> SmtpSettingsOut:
    return await smtp_settings.current(principal.tenant_id, uow=uow, settings=settings)


@router.put(
    "",
    response_model=SmtpSettingsOut,
    summary="Set the tenant's own SMTP server",
    description="Replaces the tenant's settings. The password is write-only and stored "
    "encrypted; leave it out to keep the stored one. A username needs a password.",
    responses=CONFLICT,
)
async def put_smtp_settings(
    body: SmtpSettingsIn,
    principal: Principal = Depends(ADMIN),
    uow: NotifierUnitOfWork = Depends(get_uow),
    box: SecretBox = Depends(get_box),
) -> SmtpSettingsOut:
    return await smtp_settings.save(body, principal=principal, uow=uow, box=box)


@router.delete(
    "",
    status_code=204,
    response_class=Response,
    summary="Cancel the tenant's SMTP settings",
    description="Removes the tenant's own server: its mails go through the system's server again. "
    "Cancelling when none are set changes nothing.",
)
async def delete_smtp_settings(
    principal: Principal = Depends(ADMIN),
    uow: NotifierUnitOfWork = Depends(get_uow),
) -> Response:
    await smtp_settings.cancel(principal=principal, uow=uow)
    return Response(status_code=204)


@router.post(
    "/test",
    response_model=SmtpTestOut,
    summary="Send a test mail through the SMTP server that applies",
    description="Connects, upgrades to TLS, logs in and sends one short mail, as the settings say. "
    "Answers 200 whether or not that worked: `ok`, the step that failed (`connect`, `tls`, "
    "`auth`, `send`), the server's reply code and text, and the time it took.",
)
async def send_smtp_test(
    body: SmtpTestIn,
    principal: Principal = Depends(ADMIN),
    uow: NotifierUnitOfWork = Depends(get_uow),
    settings: NotifierSettings = Depends(get_settings),
    box: SecretBox = Depends(get_box),
    runtime: Runtime = Depends(get_runtime),
) -> SmtpTestOut:
    result = await smtp_settings.run_test(
        str(body.to), tenant_id=principal.tenant_id, uow=uow, settings=settings, box=box
    )
    runtime.metrics.email_settled("test", "sent" if result.ok else "failed")
    return result
