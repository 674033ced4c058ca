"""The tenant's SMTP settings over HTTP: set, shown without the password, sealed at rest, kept
when left out, cancelled back to the system's server; who may do what; bad bodies."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from notifier.adapters.orm import SmtpSettings
from shared.auth import Role
from shared.secrets import SecretBox

from .mail_servers import PASSWORD, USERNAME, Authenticator, settings_for


async def test_settings_are_set_shown_and_used(service, mail_server) -> None:
    tenant_mail = mail_server()
    put = await service.put(settings_for(tenant_mail))
    assert put.status_code == 200, put.text
    saved = put.json()
    assert saved["source"] == "tenant"
    assert (saved["host"], saved["port"], saved["security"]) == (
        "127.0.0.1",
        tenant_mail.port,
        "none",
    )
    assert saved["username"] == "" and saved["password_set"] is False
    assert saved["sender_address"] == "mutabakat@ornek.com.tr"
    assert saved["updated_at"] and saved["updated_by"]
    assert (await service.get()).json() == saved

    result = await service.tested("alici@example.com")
    assert result["ok"] is True, result
    assert (result["stage"], result["code"]) == (None, 250)
    assert result["message"] == "2.0.0 Message accepted for delivery"
    assert result["source"] == "tenant" and result["server"] == f"127.0.0.1:{tenant_mail.port}"
    assert result["elapsed_ms"] >= 0

    (mail,) = tenant_mail.received
    assert mail.mail_from == "mutabakat@ornek.com.tr"
    assert mail.rcpt_tos == ["alici@example.com"]
    assert mail.message["Subject"] == "Mutabık SMTP deneme / test"
    assert mail.message["From"].addresses[0].display_name == "Örnek Ticaret A.Ş."
    assert mail.message["From"].addresses[0].addr_spec == "mutabakat@ornek.com.tr"
    assert mail.message["To"] == "alici@example.com"
    body = mail.message.get_content()
    assert "SMTP ayarlarını denemek için" in body and "to test its SMTP settings" in body


async def test_password_is_sealed_never_shown_and_kept_when_left_out(service, mail_server) -> None:
    tenant_mail = mail_server(authenticator=Authenticator(), auth_require_tls=False)
    body = settings_for(tenant_mail, username=USERNAME, password=PASSWORD)
    put = await service.put(body)
    assert put.status_code == 200, put.text
    assert put.json()["password_set"] is True and put.json()["username"] == USERNAME
    assert "password" not in put.json() and PASSWORD not in put.text
    got = await service.get()
    assert got.json()["password_set"] is True and PASSWORD not in got.text

    sealed = await stored_password(service)
    assert sealed and sealed != PASSWORD and PASSWORD not in sealed
    assert SecretBox(service.settings.secret_key).open(sealed) == PASSWORD

    again = await service.put({**body, "password": None, "sender_name": "Yeni Ad"})
    assert again.status_code == 200, again.text
    assert again.json()["password_set"] is True and again.json()["sender_name"] == "Yeni Ad"
    assert SecretBox(service.settings.secret_key).open(await stored_password(service)) == PASSWORD
    del body["password"]
    assert (await service.put(body)).json()["password_set"] is True

    result = await service.tested()
    assert result["ok"] is True, result
    assert len(tenant_mail.received) == 1

    removed = await service.put({**body, "username": "", "password": ""})
    assert removed.json()["password_set"] is False
    assert await stored_password(service) is None


async def test_a_username_needs_a_password(service, mail_server) -> None:
    response = await service.put(settings_for(mail_server(), username=USERNAME))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["location"] == "body.password"
    assert (await service.get()).json()["source"] == "system"


async def test_cancel_falls_back_to_the_system_server(service, mail_server, system_mail) -> None:
    tenant_mail = mail_server()
    assert (await service.put(settings_for(tenant_mail))).status_code == 200

    deleted = await service.delete()
    assert deleted.status_code == 204 and deleted.content == b""
    shown = (await service.get()).json()
    assert shown == {
        "source": "system",
        "host": "127.0.0.1",
        "port": system_mail.port,
        "security": "none",
        "username": None,
        "password_set": None,
        "sender_name": "Mutabık",
        "sender_address": "sistem@mutabik.test",
        "max_per_minute": 1200,
        "updated_at": None,
        "updated_by": None,
    }

    result = await service.tested("alici@example.com")
    assert result["ok"] is True and result["source"] == "system", result
    assert tenant_mail.received == []
    (mail,) = system_mail.received
    assert mail.mail_from == "sistem@mutabik.test" and mail.rcpt_tos == ["alici@example.com"]
    assert (await service.delete()).status_code == 204  # nothing left to cancel: no change


async def test_system_password_is_never_shown(make_service, mail_server) -> None:
    service = await make_service(smtp_username="relay", smtp_password="system-secret")
    response = await service.get()
    assert response.json()["source"] == "system"
    assert "system-secret" not in response.text and "relay" not in response.text


async def test_operator_reads_only_admin_writes(service, mail_server) -> None:
    assert (await service.put(settings_for(mail_server()))).status_code == 200
    operator = service.operator
    assert (await service.get(operator)).json()["source"] == "tenant"
    assert (await service.put(settings_for(mail_server()), operator)).status_code == 403
    assert (await service.delete(operator)).status_code == 403
    assert (await service.test(auth=operator)).status_code == 403
    assert (await service.get(await service.key(Role.ERP))).status_code == 403
    assert (await service.client.get("/smtp-settings")).status_code == 401
    assert (await service.get()).json()["source"] == "tenant"  # the refused delete changed nothing


async def test_another_tenant_sees_the_system_settings(service, mail_server, system_mail) -> None:
    assert (await service.put(settings_for(mail_server()))).status_code == 200
    other = await service.key(Role.ADMIN, uuid.uuid4())
    shown = (await service.get(other)).json()
    assert shown["source"] == "system" and shown["port"] == system_mail.port
    assert (await service.delete(other)).status_code == 204
    assert (await service.get()).json()["source"] == "tenant"


async def test_bad_bodies_are_refused(service, mail_server) -> None:
    good = settings_for(mail_server(), username=USERNAME, password=PASSWORD)
    for change in (
        {"host": ""},
        {"host": "  "},
        {"host": "smtp host"},
        {"port": 0},
        {"port": 65536},
        {"security": "ssl"},
        {"sender_address": "not-an-address"},
        {"smtp_password": "x"},
    ):
        response = await service.put({**good, **change})
        assert response.status_code == 422, (change, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert PASSWORD not in response.text
    assert (await service.get()).json()["source"] == "system"
    for body in ({"to": "nobody"}, {}, {"to": "a@example.com", "cc": "b@example.com"}):
        response = await service.client.post(
            "/smtp-settings/test", json=body, headers=service.admin
        )
        assert response.status_code == 422, (body, response.text)


async def stored_password(service) -> str | None:
    async with service.app.state.runtime.sessions() as session:
        return await session.scalar(
            select(SmtpSettings.password_sealed).where(SmtpSettings.tenant_id == service.tenant_id)
        )
