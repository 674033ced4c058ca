"""Reading the outbox folder: one ``.eml`` file a message, newest first by name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

RECEIVED_HEADER = "X-Mutabik-Outbox-Received"
RECIPIENTS_HEADER = "X-Mutabik-Outbox-Recipients"
NAME = re.compile(r"^\d{8}T\d{12}-[0-9a-f]{8}\.eml$")
"""The only file names the sink writes, and the only ones the page opens."""


@dataclass(frozen=True)
class Summary:
    name: str
    received: str
    to: str
    subject: str


def names(folder: Path, *, limit: int) -> list[str]:
    if not folder.is_dir():
        return []
    found = sorted((p.name for p in folder.iterdir() if NAME.match(p.name)), reverse=True)
    return found[:limit]


def count(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if NAME.match(p.name)) if folder.is_dir() else 0


def summary(folder: Path, name: str) -> Summary:
    headers = BytesHeaderParser(policy=policy.default).parsebytes((folder / name).read_bytes())
    return Summary(
        name=name,
        received=str(headers.get(RECEIVED_HEADER, "")),
        to=str(headers.get(RECIPIENTS_HEADER) or headers.get("To", "")),
        subject=str(headers.get("Subject", "")),
    )


def message(folder: Path, name: str) -> EmailMessage | None:
    """The message kept as ``name``, or None when there is no such (well-named) file."""
    if not NAME.match(name) or not (folder / name).is_file():
        return None
    parsed = message_from_bytes((folder / name).read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def raw(folder: Path, name: str) -> bytes | None:
    if not NAME.match(name) or not (folder / name).is_file():
        return None
    return (folder / name).read_bytes()
