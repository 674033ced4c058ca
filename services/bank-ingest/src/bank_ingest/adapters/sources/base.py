"""What every statement source shares: the file it lists, its error, its protocol, its settings."""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from types import TracebackType
from typing import Annotated, BinaryIO, Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from shared.errors import MutabikError

_IGNORED_SUFFIXES = (".part", ".tmp")


@dataclass(frozen=True)
class RemoteFile:
    """One file a source offers: its name inside the source's folder, size and modification time.

    ``modified`` is ISO 8601 in UTC (``2024-05-01T10:30:00+00:00``), or None when the source
    cannot tell.
    """

    name: str
    size: int
    modified: str | None

    @property
    def key(self) -> str:
        """Identity of this version of the file: the same name rewritten gets a new key."""
        return f"{self.name}:{self.size}:{self.modified}"


class SourceError(MutabikError):
    """A source could not be reached or used; the message is meant for the operator.

    It never contains a password. The connection that raised it is *disconnected* until a
    fetch works again.
    """

    status, title, type_slug = 502, "Statement source unavailable", "source-unavailable"


class Source(Protocol):
    """Where a bank connection fetches statement files from.

    Use it as ``async with source:`` (one session, e.g. one FTP login); call the methods inside.
    """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def list_new(self, seen: AbstractSet[str]) -> list[RemoteFile]:
        """Files whose ``key`` is not in ``seen``, oldest first (by modified time, then name)."""
        ...

    async def fetch(self, file: RemoteFile, into: BinaryIO) -> int:
        """Write the file's bytes into ``into``, rewind it to where they start; return the count."""
        ...

    async def done(self, file: RemoteFile, *, ok: bool) -> None:
        """Tell the source the file was imported (``ok``) or refused, so it can move it aside."""
        ...


def is_candidate(name: str, pattern: str) -> bool:
    """Whether a file name may be a statement: matches ``pattern`` and is no temporary file.

    Hidden files, ``*.part``/``*.tmp`` (uploads in progress) and ``~$*`` (Office lock files) are
    never statements. Matching ignores case, as operators on Windows expect.
    """
    lowered = name.lower()
    if name.startswith((".", "~$")) or lowered.endswith(_IGNORED_SUFFIXES):
        return False
    return fnmatch.fnmatchcase(lowered, pattern.lower())


def iso_utc(moment: datetime | float) -> str:
    """ISO 8601 text in UTC of a datetime (naive means UTC) or a POSIX timestamp."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    else:
        aware = datetime.fromtimestamp(moment, UTC)
    return aware.astimezone(UTC).isoformat()


def oldest_first(files: list[RemoteFile]) -> list[RemoteFile]:
    """Sorted by modified time, then name; files without a time come first."""
    return sorted(files, key=lambda f: (f.modified or "", f.name))


def numbered_names(name: str) -> Iterator[str]:
    """``a.sta``, ``a_1.sta``, ``a_2.sta``, ...: the names to try, in order, when ``name`` is taken."""
    path = PurePosixPath(name)
    yield name
    for counter in itertools.count(1):
        yield f"{path.stem}_{counter}{path.suffix}"


_PATTERN = Field(
    default="*",
    description="Glob of the file names to fetch, case-insensitive (`*.sta`, `EKSTRE_*.xml`).",
    examples=["*.sta"],
)


class FolderSourceSettings(BaseModel):
    """A folder on this machine (or a mounted share) that the bank's client writes into."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["folder"] = Field(default="folder", description="Always `folder`.")
    path: str = Field(
        description="Absolute path of the watched folder. Imported files move to `processed/` "
        "inside it, refused ones to `failed/`.",
        examples=["/srv/statements/akbank"],
    )
    pattern: str = _PATTERN
    min_age_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Skip files modified less than this many seconds ago: they may still be "
        "being written.",
        examples=[2.0],
    )


class FtpSourceSettings(BaseModel):
    """A folder on the bank's (or the firm's) FTP server, optionally over explicit TLS (FTPS)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["ftp"] = Field(default="ftp", description="Always `ftp`.")
    host: str = Field(
        min_length=1, description="Server name or address.", examples=["ftp.bank.com.tr"]
    )
    port: int = Field(default=21, ge=1, le=65535, description="Control port.", examples=[21])
    username: str = Field(min_length=1, description="FTP user name.", examples=["ekstre"])
    password: SecretStr = Field(
        description="FTP password; stored encrypted, never shown or logged.",
        examples=["s3cret"],
    )
    directory: str = Field(
        default="/", description="Folder on the server holding the statements.", examples=["/out"]
    )
    pattern: str = _PATTERN
    tls: bool = Field(
        default=False, description="Use explicit TLS (`AUTH TLS`, FTPS) for login and data."
    )
    tls_verify: bool = Field(
        default=True,
        description="Check the server's TLS certificate and name; turn off only for a server "
        "with a self-signed certificate on a network you trust.",
    )
    passive: bool = Field(
        default=True, description="Passive mode; turn off only when the server asks for active."
    )
    timeout_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Give up when the server is silent this long.",
        examples=[20],
    )
    after_import: Literal["keep", "delete", "move"] = Field(
        default="keep",
        description="What happens to an imported file on the server: `keep` it (it is not "
        "imported twice), `delete` it, or `move` it to `move_to`. Refused files always stay.",
    )
    move_to: str | None = Field(
        default=None,
        description="Folder for `after_import=move`; relative paths are inside `directory`. "
        "Created when missing.",
        examples=["processed"],
    )

    @model_validator(mode="after")
    def _move_needs_target(self) -> Self:
        if self.after_import == "move" and not self.move_to:
            raise ValueError("after_import=move needs move_to, the folder to move files into")
        return self


SourceSettings = Annotated[FolderSourceSettings | FtpSourceSettings, Field(discriminator="kind")]
"""Either kind of source settings, told apart by ``kind`` (for request bodies and storage)."""
