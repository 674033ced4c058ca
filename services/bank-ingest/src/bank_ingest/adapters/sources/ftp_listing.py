"""Listing an FTP folder: MLSD where the server has it, NLST + SIZE + MDTM where it has not."""

from __future__ import annotations

import ftplib
import posixpath
from datetime import UTC, datetime

from bank_ingest.adapters.sources.base import RemoteFile, is_candidate, iso_utc

# Replies meaning "no such command" (RFC 959): the server predates MLSD (RFC 3659).
_UNSUPPORTED = {"500", "502", "504"}


def list_files(ftp: ftplib.FTP, pattern: str) -> list[RemoteFile]:
    """The regular files of the current directory whose names may be statements (any order)."""
    try:
        entries = list(ftp.mlsd())
    except ftplib.error_perm as exc:
        if str(exc)[:3] not in _UNSUPPORTED:
            raise
        return _list_by_names(ftp, pattern)
    _binary(ftp)
    return [f for name, facts in entries if (f := _from_facts(ftp, name, facts, pattern))]


def _from_facts(
    ftp: ftplib.FTP, name: str, facts: dict[str, str], pattern: str
) -> RemoteFile | None:
    name = posixpath.basename(name)
    if facts.get("type", "file").lower() != "file" or not is_candidate(name, pattern):
        return None
    size = int(facts["size"]) if "size" in facts else _size(ftp, name)
    if size is None:
        return None
    modified = parse_time(facts["modify"]) if "modify" in facts else _modified(ftp, name)
    return RemoteFile(name, size, modified)


def _list_by_names(ftp: ftplib.FTP, pattern: str) -> list[RemoteFile]:
    try:
        names = ftp.nlst()
    except ftplib.error_perm as exc:
        if str(exc)[:3] == "550":  # how some servers say "no files here"
            return []
        raise
    _binary(ftp)
    files = []
    for name in map(posixpath.basename, names):
        if not is_candidate(name, pattern):
            continue
        size = _size(ftp, name)
        if size is not None:  # None: a folder, or a file this user may not read
            files.append(RemoteFile(name, size, _modified(ftp, name)))
    return files


def _binary(ftp: ftplib.FTP) -> None:
    # ftplib lists in ASCII mode, and SIZE counts bytes only in binary mode.
    ftp.voidcmd("TYPE I")


def _size(ftp: ftplib.FTP, name: str) -> int | None:
    try:
        return ftp.size(name)
    except ftplib.error_perm:
        return None


def _modified(ftp: ftplib.FTP, name: str) -> str | None:
    try:
        reply = ftp.sendcmd(f"MDTM {name}")
    except ftplib.error_perm:
        return None
    return parse_time(reply[4:])


def parse_time(value: str) -> str | None:
    """ISO 8601 UTC text of an FTP time value (``YYYYMMDDHHMMSS[.sss]``, always UTC)."""
    whole, _, fraction = value.strip().partition(".")
    try:
        moment = datetime.strptime(whole, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    if fraction.isdigit():
        moment = moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    return iso_utc(moment)
