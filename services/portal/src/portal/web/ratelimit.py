"""Token buckets per client IP, in memory, for the letter pages.

Each IP has two buckets: one for lookups of known tokens (a person reading and answering), one
for wrong or expired tokens (someone guessing). A request is let through only while both have a
token left; once the lookup tells whether the token was known, the matching bucket is charged.
So a guesser is stopped after a handful of misses, for everything, while a reader can page
through a long letter. Lookups running at the same time all pass and are charged when they end:
a bucket can go into debt, and the IP waits until it is paid back, so a burst of a thousand
guesses at once buys a hundred minutes of silence and the long-run rate still holds.

The state lives in the process (a restart forgets it; several processes each count their own):
enough to make guessing a 256-bit token hopeless, which is all it is for. The least recently seen
IPs are forgotten first once ``max_clients`` are remembered.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``per_second``."""

    capacity: float
    per_second: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now

    def wait(self) -> float:
        """Seconds until one token is there (0 when it is)."""
        missing = 1 - self.tokens
        return 0.0 if missing <= 1e-9 else missing / self.per_second  # 1e-9: float rounding


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0
    """Whole seconds to wait before trying again (for ``Retry-After``)."""


class LookupLimiter:
    """``per_minute`` known-token lookups and ``unknown_per_minute`` misses per IP; 0: no limit."""

    def __init__(
        self,
        *,
        per_minute: int,
        unknown_per_minute: int,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rates = {"known": per_minute, "unknown": unknown_per_minute}
        self._max_clients = max_clients
        self._clock = clock
        self._clients: OrderedDict[str, dict[str, TokenBucket]] = OrderedDict()

    def admit(self, ip: str) -> Decision:
        """May this IP look a token up now? Charges nothing (see :meth:`settle`)."""
        buckets = self._buckets(ip)
        wait = max((bucket.wait() for bucket in buckets.values()), default=0.0)
        if wait > 0:
            return Decision(False, max(1, math.ceil(wait)))
        return Decision(True)

    def settle(self, ip: str, *, known: bool) -> None:
        """Charge the admitted lookup to the bucket its outcome names: a known token or not."""
        buckets = self._clients.get(ip)
        bucket = buckets.get("known" if known else "unknown") if buckets else None
        if bucket is not None:
            bucket.tokens -= 1

    def _buckets(self, ip: str) -> dict[str, TokenBucket]:
        now = self._clock()
        buckets = self._clients.get(ip)
        if buckets is None:
            buckets = {
                kind: TokenBucket(rate, rate / 60, rate, now)
                for kind, rate in self._rates.items()
                if rate > 0
            }
            self._clients[ip] = buckets
            while len(self._clients) > self._max_clients:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(ip)
            for bucket in buckets.values():
                bucket.refill(now)
        return buckets
