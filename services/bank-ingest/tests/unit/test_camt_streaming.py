"""A statement of 100,000 entries streams through in bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from decimal import Decimal

import pytest

from bank_ingest.domain.camt import parse_camt
from bank_ingest.domain.statement import ParsedMovement, StatementFooter, StatementHeader

from .camt_documents import Generated

ENTRIES = 100_000


def _size(count: int) -> int:
    return sum(len(chunk) for chunk in Generated._produce(count))


@pytest.mark.slow
def test_a_hundred_thousand_entries_in_flat_memory() -> None:
    count, total, headers, footers = 0, Decimal(0), 0, []
    tracemalloc.start()
    try:
        for part in parse_camt(io.BufferedReader(Generated(ENTRIES), 1 << 16)):
            if isinstance(part, ParsedMovement):
                count += 1
                total += part.amount
            elif isinstance(part, StatementHeader):
                headers += 1
            elif isinstance(part, StatementFooter):
                footers.append(part)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (headers, count, total) == (1, ENTRIES, Decimal(ENTRIES))
    assert footers[0].closing and footers[0].closing.amount == total
    size = _size(ENTRIES)
    assert size > 10_000_000
    assert peak < size / 5, f"peak {peak:,} bytes for a {size:,}-byte file"
