"""A local SMTP server for embedded mode: the notifier's system server when none is configured.
It delivers nothing; every message it takes is kept as an ``.eml`` file, shown at ``/outbox``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope

from .store import RECEIVED_HEADER, RECIPIENTS_HEADER


class OutboxSink:
    """Listens on ``host`` (loopback) on a free port, chosen when the sink is made, so the
    notifier's settings can name it before any app exists."""

    def __init__(self, folder: Path, *, host: str = "127.0.0.1") -> None:
        self.folder = folder
        self.host = host
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((host, 0))
        self.port: int = self._socket.getsockname()[1]

    def settings_env(self) -> dict[str, str]:
        """The notifier's system-server settings that point at this sink."""
        return {
            "MUTABIK_NOTIFIER_SMTP_HOST": self.host,
            "MUTABIK_NOTIFIER_SMTP_PORT": str(self.port),
            "MUTABIK_NOTIFIER_SMTP_SECURITY": "none",
        }

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[OutboxSink]:
        """Serve SMTP in the running event loop until the block ends."""
        self.folder.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(self, hostname="localhost", enable_SMTPUTF8=True), sock=self._socket
        )
        try:
            yield self
        finally:
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), timeout=2)

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        received = datetime.now(UTC)
        head = (
            f"{RECEIVED_HEADER}: {received.isoformat()}\r\n"
            f"{RECIPIENTS_HEADER}: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        body = envelope.original_content or b""
        name = f"{received:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        await asyncio.to_thread(self._keep, name, head + body)
        return "250 2.0.0 Kept in the outbox"

    def _keep(self, name: str, data: bytes) -> None:
        """Written whole, then renamed: the page never reads half a message."""
        partial = self.folder / f".{name}.part"
        partial.write_bytes(data)
        os.replace(partial, self.folder / name)
