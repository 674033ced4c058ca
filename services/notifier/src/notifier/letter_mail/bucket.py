"""A token bucket: the rate limit of one tenant's letter e-mails, in memory, per process."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class TokenBucket:
    """At most ``per_minute`` e-mails a minute as a steady stream: ``per_minute / 60`` tokens
    come back each second, and the bucket holds at most one second's worth (at least one), so a
    burst after a quiet spell is short. ``per_minute`` 0 means no limit."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._stamp = clock()
        self.per_minute = -1
        self._tokens = 0.0
        self.set_rate(per_minute)

    @property
    def unlimited(self) -> bool:
        return self.per_minute == 0

    @property
    def capacity(self) -> float:
        return max(1.0, self.per_minute / 60)

    def set_rate(self, per_minute: int) -> None:
        """Change the limit (the tenant changed its settings); a new bucket starts full."""
        if per_minute < 0:
            raise ValueError("per_minute cannot be negative")
        if per_minute == self.per_minute:
            return
        self.per_minute = per_minute
        self._tokens = self.capacity if per_minute else 0.0

    def take(self, wanted: int) -> int:
        """Take up to ``wanted`` tokens that are there now; how many were taken (maybe 0)."""
        if self.unlimited:
            return wanted
        self._refill()
        taken = min(wanted, math.floor(self._tokens))
        self._tokens -= taken
        return taken

    def give_back(self, count: int) -> None:
        """Return tokens taken but not used (fewer e-mails were due than taken)."""
        if not self.unlimited and count > 0:
            self._tokens = min(self.capacity, self._tokens + count)

    def wait_seconds(self) -> float:
        """How long until the next token; 0 when one is there."""
        if self.unlimited:
            return 0.0
        self._refill()
        missing = 1 - self._tokens
        return max(0.0, missing * 60 / self.per_minute)

    def _refill(self) -> None:
        now = self._clock()
        elapsed, self._stamp = now - self._stamp, now
        self._tokens = min(self.capacity, self._tokens + elapsed * self.per_minute / 60)
