"""Text folding for search and comparison."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# The letters Turkish bank texts use, folded by table (fast); anything rarer goes through NFKD.
# Dotless ı has no decomposition at all, and İ.lower() would leave a combining dot behind.
_TABLE = str.maketrans("ÇĞİIÖŞÜÂÎÛçğıöşüâîû", "cgiiosuaiucgiosuaiu")


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: ``"ÖZTÜRK  İnşaat"`` → ``"ozturk insaat"``, so a
    search matches whether the bank wrote Turkish letters or flattened them to ASCII."""
    folded = text.translate(_TABLE).lower()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(folded.split())


def squash(text: str) -> str:
    """Whitespace collapsed, nothing else changed."""
    return _SPACES.sub(" ", text).strip()
