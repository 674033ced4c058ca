"""No secret in any log line: ``mutabik up --log-level DEBUG`` as its own process, driven over
HTTP through a full flow — API keys in both headers (and a wrong one), the system's and a tenant's
SMTP servers with AUTH, a webhook and an FTP connection with their secrets, a round e-mailed with
portal links, a letter opened, refused without its form token, answered, downloaded, then tokens
guessed until the portal says 429 — and every line it wrote is searched for every secret: the
keys, the passwords, the link tokens, ``SECRET_KEY`` and the keys derived from it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mutabik.services import SERVICES, env_prefix

from .conftest import free_port
from .world import tiny_pdf

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = f"sk-{secrets.token_urlsafe(24)}"
SYSTEM_USER, SYSTEM_PASSWORD = "sistem@mutabik.com.tr", f"sys-{secrets.token_urlsafe(12)}"
TENANT_USER, TENANT_PASSWORD = "mutabakat@firma.com.tr", f"ten-{secrets.token_urlsafe(12)}"
WRONG_PASSWORD = f"wrong-{secrets.token_urlsafe(12)}"
FTP_PASSWORD = f"ftp-{secrets.token_urlsafe(12)}"
LINK = re.compile(r"https?://\S+/portal/letters/([A-Za-z0-9_-]{43})")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Mail:
    """An SMTP server that wants AUTH (either account) and keeps what it is sent."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.original_content or envelope.content)
        return "250 2.0.0 Ok"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if (login, password) in (
                (SYSTEM_USER, SYSTEM_PASSWORD),
                (TENANT_USER, TENANT_PASSWORD),
            ):
                self.logins.append(login)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def mail() -> Iterator[tuple[Mail, int]]:
    box, port = Mail(), free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=box.authenticate,
        auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def derived_keys() -> dict[str, str]:
    """The keys the services derive from SECRET_KEY, in the forms they could be written in."""
    found = {}
    for purpose in (b"mutabik-portal-link:", b"mutabik-portal-csrf:"):
        raw = hashlib.sha256(purpose + SECRET_KEY.encode()).digest()
        found[f"{purpose.decode()} hex"] = raw.hex()
        found[f"{purpose.decode()} base64"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return found


async def test_no_secret_reaches_a_log_line(tmp_path: Path, mail: tuple[Mail, int]) -> None:
    box, smtp_port = mail
    port = free_port()
    env = {
        **os.environ,
        **{f"{env_prefix(entry)}SECRET_KEY": SECRET_KEY for entry in SERVICES.values()},
        "MUTABIK_NOTIFIER_SMTP_HOST": "127.0.0.1", "MUTABIK_NOTIFIER_SMTP_PORT": str(smtp_port),
        "MUTABIK_NOTIFIER_SMTP_USERNAME": SYSTEM_USER,
        "MUTABIK_NOTIFIER_SMTP_PASSWORD": SYSTEM_PASSWORD,
        "MUTABIK_NOTIFIER_SEND_POLL_SECONDS": "0.2",
        "MUTABIK_PORTAL_UNKNOWN_LOOKUPS_PER_MINUTE": "5",
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    process = _start(port, tmp_path / "data", env, out, err)
    try:
        admin_key = await _first_key(out, process)
        secrets_seen = await _drive(f"http://127.0.0.1:{port}", admin_key, box, smtp_port)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    logged = err.read_text(errors="replace")
    lines = logged.splitlines()
    assert len(lines) > 200, "DEBUG logging was on: " + logged[-2000:]
    assert sum("debug" in line.lower() for line in lines) > 50
    secrets_all = {
        "SECRET_KEY": SECRET_KEY, "system SMTP password": SYSTEM_PASSWORD,
        "tenant SMTP password": TENANT_PASSWORD, "a wrong SMTP password": WRONG_PASSWORD,
        "FTP password": FTP_PASSWORD,
        **derived_keys(), **secrets_seen,
    }  # fmt: skip
    leaks = [
        f"{name} in line {number}: {line[:300]}"
        for name, secret in secrets_all.items()
        for number, line in enumerate(lines, 1)
        if secret in line
    ]
    assert not leaks, "\n".join(leaks)
    # stdout is the banner, which shows the first key once, on purpose; nothing else in it.
    banner = out.read_text()
    assert banner.count(admin_key) == 2, banner  # the key, and the curl line that uses it
    assert not [
        name for name, secret in secrets_all.items() if secret in banner.replace(admin_key, "")
    ]


def _start(
    port: int, data: Path, env: dict[str, str], out: Path, err: Path
) -> subprocess.Popen[bytes]:
    """``mutabik up`` at DEBUG, its stdout (the banner) and stderr (the logs) into files."""
    with out.open("wb") as stdout, err.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "mutabik", "up", "--port", str(port), "--log-level", "DEBUG",
             "--data-dir", str(data), "--tenant", "Gizli Firma"],
            cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
        )  # fmt: skip


