"""docs/walkthrough.md, run as written: a real ``mutabik up`` (demo loaded, e-mails to the local
sink) on a free port, then every ```bash block of the page, in order, in one bash session with
``KEY`` and ``URL`` set as the user sets them. Every command must succeed; afterwards the
system shows what the page says it does. Then a restart on the same data adds nothing, and
``mutabik up --empty`` leaves the tenant empty for ``mutabik demo load`` to fill."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from mutabik.cli import main

ROOT = Path(__file__).resolve().parents[1]
WALKTHROUGH = ROOT / "docs" / "walkthrough.md"
KEY = re.compile(r"mtk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
SMTP_ENV = ("MUTABIK_NOTIFIER_SMTP_HOST", "MUTABIK_NOTIFIER_SMTP_PORT", "MUTABIK_DEMO")

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Up:
    process: subprocess.Popen[str]
    url: str
    output: str

    def drain(self) -> None:
        """Keep reading what the server writes, so a full pipe never blocks it."""
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.output += line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_up(data_dir: Path, *args: str, until: str, timeout: float = 90) -> Up:
    """``mutabik up`` as a user starts it; returns once it printed ``until`` and serves."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SMTP_ENV}
    command = [sys.executable, "-m", "mutabik", "up", "--port", str(port), "--data-dir"]
    process = subprocess.Popen(
        [*command, str(data_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    up = Up(process, f"http://127.0.0.1:{port}", "")
    deadline = time.monotonic() + timeout
    try:
        while until not in up.output:
            assert process.poll() is None, f"mutabik up exited:\n{up.output}"
            assert time.monotonic() < deadline, f"{until!r} not printed:\n{up.output}"
            up.output += process.stdout.readline()  # type: ignore[union-attr]
        threading.Thread(target=up.drain, daemon=True).start()
        while True:
            try:
                if httpx.get(f"{up.url}/healthz", timeout=2).status_code == 200:
                    return up
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"not serving:\n{up.output}"
            time.sleep(0.1)
    except BaseException:
        up.stop()
        raise


def walkthrough_script() -> str:
    """The page's bash blocks, each announced, under ``set -euo pipefail``."""
    blocks = BLOCK.findall(WALKTHROUGH.read_text(encoding="utf-8"))
    assert len(blocks) >= 10, "the walkthrough lost its commands"
    parts = ["set -euo pipefail"]
    for number, block in enumerate(blocks, start=1):
        parts += [f"echo '>>> block {number}'", block, f"echo '<<< block {number} ok'"]
    return "\n".join(parts) + "\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Up, str, Path]]:
    data_dir = tmp_path_factory.mktemp("walkthrough")
    up = start_up(data_dir, until="docs/walkthrough.md")
    try:
        yield up, KEY.search(up.output).group(0), data_dir  # type: ignore[union-attr]
    finally:
        up.stop()


def get(url: str, key: str, path: str, **params) -> dict:
    answer = httpx.get(
        f"{url}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_up_prints_where_everything_is(demo) -> None:
    up, key, _ = demo
    for expected in (
        f"Mutabık is running at {up.url}/",
        f"{up.url}/reconciliation/docs",
        f"Outbox:   {up.url}/outbox",
        "Tenant 'demo' created with demo data",
        "13 counterparties, 3 bank accounts",
        "4 bank statements with 18 movements (matcher: 14 confirmed, 2 proposed, 2 unmatched)",
        f"export KEY={key} URL={up.url}",
        "docs/walkthrough.md",
    ):
        assert expected in up.output, (expected, up.output)


def test_the_walkthrough_runs_as_written(demo) -> None:
    up, key, _ = demo
    bash = subprocess.run(
        ["bash", "-c", walkthrough_script()],
        cwd=ROOT, env={**os.environ, "KEY": key, "URL": up.url},
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    started = re.findall(r">>> block (\d+)", bash.stdout)
    assert bash.returncode == 0, (
        f"block {started[-1] if started else '?'} failed\n--- stdout\n{bash.stdout[-6000:]}"
        f"\n--- stderr\n{bash.stderr[-4000:]}"
    )
    assert bash.stdout.count("ok\n") == len(started)

    # (a) every confirmed movement exported once, the operator's choices kept
    vouchers = get(up.url, key, "/matcher/vouchers", state="all", limit=500)["items"]
    assert len(vouchers) == 17 and {v["state"] for v in vouchers} == {"acknowledged"}
    today = [
        m
        for state in ("exported", "dropped")
        for m in get(up.url, key, "/matcher/movements", state=state,
                     date_from=date.today().isoformat())["items"]
    ]  # fmt: skip
    booked = {m["description"].split()[2]: (m["state"], m["contra_code"]) for m in today}
    assert booked == {
        "ÖZTÜRK": ("exported", "120.01.001"), "YILMAZ": ("exported", "320.01.001"),
        "ÇAĞLAR": ("exported", "195.01.001"), "KIRTASİYE": ("dropped", None),
    }  # fmt: skip
    counts = get(up.url, key, "/matcher/movements", state="exported", limit=1)["counts"]
    assert counts == {"exported": 17, "dropped": 1, "proposed": 2, "unmatched": 2}, counts
    processed = get(up.url, key, "/bank-ingest/movements", processed="true", limit=100)
    assert len(processed["items"]) == 18

    # (b) the round completed with every answer, the e-mails in the outbox
    [round_] = [
        r for r in get(up.url, key, "/reconciliation/rounds")["items"] if r["kind"] == "babs"
    ]
    assert round_["state"] == "completed", round_
    assert round_["counts"]["agreed"] == 7 and round_["counts"]["disagreed"] == 1
    assert round_["counts"]["excluded"] == 1
    page = httpx.get(f"{up.url}/outbox").text
    assert page.count("BA/BS mutabakatı") == 8


def test_a_restart_loads_nothing_twice(demo) -> None:
    up, key, data_dir = demo
    before = state(up.url, key)
    up.stop()
    again = start_up(data_dir, until="Existing data")
    try:
        assert not KEY.search(again.output) and "demo data" not in again.output
        assert state(again.url, key) == before
        assert before["counterparties"] == 13 and before["accounts"] == 3
    finally:
        again.stop()


def demo_load(url: str, key: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``mutabik demo load``: its exit code, what it printed and what it complained."""
    with pytest.raises(SystemExit) as exited:
        main(["demo", "load", "--url", url, "--key", key])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_up_empty_loads_nothing_and_demo_load_fills_it_over_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    up = start_up(tmp_path, "--empty", until="docs/walkthrough.md")
    try:
        assert "Tenant 'demo' created, empty (no demo data)." in up.output
        key = KEY.search(up.output).group(0)  # type: ignore[union-attr]
        empty = state(up.url, key)
        assert empty == {"counterparties": 0, "accounts": 0, "bank_movements": 0, "worklist": {},
                         "imports": 0, "rules": 0}  # fmt: skip
        # the CLI chore, in this process: a real HTTP client against the running system
        code, out, err = demo_load(up.url, key, capsys)
        assert code == 0 and "13 counterparties, 3 bank accounts" in out, err
        filled = state(up.url, key)
        assert filled["counterparties"] == 13 and filled["bank_movements"] == 18
        code, _, err = demo_load(up.url, "mtk_0000000000000000_" + "x" * 43, capsys)
        assert code == 2 and "401" in err
    finally:
        up.stop()


def state(url: str, key: str) -> dict:
    return {
        "counterparties": len(get(url, key, "/reconciliation/counterparties")["items"]),
        "accounts": len(get(url, key, "/bank-ingest/accounts")["items"]),
        "bank_movements": len(get(url, key, "/bank-ingest/movements", limit=500)["items"]),
        "worklist": get(url, key, "/matcher/movements", state="exported", limit=1)["counts"],
        "imports": len(get(url, key, "/reconciliation/imports")["items"]),
        "rules": len(get(url, key, "/matcher/rules")),
    }
