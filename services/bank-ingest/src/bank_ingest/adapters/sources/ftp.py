"""Statements on an FTP server, through the standard library's ftplib in a worker thread.

One control connection per ``async with``; its blocking calls run one at a time in
``asyncio.to_thread`` so the event loop never waits on the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import posixpath
import socket
import ssl
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from types import TracebackType
from typing import BinaryIO, Self, TypeVar

from bank_ingest.adapters.sources.base import (
    FtpSourceSettings,
    RemoteFile,
    SourceError,
    numbered_names,
    oldest_first,
)
from bank_ingest.adapters.sources.ftp_listing import list_files

_BLOCK = 64 * 1024
_FTP_ERRORS = (ftplib.Error, OSError, EOFError, UnicodeDecodeError)
_DROPPED = (EOFError, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
T = TypeVar("T")


class FtpSource:
    """A :class:`~bank_ingest.adapters.sources.base.Source` over one folder of an FTP server."""

    def __init__(self, settings: FtpSourceSettings) -> None:
        self._settings = settings
        self._where = f"{settings.host}:{settings.port}"
        self._ftp: ftplib.FTP | None = None
        self._lock = asyncio.Lock()  # ftplib is one conversation: never two commands at once

    async def __aenter__(self) -> Self:
        self._ftp = await self._run(self._connect, "connecting")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        ftp, self._ftp = self._ftp, None
        if ftp is not None:
            async with self._lock:
                await asyncio.to_thread(_close, ftp)

    async def list_new(self, seen: AbstractSet[str]) -> list[RemoteFile]:
        """Files in ``directory`` matching ``pattern`` whose key is not in ``seen``, oldest first."""
        ftp = self._session()
        files = await self._run(lambda: list_files(ftp, self._settings.pattern), "listing files")
        return oldest_first([f for f in files if f.key not in seen])

    async def fetch(self, file: RemoteFile, into: BinaryIO) -> int:
        """Download in binary mode, streamed block by block into ``into``, then rewind it."""
        ftp = self._session()
        start = into.tell()
        written = await self._run(lambda: _retrieve(ftp, file.name, into), f"fetching {file.name}")
        into.seek(start)
        if written != file.size:
            raise SourceError(
                f"{file.name} on FTP server {self._where} changed or the transfer was cut "
                f"({written} bytes instead of {file.size}); it will be fetched again"
            )
        return written

    async def done(self, file: RemoteFile, *, ok: bool) -> None:
        """Apply ``after_import`` to an imported file; a refused file stays for the operator."""
        ftp, action = self._session(), self._settings.after_import
        if not ok or action == "keep":
            return
        if action == "delete":
            await self._run(lambda: ftp.delete(file.name), f"deleting {file.name}")
            return
        target = self._settings.move_to or ""
        await self._run(lambda: _move(ftp, file.name, target), f"moving {file.name} to {target}")

    def _session(self) -> ftplib.FTP:
        if self._ftp is None:
            raise RuntimeError("use the source inside `async with source:`")
        return self._ftp

    async def _run(self, call: Callable[[], T], doing: str) -> T:
        async with self._lock:
            try:
                return await asyncio.to_thread(call)
            except _FTP_ERRORS as exc:
                raise SourceError(self._explain(exc, doing)) from exc

    def _connect(self) -> ftplib.FTP:
        s = self._settings
        ftp = _client(s)
        try:
            ftp.connect(s.host, s.port)
            self._login(ftp)
            ftp.set_pasv(s.passive)
            self._enter_directory(ftp)
        except BaseException:
            ftp.close()
            raise
        return ftp

    def _login(self, ftp: ftplib.FTP) -> None:
        s = self._settings
        if isinstance(ftp, ftplib.FTP_TLS):
            try:
                ftp.auth()
            except ftplib.error_perm as exc:
                raise SourceError(
                    f"FTP server {self._where} does not offer TLS (it answered {_reply(exc)})"
                ) from exc
        try:
            ftp.login(s.username, s.password.get_secret_value())
        except ftplib.error_perm as exc:
            if _code(exc) != "530":
                raise
            raise SourceError(
                f"FTP login refused for user {s.username!r} at {self._where}"
            ) from None  # the server's reply to PASS is not worth the risk of echoing it
        if isinstance(ftp, ftplib.FTP_TLS):
            ftp.prot_p()

    def _enter_directory(self, ftp: ftplib.FTP) -> None:
        directory, user = self._settings.directory, self._settings.username
        try:
            ftp.cwd(directory)
        except ftplib.error_perm as exc:
            raise SourceError(
                f"FTP directory {directory!r} does not exist at {self._where} or user {user!r} "
                f"may not open it ({_reply(exc)})"
            ) from exc

    def _explain(self, exc: BaseException, doing: str) -> str:
        where, timeout = self._where, self._settings.timeout_seconds
        if isinstance(exc, socket.gaierror):
            return f"cannot find FTP host {self._settings.host!r}: {exc.strerror}"
        if isinstance(exc, ConnectionRefusedError):
            return f"connection refused by {where} while {doing}: is an FTP server listening there?"
        if isinstance(exc, TimeoutError):
            return f"FTP server {where} did not answer within {timeout:g} s while {doing}"
        if isinstance(exc, _DROPPED):
            return f"FTP server {where} closed the connection while {doing}"
        if isinstance(exc, UnicodeDecodeError):
            return f"FTP server {where} sent text that is not UTF-8 while {doing}"
        if isinstance(exc, ssl.SSLError):
            return f"TLS with FTP server {where} failed while {doing}: {exc.reason or exc}"
        if isinstance(exc, ftplib.Error):
            return f"FTP server {where} refused {doing}: {_reply(exc)}"
        if isinstance(exc, OSError):
            return f"FTP connection to {where} failed while {doing}: {exc.strerror or exc}"
        return f"FTP {doing} at {where} failed: {exc}"


def _client(settings: FtpSourceSettings) -> ftplib.FTP:
    if not settings.tls:
        return ftplib.FTP(timeout=settings.timeout_seconds)
    # ftplib's own default context checks no certificate at all; this one does, unless told not to.
    context = ssl.create_default_context()
    if not settings.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return ftplib.FTP_TLS(context=context, timeout=settings.timeout_seconds)


def _retrieve(ftp: ftplib.FTP, name: str, into: BinaryIO) -> int:
    written = 0

    def write(block: bytes) -> None:
        nonlocal written
        into.write(block)
        written += len(block)

    ftp.retrbinary(f"RETR {name}", write, blocksize=_BLOCK)
    return written


def _move(ftp: ftplib.FTP, name: str, folder: str) -> None:
    """Rename ``name`` into ``folder`` under a free name: RNTO overwrites on most servers."""
    with contextlib.suppress(ftplib.error_perm):  # it exists; or the rename below says why not
        ftp.mkd(folder)
    try:
        taken = {posixpath.basename(n) for n in ftp.nlst(folder)}
    except ftplib.error_perm:
        taken = set()  # some servers answer 550 to NLST of an empty folder
    candidate = next(n for n in numbered_names(name) if n not in taken)
    ftp.rename(name, posixpath.join(folder, candidate))


def _close(ftp: ftplib.FTP) -> None:
    try:
        ftp.quit()
    except _FTP_ERRORS:
        ftp.close()  # the session's work is done; a server that drops QUIT changes nothing


def _code(exc: BaseException) -> str:
    return str(exc)[:3]


def _reply(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__
