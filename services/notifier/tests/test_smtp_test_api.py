"""The test mail against real SMTP servers: AUTH right and wrong, STARTTLS and implicit TLS under
a test CA (trusted or not), a server that is down, and a server that wants what the settings
don't do. Each outcome names the step and carries the server's own reply."""

from __future__ import annotations

import re
import socket

from .mail_servers import (
    PASSWORD,
    UNKNOWN_RECIPIENT,
    USERNAME,
    Authenticator,
    free_port,
    settings_for,
)


async def test_auth_with_the_right_password(service, mail_server) -> None:
    server = mail_server(authenticator=Authenticator(), auth_require_tls=False)
    await service.put(settings_for(server, username=USERNAME, password=PASSWORD))
    result = await service.tested()
    assert result["ok"] is True, result
    assert len(server.received) == 1
    assert await counted_test_mails(service) == {"sent": 1.0}


async def test_auth_with_a_wrong_password(service, mail_server) -> None:
    server = mail_server(authenticator=Authenticator(), auth_require_tls=False)
    await service.put(settings_for(server, username=USERNAME, password="wrong-password"))
    response = await service.test()
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["ok"], result["stage"], result["code"]) == (False, "auth", 535)
    assert result["message"] == "5.7.8 Authentication credentials invalid"
    assert "wrong-password" not in response.text
    assert server.received == []


async def test_a_password_echoed_by_the_server_is_masked(service, mail_server) -> None:
    echo = Authenticator(reply="535 5.7.8 Password wrong-password rejected")
    server = mail_server(authenticator=echo, auth_require_tls=False)
    await service.put(settings_for(server, username=USERNAME, password="wrong-password"))
    response = await service.test()
    assert response.json()["message"] == "5.7.8 Password *** rejected"
    assert "wrong-password" not in response.text


async def test_starttls_and_auth_with_a_trusted_ca(service, mail_server, server_tls) -> None:
    server = mail_server(
        tls_context=server_tls, require_starttls=True, authenticator=Authenticator()
    )
    body = settings_for(server, security="starttls", username=USERNAME, password=PASSWORD)
    await service.put(body)
    result = await service.tested()
    assert result["ok"] is True, result
    assert result["security"] == "starttls"
    assert len(server.received) == 1


async def test_starttls_with_an_untrusted_certificate(
    make_service, mail_server, server_tls
) -> None:
    service = await make_service(smtp_ca_file=None)  # only the system's CAs: not the test CA
    server = mail_server(tls_context=server_tls, require_starttls=True)
    await service.put(settings_for(server, security="starttls"))
    result = await service.tested()
    assert (result["ok"], result["stage"], result["code"]) == (False, "tls", None)
    assert "certificate verify failed" in result["message"], result
    assert server.received == []


async def test_starttls_unchecked_when_validation_is_off(
    make_service, mail_server, server_tls
) -> None:
    service = await make_service(smtp_ca_file=None, smtp_validate_certs=False)
    server = mail_server(tls_context=server_tls, require_starttls=True)
    await service.put(settings_for(server, security="starttls"))
    assert (await service.tested())["ok"] is True


async def test_implicit_tls(service, mail_server, server_tls) -> None:
    server = mail_server(ssl_context=server_tls)
    await service.put(settings_for(server, security="tls"))
    result = await service.tested()
    assert result["ok"] is True, result
    assert result["security"] == "tls"
    assert len(server.received) == 1


async def test_implicit_tls_with_an_untrusted_certificate(
    make_service, mail_server, server_tls
) -> None:
    service = await make_service(smtp_ca_file=None)
    server = mail_server(ssl_context=server_tls)
    await service.put(settings_for(server, security="tls"))
    result = await service.tested()
    assert (result["ok"], result["stage"]) == (False, "tls"), result
    assert "certificate verify failed" in result["message"]


async def test_a_server_that_is_down(service) -> None:
    port = free_port()
    body = {"host": "127.0.0.1", "port": port, "security": "none", "sender_address": "a@b.com.tr"}
    await service.put(body)
    result = await service.tested()
    assert (result["ok"], result["stage"], result["code"]) == (False, "connect", None)
    assert f"127.0.0.1 on port {port}" in result["message"], result
    assert result["elapsed_ms"] < 1500 and result["server"] == f"127.0.0.1:{port}"
    assert await counted_test_mails(service) == {"failed": 1.0}


async def test_a_server_that_never_answers(make_service) -> None:
    service = await make_service(smtp_timeout=0.3)
    with socket.socket() as silent:  # the kernel accepts the connection; nobody greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        body = {"host": "127.0.0.1", "port": port, "security": "none", "sender_address": "a@b.tr"}
        await service.put(body)
        result = await service.tested()
    assert (result["ok"], result["stage"], result["code"]) == (False, "connect", None)
    assert result["message"].startswith("No answer within 0.3 s"), result
    assert 250 <= result["elapsed_ms"] < 1500


async def test_implicit_tls_settings_against_a_plain_server(service, mail_server) -> None:
    await service.put(settings_for(mail_server(), security="tls"))
    result = await service.tested()
    assert (result["ok"], result["stage"]) == (False, "tls"), result
    assert "does not speak TLS on this port" in result["message"]


async def test_plain_settings_against_a_server_that_requires_starttls(
    service, mail_server, server_tls
) -> None:
    server = mail_server(tls_context=server_tls, require_starttls=True)
    await service.put(settings_for(server, security="none"))
    result = await service.tested()
    assert (result["ok"], result["stage"], result["code"]) == (False, "send", 530)
    assert "STARTTLS" in result["message"], result


async def test_starttls_settings_against_a_server_without_it(service, mail_server) -> None:
    server = mail_server()
    await service.put(settings_for(server, security="starttls"))
    result = await service.tested()
    assert (result["ok"], result["stage"]) == (False, "tls"), result
    assert "STARTTLS" in result["message"]


async def test_a_refused_recipient(service, mail_server) -> None:
    server = mail_server()
    await service.put(settings_for(server))
    result = await service.tested(UNKNOWN_RECIPIENT)
    assert (result["ok"], result["stage"], result["code"]) == (False, "send", 550), result
    assert result["message"] == "5.1.1 No such mailbox"
    assert server.received == []


async def test_no_username_for_a_server_that_requires_auth(
    service, mail_server, server_tls
) -> None:
    server = mail_server(
        tls_context=server_tls, require_starttls=True, authenticator=Authenticator(),
        auth_required=True,
    )  # fmt: skip
    await service.put(settings_for(server, security="starttls"))
    result = await service.tested()
    assert (result["ok"], result["stage"], result["code"]) == (False, "send", 530), result
    assert "Authentication required" in result["message"]
    assert server.received == []


async def counted_test_mails(service) -> dict[str, float]:
    """The notifier's ``mutabik_emails_total{kind="test"}`` samples, by outcome."""
    text = (await service.client.get("/metrics")).text
    found = re.findall(r'mutabik_emails_total\{kind="test",outcome="(\w+)"\} (\S+)', text)
    return {outcome: float(value) for outcome, value in found}
