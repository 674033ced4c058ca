"""When are two statement lines the same movement? The identity rule (docs/bank-ingest.md).

A movement's *fingerprint* is what the bank says about it: booking and value date, signed amount,
currency, transaction code, both references and the description (whitespace collapsed). Within one
statement the n-th line with a given fingerprint on a booking date is occurrence n. The identity is
(account, booking date, fingerprint, occurrence), and the movement id is derived from it.

So the same statement imported twice, or a daily and a monthly statement covering the same day,
map each line to an existing id, while two genuinely identical lines in one statement (same amount,
same text, ``NONREF``) are occurrences 1 and 2 and both kept. Across statements the largest count
wins: a day seen with one such line in an intraday file and two in the final statement ends with two.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from datetime import date

from .statement import ParsedMovement
from .text import squash


def fingerprint(movement: ParsedMovement) -> str:
    """What the bank says about the movement, in one string."""
    return "\x1f".join(
        (
            movement.booking_date.isoformat(),
            movement.value_date.isoformat(),
            str(movement.amount.normalize()),
            movement.currency,
            movement.transaction_code,
            movement.customer_reference.strip(),
            movement.bank_reference.strip(),
            squash(movement.description),
        )
    )


class Occurrences:
    """Counts fingerprints per booking date within one statement (its pages included)."""

    def __init__(self) -> None:
        self._seen: Counter[tuple[date, str]] = Counter()

    def movement_id(self, account_id: uuid.UUID, movement: ParsedMovement) -> uuid.UUID:
        print_ = fingerprint(movement)
        key = (movement.booking_date, print_)
        self._seen[key] += 1
        identity = f"{account_id}\x1e{print_}\x1e{self._seen[key]}".encode()
        return uuid.UUID(bytes=hashlib.sha256(identity).digest()[:16], version=5)
