"""Text folding for search and comparison."""

from __future__ import annotations

import re

from shared.text import fold

__all__ = ["fold", "squash"]

_SPACES = re.compile(r"\s+")


def squash(text: str) -> str:
    """Whitespace collapsed, nothing else changed."""
    return _SPACES.sub(" ", text).strip()
