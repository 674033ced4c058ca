"""``docs/events.md`` is the event contract as the code has it: regenerate it when events change
(``python -m shared.events.catalog > docs/events.md``)."""

from __future__ import annotations

from pathlib import Path

from shared.events.catalog import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_the_events_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/events.md is out of date: run `python -m shared.events.catalog > docs/events.md`"
    )


def test_every_event_is_in_it_with_its_publisher_and_consumers() -> None:
    text = render()
    assert "## `reconciliation.letters.queued` (v1) — LetterEmailsQueued" in text
    assert "Published by **reconciliation**; consumed by **notifier**." in text
    assert "## `portal.letter.answered` (v1)" in text and "### AttachmentRecord" in text
    assert "| `their_balance` | Decimal \\| None | no |" in text
