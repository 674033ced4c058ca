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

from .statement import ParsedMovement


def fingerprint(movement: ParsedMovement) -> str:
    """What the bank says about the movement, in one string."""
    return fingerprint_of(
        movement, movement.booking_date.isoformat(), movement.value_date.isoformat()
    )


def fingerprint_of(movement: ParsedMovement, booking_date: str, value_date: str) -> str:
    """:func:`fingerprint`, given the movement's dates already in ISO form."""
    return "\x1f".join(
        (
            booking_date,
            value_date,
            str(movement.amount.normalize()),
            movement.currency,
            movement.transaction_code,
            movement.customer_reference.strip(),
            movement.bank_reference.strip(),
            " ".join(movement.description.split()),  # whitespace collapsed (text.squash)
        )
    )


class Occurrences:
    """Counts fingerprints per booking date within one statement (its pages included)."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def movement_id(self, account_id: uuid.UUID, movement: ParsedMovement) -> uuid.UUID:
        return uuid.UUID(self.id_for(str(account_id), fingerprint(movement)))

    def id_for(self, account_id: str, print_: str) -> str:
        """The id (as text) of the next movement with fingerprint ``print_`` on the account.

        The fingerprint starts with the booking date, so counting fingerprints counts them per
        booking date."""
        seen = self._seen
        seen[print_] += 1
        identity = f"{account_id}\x1e{print_}\x1e{seen[print_]}".encode()
        raw = bytearray(hashlib.sha256(identity).digest()[:16])
        raw[6] = raw[6] & 0x0F | 0x50  # version 5, RFC 4122 variant: as uuid.UUID(version=5)
        raw[8] = raw[8] & 0x3F | 0x80
        text = raw.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
