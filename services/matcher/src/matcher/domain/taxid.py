"""Turkish tax numbers in free text: VKN (10 digits) and TCKN (11 digits), by their check digits."""

from __future__ import annotations

import re

from stdnum.tr import tckimlik, vkn

_NUMBER = re.compile(r"(?<!\d)(\d{10,11})(?!\d)")


def is_tax_id(number: str) -> bool:
    if len(number) == 10:
        return vkn.is_valid(number)
    return len(number) == 11 and tckimlik.is_valid(number)


def tax_ids_in(text: str) -> list[str]:
    """Every standalone 10- or 11-digit number in ``text`` whose check digits make it a VKN or
    TCKN. Longer digit runs (account numbers, IBAN bodies) are not cut into candidates."""
    return [n for n in _NUMBER.findall(text) if is_tax_id(n)]
