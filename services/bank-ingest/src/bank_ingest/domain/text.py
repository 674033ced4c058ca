"""Text folding for search and comparison."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Dotless ı has no decomposition, so it is mapped by hand; İ decomposes to I + combining dot.
_TURKISH = str.maketrans({"ı": "i", "İ": "i"})


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: ``"ÖZTÜRK  İnşaat"`` → ``"ozturk insaat"``, so a
    search matches whether the bank wrote Turkish letters or flattened them to ASCII."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TURKISH).lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare).strip()


def squash(text: str) -> str:
    """Whitespace collapsed, nothing else changed."""
    return _SPACES.sub(" ", text).strip()
