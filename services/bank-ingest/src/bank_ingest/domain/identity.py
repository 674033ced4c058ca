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

_NAMESPACE = uuid.UUID("5b0c9a5e-58f3-4d8e-9a39-6d0f7c1e2b44")


def fingerprint(movement: ParsedMovement) -> str:
    parts = (
        movement.booking_date.isoformat(),
        movement.value_date.isoformat(),
        str(movement.amount.normalize()),
        movement.currency,
        movement.transaction_code,
        movement.customer_reference.strip(),
        movement.bank_reference.strip(),
        squash(movement.description),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class Occurrences:
    """Counts fingerprints per booking date within one statement (its pages included)."""

    def __init__(self) -> None:
        self._seen: Counter[tuple[date, str]] = Counter()

    def movement_id(self, account_id: uuid.UUID, movement: ParsedMovement) -> uuid.UUID:
        print_ = fingerprint(movement)
        key = (movement.booking_date, print_)
        self._seen[key] += 1
        name = f"{account_id}:{movement.booking_date.isoformat()}:{print_}:{self._seen[key]}"
        return uuid.uuid5(_NAMESPACE, name)
