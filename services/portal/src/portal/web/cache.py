"""Letter pages as rendered, kept in memory for the next view of the same token.

A letter's content and documents never change once issued; what changes is its state (viewed,
answered) and, with the calendar, whether it is open. So a rendered page is kept with the day it
was rendered on, and dropped when this process records a view or an answer of that letter, when
the day changes, or after at most ``seconds`` (which bounds how long another replica's answer can go
unseen here; the answer itself is never taken twice, the database decides that). The page is kept
with a slot where each visitor's CSRF field goes.

A repeat view is then a rate-limit check, a dictionary lookup and one HMAC: no query, no
template. The first view always goes to the database (it must be recorded).
"""

from __future__ import annotations

import random
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

CSRF_SLOT = "csrf-slot-2b7e151628aed2a6"
"""Stands for the visitor's CSRF field in a kept page (the real value is URL-safe base64)."""

_VARIANTS = 16
Variant = tuple[str, str, str]
"""The page as asked for: where the portal is mounted, language and page number, normalised."""


@dataclass(frozen=True)
class KeptPage:
    html: str
    """With :data:`CSRF_SLOT` where the form's token goes (when it has a form)."""
    letter_id: uuid.UUID
    has_form: bool
    rendered_on: date
    expires: float


def variant(base: str, language: str | None, page: str | None) -> Variant:
    """The mount path (the page's links start with it), ``?lang=`` and ``?page=`` as a key:
    anything unknown counts as not given."""
    lang = language if language in ("tr", "en") else ""
    number = page.lstrip("0") if page and page.isdigit() and len(page) <= 6 else ""
    return base, lang, number


class PageCache:
    """Up to ``size`` letters' pages (least recently used dropped first); 0 keeps none."""

    def __init__(
        self, *, size: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size = size
        self._seconds = seconds
        self._clock = clock
        self._letters: OrderedDict[str, dict[Variant, KeptPage]] = OrderedDict()

    def get(self, digest: str, key: Variant, today: date) -> KeptPage | None:
        pages = self._letters.get(digest)
        page = pages.get(key) if pages else None
        if page is None:
            return None
        if page.rendered_on != today or page.expires < self._clock():
            self.forget(digest)
            return None
        self._letters.move_to_end(digest)
        return page

    def put(
        self,
        digest: str,
        key: Variant,
        *,
        html: str,
        letter_id: uuid.UUID,
        has_form: bool,
        today: date,
    ) -> None:
        if self._size <= 0:
            return
        # Each page is kept a random share (half to all) of ``seconds``: pages kept at one moment
        # (a busy minute) must not all expire, and be rendered again, at one moment.
        kept_for = self._seconds * random.uniform(0.5, 1.0)
        page = KeptPage(html, letter_id, has_form, today, self._clock() + kept_for)
        pages = self._letters.setdefault(digest, {})
        if len(pages) >= _VARIANTS and key not in pages:
            pages.clear()  # someone walks through every ?page=: keep only the latest
        pages[key] = page
        self._letters.move_to_end(digest)
        while len(self._letters) > self._size:
            self._letters.popitem(last=False)

    def forget(self, digest: str) -> None:
        """The letter's state changed: its pages must be rendered again."""
        self._letters.pop(digest, None)
