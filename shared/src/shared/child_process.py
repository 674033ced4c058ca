"""A generator run in a child process, its items streamed back — so that the CPU work of reading
a large file and the service's own work (the database, other requests) use both cores.

Children are forked from a forkserver that has the named modules imported already, so starting
one costs milliseconds, not an interpreter start. Items come back through a bounded queue: memory
stays flat, at most a few items are in flight. An exception raised in the child is raised here
(when it pickles; otherwise a RuntimeError names it).
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import multiprocessing.forkserver
import pickle
import queue as queues
import resource
import signal
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

_CONTEXT = multiprocessing.get_context("forkserver")
_IN_FLIGHT = 4


class ChildOutOfMemory(MemoryError):
    """The child needed more memory than its limit: it raised MemoryError, or a native library
    aborted it (Rust aborts on a failed allocation)."""


async def stream_from_child(
    produce: Callable[..., Iterable[Any]],
    *args: Any,
    preload: Sequence[str] = (),
    memory_limit: int | None = None,
) -> AsyncIterator[Any]:
    """The items of ``produce(*args)``, computed in a child process. ``produce`` must be a
    module-level function and ``args`` picklable. With ``memory_limit`` (bytes of address space)
    the child cannot grow past it: running out raises :class:`ChildOutOfMemory` here, and only
    the child dies."""
    warm(preload)
    channel = _CONTEXT.Queue(maxsize=_IN_FLIGHT)
    child = _CONTEXT.Process(
        target=_produce, args=(produce, args, channel, memory_limit), daemon=True
    )
    await asyncio.to_thread(child.start)  # waits for the forkserver if it is still starting
    try:
        while True:
            kind, value = await asyncio.to_thread(_next, channel, child)
            if kind == "item":
                yield value
            elif kind == "done":
                return
            elif kind == "raised":
                if memory_limit and isinstance(value, MemoryError):
                    raise ChildOutOfMemory(f"more than {memory_limit:,} bytes") from value
                raise value
            elif memory_limit and child.exitcode == -signal.SIGABRT:
                raise ChildOutOfMemory(f"more than {memory_limit:,} bytes (aborted)")
            else:
                raise RuntimeError(f"the child process failed: {value}")
    finally:
        if child.is_alive():
            child.kill()
        await asyncio.to_thread(child.join)
        channel.close()


def warm(preload: Sequence[str] = ()) -> None:
    """Start the forkserver with ``preload`` imported. The server is one per process: modules
    named after it started are imported by each child instead (slower to start, same result)."""
    _PRELOAD.update(preload)
    _CONTEXT.set_forkserver_preload(sorted(_PRELOAD))
    multiprocessing.forkserver.ensure_running()


_PRELOAD: set[str] = set()


def _next(channel: Any, child: Any) -> tuple[str, Any]:
    while True:
        try:
            return channel.get(timeout=0.5)
        except queues.Empty:
            if not child.is_alive():
                return "crashed", f"exit code {child.exitcode}"


def _produce(
    produce: Callable[..., Iterable[Any]], args: tuple, channel: Any, memory_limit: int | None
) -> None:
    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    gc.freeze()  # the preloaded modules' objects: the collector need not walk them again and again
    try:
        for item in produce(*args):
            channel.put(("item", item))
        channel.put(("done", None))
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            pickle.loads(pickle.dumps(exc))  # the queue pickles later, in its feeder thread
            channel.put(("raised", exc))
        except Exception:  # noqa: BLE001 - the exception does not pickle
            channel.put(("crashed", f"{type(exc).__name__}: {exc}"))
