"""A real FTP server on loopback for tests, so FTP sources are tested against a server, not a mock.

Needs pyftpdlib, a test dependency: import this module from tests only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pyftpdlib.authorizers import DummyAuthorizer  # type: ignore[import-untyped]
from pyftpdlib.handlers import FTPHandler  # type: ignore[import-untyped]
from pyftpdlib.ioloop import IOLoop  # type: ignore[import-untyped]
from pyftpdlib.servers import FTPServer  # type: ignore[import-untyped]

from bank_ingest.adapters.sources.base import FtpSourceSettings

_FULL_RIGHTS = "elradfmwMT"


@dataclass
class LoopbackFtp:
    """A running server: where it listens, who may log in, and the folder it serves."""

    host: str
    port: int
    username: str
    password: str
    home: Path
    _stop: threading.Event = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def settings(self, **overrides: Any) -> FtpSourceSettings:
        """Source settings that log in to this server; ``overrides`` change any field."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": SecretStr(self.password),
            "timeout_seconds": 5,
        }
        return FtpSourceSettings(**(values | overrides))

    def stop(self) -> None:
        """Close the server and every client connection; safe to call twice."""
        self._stop.set()
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            raise RuntimeError("the loopback FTP server did not stop within 10 s")


@contextmanager
def serve_ftp(
    home: Path, *, username: str = "bank", password: str = "pw-Xq7!tOpSecret", mlsd: bool = True
) -> Iterator[LoopbackFtp]:
    """Serve ``home`` over FTP on 127.0.0.1 at a free port until the block ends.

    ``mlsd=False`` makes a server from before RFC 3659: MLSD and MLST answer "500 not understood".
    """
    authorizer = DummyAuthorizer()
    authorizer.add_user(username, password, str(home), perm=_FULL_RIGHTS)
    commands = {
        name: spec
        for name, spec in FTPHandler.proto_cmds.items()
        if mlsd or name not in {"MLSD", "MLST"}
    }
    # A subclass per server: pyftpdlib configures handlers through class attributes.
    handler = type(
        "Handler",
        (FTPHandler,),
        {"authorizer": authorizer, "proto_cmds": commands, "auth_failed_timeout": 0.05},
    )
    server = FTPServer(("127.0.0.1", 0), handler, ioloop=IOLoop())
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(server, stop), name="loopback-ftp", daemon=True)
    thread.start()
    host, port = server.address[:2]
    running = LoopbackFtp(host, port, username, password, home, stop, thread)
    try:
        yield running
    finally:
        running.stop()


def _serve(server: FTPServer, stop: threading.Event) -> None:
    # The loop is driven here rather than by serve_forever(), which logs a line per turn;
    # close_all() runs in this thread because pyftpdlib's IO loop is not thread-safe.
    try:
        while not stop.is_set():
            server.ioloop.loop(timeout=0.05, blocking=False)
    finally:
        server.close_all()
