"""Parsing a large file in a child process, so that parsing and storing use both cores.

The child streams the file's prepared statement parts (:mod:`.domain.prepared`: movements as
rows of text, their search text, fingerprint and event JSON computed there) back in chunks
through a bounded queue (memory stays flat: at most a few chunks are in flight). Parse errors
come back as data and are raised here exactly as the inline parser would raise them. Children are
forked from a forkserver that has the parsers imported already, so starting one costs
milliseconds, not an interpreter start; :func:`warm` starts that server when the service starts,
so that the first large file does not wait for its imports.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.forkserver
import queue as queues
from collections.abc import AsyncIterator, Iterable
from typing import Any, BinaryIO

from .domain.formats import Reading, ReadOptions, read_statements
from .domain.prepared import MovementBlock, PreparedPart, prepare
from .domain.statement import ParseError

CHUNK = 500
_CONTEXT = multiprocessing.get_context("forkserver")
_PRELOADED = False


async def parts_inline(
    stream: BinaryIO, options: ReadOptions, reading: Reading
) -> AsyncIterator[PreparedPart]:
    for part in prepare(read_statements(stream, options, reading)):
        yield part


async def parts_in_child(
    path: str, options: ReadOptions, reading: Reading
) -> AsyncIterator[PreparedPart]:
    """The prepared parts of the file at ``path``, parsed by a child process."""
    _preload()
    channel = _CONTEXT.Queue(maxsize=8)
    child = _CONTEXT.Process(target=_parse, args=(path, options, channel), daemon=True)
    await asyncio.to_thread(child.start)  # waits for the forkserver if it is still starting
    try:
        while True:
            kind, value = await asyncio.to_thread(_next, channel, child)
            if kind == "parts":
                for part in value:
                    yield part
            elif kind == "done":
                reading.format, reading.encoding = value
                return
            elif kind == "refused":
                raise ParseError(value[0], line=value[1], field=value[2])
            else:
                raise RuntimeError(f"the parser process failed: {value}")
    finally:
        if child.is_alive():
            child.kill()
        await asyncio.to_thread(child.join)
        channel.close()


def _next(channel: Any, child: Any) -> tuple[str, Any]:
    while True:
        try:
            return channel.get(timeout=0.5)
        except queues.Empty:
            if not child.is_alive():
                return "crashed", f"exit code {child.exitcode}"


def _parse(path: str, options: ReadOptions, channel: Any) -> None:
    reading = Reading()
    try:
        with open(path, "rb") as stream:
            for chunk in _chunks(prepare(read_statements(stream, options, reading))):
                channel.put(("parts", chunk))
        channel.put(("done", (reading.format, reading.encoding)))
    except ParseError as exc:
        channel.put(("refused", (exc.reason, exc.line, exc.field)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        channel.put(("crashed", f"{type(exc).__name__}: {exc}"))


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
    _preload()
    multiprocessing.forkserver.ensure_running()


def _preload() -> None:
    global _PRELOADED
    if not _PRELOADED:
        _CONTEXT.set_forkserver_preload(["bank_ingest.domain.formats"])
        _PRELOADED = True
