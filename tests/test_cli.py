"""The operator CLI and `mutabik up`, run as a user runs them: as processes."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SERVICES = ("bank-ingest", "matcher", "reconciliation", "notifier", "portal")
KEY = re.compile(r"mtk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def mutabik(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mutabik", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_tenant_and_key_creation_and_status(tmp_path: Path):
    created = mutabik("tenant", "create", "Acme Ltd", "--data-dir", str(tmp_path), cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "Acme Ltd" in created.stdout and KEY.search(created.stdout)

    erp = mutabik(
        "key",
        "create",
        "--tenant",
        "Acme Ltd",
        "--role",
        "erp",
        "--data-dir",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert erp.returncode == 0, erp.stderr
    assert erp.stdout.startswith("erp key") and KEY.search(erp.stdout)

    again = mutabik("tenant", "create", "Acme Ltd", "--data-dir", str(tmp_path), cwd=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr

    unknown = mutabik(
        "key",
        "create",
        "--tenant",
        "Nobody",
        "--role",
        "erp",
        "--data-dir",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert unknown.returncode == 2 and "No tenant" in unknown.stderr

    status = mutabik(
        "status",
        "--data-dir",
        str(tmp_path),
        "--url",
        f"http://127.0.0.1:{free_port()}",
        cwd=tmp_path,
    )
    assert "1 tenant(s)" in status.stdout and "active keys: 2" in status.stdout
    assert status.returncode == 1 and "unreachable" in status.stdout  # nothing is running there


@pytest.mark.slow
def test_up_serves_every_service_and_prints_a_working_key(tmp_path: Path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mutabik",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    output = ""
    try:
        deadline = time.monotonic() + 60
        while not KEY.search(output):
            assert process.poll() is None, f"mutabik up exited:\n{output}"
            assert time.monotonic() < deadline, f"no key printed:\n{output}"
            output += process.stdout.readline()
        key = KEY.search(output).group(0)
        base = f"http://127.0.0.1:{port}"
        assert "Mutabık" in httpx.get(f"{base}/").text
        for service in SERVICES:
            assert httpx.get(f"{base}/{service}/docs").status_code == 200
            assert httpx.get(f"{base}/{service}/readyz").json()["status"] == "ready"
            me = httpx.get(f"{base}/{service}/me", headers={"Authorization": f"Bearer {key}"})
            assert me.status_code == 200 and me.json()["role"] == "admin"
        status = mutabik("status", "--data-dir", str(tmp_path), "--url", base, cwd=tmp_path)
        assert status.returncode == 0, status.stdout
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert {p.name for p in tmp_path.glob("*.sqlite3")} == {f"{s}.sqlite3" for s in SERVICES}
