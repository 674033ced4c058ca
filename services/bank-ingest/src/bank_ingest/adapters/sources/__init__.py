"""Statement sources: where a bank connection fetches its files from (a folder, an FTP server).

::

    async with open_source(settings) as source:
        for remote in await source.list_new(seen=imported_keys):
            with tempfile.TemporaryFile() as tmp:
                await source.fetch(remote, tmp)
                ok = ingest(tmp)
            await source.done(remote, ok=ok)

Every connection problem is a :class:`SourceError` whose message an operator can act on.
"""

from __future__ import annotations

from bank_ingest.adapters.sources.base import (
    FolderSourceSettings,
    FtpSourceSettings,
    RemoteFile,
    Source,
    SourceError,
    SourceSettings,
)
from bank_ingest.adapters.sources.folder import FolderSource
from bank_ingest.adapters.sources.ftp import FtpSource

__all__ = [
    "FolderSource",
    "FolderSourceSettings",
    "FtpSource",
    "FtpSourceSettings",
    "RemoteFile",
    "Source",
    "SourceError",
    "SourceSettings",
    "open_source",
]


def open_source(settings: FolderSourceSettings | FtpSourceSettings) -> Source:
    """The source the settings describe; nothing is opened until ``async with``."""
    if isinstance(settings, FolderSourceSettings):
        return FolderSource(settings)
    return FtpSource(settings)
