"""IBANs written into free text, spaced or not: ``TR60 0020 5083 2729 4226 3537 64``."""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}")


def ibans_in(text: str) -> list[str]:
    """Every valid IBAN in ``text`` (checksum and country format), compact."""
    found = []
    for match in _CANDIDATE.finditer(text.upper()):
        compact = match.group().replace(" ", "")
        for end in range(len(compact), 14, -1):  # the run may go on into a following word
            try:
                found.append(IBAN(compact[:end]).compact)
                break
            except SchwiftyException:
                continue
    return list(dict.fromkeys(found))


def compact(iban: str) -> str:
    """``TR33 0006 1005 …`` → ``TR330006100…``: how IBANs are compared."""
    return iban.replace(" ", "").upper()
