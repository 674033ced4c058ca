"""Text folding for search and comparison, the same in every service."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: ``"ÖZTÜRK  İnşaat"`` → ``"ozturk insaat"``, so a
    search matches whether the bank or ERP wrote Turkish letters or flattened them to ASCII.

    Dotless ı has no decomposition (it would vanish), so it is mapped first; letters with no ASCII
    form at all (``ß``, ``€``) are dropped — the same on both sides of a search."""
    if not text.isascii():
        plain = unicodedata.normalize("NFKD", text.replace("ı", "i"))
        text = plain.encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())