async def _first_key(out: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"\n\s+(mtk_\w+_\S+)\n", await asyncio.to_thread(out.read_text))
        if found:
            return found.group(1)
        assert process.poll() is None, "mutabik up exited"
        await asyncio.sleep(0.1)
    raise AssertionError("no admin key printed: " + await asyncio.to_thread(out.read_text))


async def _drive(url: str, admin_key: str, box: Mail, smtp_port: int) -> dict[str, str]:
    """The flow; returns the secrets it was given on the way."""
    seen = {"admin key": admin_key, "admin key's secret": admin_key.split("_", 2)[2]}
    admin = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def call(method: str, path: str, *, expect: int = 200, **kwargs) -> dict:
            kwargs["headers"] = {**admin, **kwargs.get("headers", {})}
            answer = await client.request(method, path, **kwargs)
            assert answer.status_code == expect, (method, path, answer.text)
            return answer.json() if answer.content else {}

        for role in ("operator", "erp"):
            issued = await call("POST", "/reconciliation/api-keys", expect=201,
                                json={"role": role, "label": role})  # fmt: skip
            seen[f"{role} key"] = issued["api_key"]
            seen[f"{role} key's secret"] = issued["api_key"].split("_", 2)[2]
        erp = {"X-API-Key": seen["erp key"]}

        async def erp_key_works() -> bool:  # other services learn keys by event
            return (await client.get("/bank-ingest/accounts", headers=erp)).status_code == 200

        await _until(erp_key_works, "the ERP key reaches bank-ingest")
        wrong = f"mtk_{admin_key.split('_')[1]}_{secrets.token_urlsafe(32)}"
        seen["a wrong key"] = wrong
        refused = await client.get(
            "/matcher/vouchers", headers={"Authorization": f"Bearer {wrong}"}
        )
        assert refused.status_code == 401

        # The system server (AUTH with the system password), then the tenant's own.
        tested = await call("POST", "/notifier/smtp-settings/test", json={"to": "ben@firma.com.tr"})
        assert tested["ok"], tested
        settings = {"host": "127.0.0.1", "port": smtp_port, "security": "none",
                    "username": TENANT_USER, "password": WRONG_PASSWORD,
                    "sender_name": "Gizli Firma", "sender_address": TENANT_USER}  # fmt: skip
        await call("PUT", "/notifier/smtp-settings", json=settings)
        tested = await call("POST", "/notifier/smtp-settings/test", json={"to": "ben@firma.com.tr"})
        assert (tested["ok"], tested["stage"]) == (False, "auth"), tested
        await call("PUT", "/notifier/smtp-settings", json={**settings, "password": TENANT_PASSWORD})
        tested = await call("POST", "/notifier/smtp-settings/test", json={"to": "ben@firma.com.tr"})
        assert tested["ok"], tested
        assert {SYSTEM_USER, TENANT_USER} <= set(box.logins)

        hook = await call("POST", "/matcher/webhooks", expect=201,
                          json={"url": "http://127.0.0.1:9/hook"},
                          headers={"Idempotency-Key": "hook-1"})  # fmt: skip
        seen["webhook secret"] = hook["secret"]
        ftp = await call("POST", "/bank-ingest/connections", expect=201, json={
            "name": "FTP", "kind": "ftp", "source": {"kind": "ftp", "host": "127.0.0.1",
            "port": free_port(), "username": "ekstre", "password": FTP_PASSWORD}})  # fmt: skip
        await call("POST", f"/bank-ingest/connections/{ftp['id']}/refresh", expect=202)

        token = await _round_by_mail(call, box)
        seen["portal token"] = token
        await _portal(client, token, seen)

        async def refresh_failed() -> bool:
            jobs = (await call("GET", "/bank-ingest/jobs"))["items"]
            return bool(jobs) and jobs[0]["state"] == "failed"

        await _until(refresh_failed, "the FTP refresh fails")
    return seen


