"""Parsing a large file in a child process, so that parsing and storing use both cores.

The child (:mod:`shared.child_process`) streams the file's prepared statement parts
(:mod:`.domain.prepared`: movements as rows of text, their search text, fingerprint and event JSON
computed there) back in chunks; memory stays flat. Parse errors come back as data and are raised
here exactly as the inline parser would raise them. :func:`warm` starts the forkserver with the
parsers imported when the service starts, so that the first large file does not wait for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, BinaryIO

from shared.child_process import stream_from_child
from shared.child_process import warm as warm_child_processes

from .domain.formats import Reading, ReadOptions, read_statements
from .domain.prepared import MovementBlock, PreparedPart, prepare
from .domain.statement import ParseError

CHUNK = 500
_PRELOAD = ("bank_ingest.domain.formats",)


async def parts_inline(
    stream: BinaryIO, options: ReadOptions, reading: Reading
) -> AsyncIterator[PreparedPart]:
    for part in prepare(read_statements(stream, options, reading)):
        yield part


async def parts_in_child(
    path: str, options: ReadOptions, reading: Reading
) -> AsyncIterator[PreparedPart]:
    """The prepared parts of the file at ``path``, parsed by a child process."""
    async for kind, value in stream_from_child(_parse, path, options, preload=_PRELOAD):
        if kind == "parts":
            for part in value:
                yield part
        elif kind == "done":
            reading.format, reading.encoding = value
        else:  # "refused": a ParseError, sent as data (its keyword arguments don't pickle)
            raise ParseError(value[0], line=value[1], field=value[2])


def _parse(path: str, options: ReadOptions) -> Iterator[tuple[str, Any]]:
    reading = Reading()
    try:
        with open(path, "rb") as stream:
            for chunk in _chunks(prepare(read_statements(stream, options, reading))):
                yield "parts", chunk
        yield "done", (reading.format, reading.encoding)
    except ParseError as exc:
        yield "refused", (exc.reason, exc.line, exc.field)


def _chunks(parts: Iterable[PreparedPart]) -> Iterable[list[PreparedPart]]:
    """Parts in lists of about ``CHUNK`` movements (a block counts its movements)."""
    chunk: list[PreparedPart] = []
    size = 0
    for part in parts:
        chunk.append(part)
        size += part.count if isinstance(part, MovementBlock) else 1
        if size >= CHUNK:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def warm() -> None:
    """Start the forkserver (it imports the parsers in its own process, in the background)."""
    warm_child_processes(_PRELOAD)
