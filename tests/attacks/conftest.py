"""The whole system served on a real port from a thread of its own, for the tests that speak
plain blocking HTTP (schemathesis, a streamed upload) while the test's own loop stays free."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.tenants import new_tenant_with_key


@dataclass
class Served:
    url: str
    apps: dict[str, FastAPI]
    api_key: str
    loop: asyncio.AbstractEventLoop

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def run(self, coroutine: Any, timeout: float = 60) -> Any:
        """Runs ``coroutine`` on the server's loop (where the apps' sessions live)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def served(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Embedded mode under uvicorn in a background thread; a new tenant's admin key. ``env``
    holds settings (``MUTABIK_...``) for the apps, set while they are made."""
    port = free_port()
    ready: dict[str, Any] = {}
    started = threading.Event()

    async def main() -> None:
        saved = {name: os.environ.get(name) for name in env or {}}
        os.environ.update(env or {})
        try:
            root, apps = embedded_system(data_dir, retry_delays=(0.05, 0.1))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        config = uvicorn.Config(root, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:
                if serving.done():
                    await serving
                await asyncio.sleep(0.02)
            async with apps["reconciliation"].state.runtime.new_uow() as uow:
                _, issued = await new_tenant_with_key(uow, f"Served {uuid.uuid4().hex[:8]}")
            await wait_until_key_works(apps, issued.api_key)
            ready.update(apps=apps, key=issued.api_key, server=server,
                         loop=asyncio.get_running_loop())  # fmt: skip
        except BaseException as exc:
            ready["error"] = exc
            server.should_exit = True
            raise
        finally:
            started.set()
        await serving

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    started.wait(90)
    if "error" in ready or "server" not in ready:
        thread.join(10)
        raise RuntimeError(f"the system did not start: {ready.get('error')!r}")
    try:
        yield Served(f"http://127.0.0.1:{port}", ready["apps"], ready["key"], ready["loop"])
    finally:
        ready["server"].should_exit = True
        thread.join(30)