async def _until(probe, what: str, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not await probe():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.1)


async def _round_by_mail(call, box: Mail) -> str:
    await call("PUT", "/reconciliation/tenant/profile", json={
        "legal_name": "Gizli Firma A.Ş.", "tax_office": "Kozyatağı", "tax_id": "4540536920"})  # fmt: skip
    await call("PUT", "/reconciliation/counterparties", json=[
        {"code": "120.01.005", "title": "Öztürk İnşaat Ltd. Şti.",
         "email": "muhasebe@ozturk.com.tr"}])  # fmt: skip
    await call("POST", "/reconciliation/imports/movements", params={"wait": "true"}, json=[
        {"code": "120.01.005", "document_date": "2025-11-20", "amount": "1234.56",
         "currency": "TRY", "system_document_no": "S1", "movement_type": 14,
         "control_key": "K1"}])  # fmt: skip
    before = len(box.messages)
    await call("POST", "/reconciliation/rounds", expect=201, json={
        "kind": "balance", "as_of": "2025-12-31", "send": True, "description": "Mutabakat",
        "validity_date": (date.today() + timedelta(days=7)).isoformat()})  # fmt: skip

    def links() -> set[str]:
        found = set()
        for raw in box.messages[before:]:
            text = message_from_bytes(raw, policy=policy.default).get_body(("plain",))
            found.update(LINK.findall(text.get_content() if text else ""))
        return found

    async def mailed() -> bool:
        return bool(links())

    await _until(mailed, "the letter is e-mailed")
    [token] = links()
    return token


async def _portal(client: httpx.AsyncClient, token: str, seen: dict[str, str]) -> None:
    page = await client.get(f"/portal/letters/{token}")
    assert page.status_code == 200, page.text
    seen["CSRF cookie"] = page.cookies["mutabik_portal_csrf"]
    form = CSRF_FIELD.search(page.text).group(1)
    seen["CSRF form field"] = form
    answer = {"answer": "agreed", "answered_by": "Ayşe Yılmaz", "answered_title": "Muhasebe"}
    files = {"attachment": ("mutabakat.pdf", tiny_pdf(), "application/pdf")}
    forged = await client.post(f"/portal/letters/{token}/answer", data=answer, files=files)
    assert forged.status_code == 403, "no CSRF field: refused"
    answered = await client.post(f"/portal/letters/{token}/answer",
                                 data={**answer, "csrf_token": form}, files=files)  # fmt: skip
    assert answered.status_code == 303, answered.text
    assert (await client.get(f"/portal/letters/{token}/pdf")).status_code == 200
    # Guessing: the same plain 404 as an expired link, then 429 for this address, even for the
    # real link.
    statuses = []
    for _ in range(8):
        guess = secrets.token_urlsafe(32)
        statuses.append((await client.get(f"/portal/letters/{guess}")).status_code)
    assert statuses[:5] == [404] * 5 and set(statuses[5:]) == {429}, statuses
    limited = await client.get(f"/portal/letters/{token}")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
