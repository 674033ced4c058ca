"""An import job's report: counters while it runs, the listed errors and warnings, the message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .adapters.books import Stored
from .domain.rows import RowError

MAX_LISTED = 1000
"""Errors and warnings listed in a job's report; the counts tell how many there were in all."""


@dataclass
class Progress:
    """A job's counters while it runs, and its report when it ends."""

    rows_read: int = 0
    stored: Stored = field(default_factory=Stored)
    rows_refused: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warning_count: int = 0

    def refuse(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        self.rows_refused += len({error.row for error in errors})
        room = MAX_LISTED - len(self.errors)
        self.errors.extend(_listed(error) for error in errors[: max(room, 0)])

    def warn(self, warning: dict[str, Any]) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(warning)


def _listed(error: RowError) -> dict[str, Any]:
    value = error.value
    if value is not None and not isinstance(value, str | int | float | bool):
        value = str(value)
    return {"row": error.row, "column": error.column, "value": value, "reason": error.reason}


def note_unknown(codes: list[str], known: set[str], unknown: dict[str, dict[str, Any]]) -> None:
    """One warning per counterparty code not imported yet (the rows are stored all the same)."""
    for code in codes:
        if code in known:
            continue
        seen = unknown.get(code)
        if seen is None:
            unknown[code] = {
                "column": "HesapKod", "value": code, "rows": 1,
                "reason": "no counterparty has this code yet; its rows are stored and count "
                "once the counterparty is imported",
            }  # fmt: skip
        else:
            seen["rows"] += 1


def refusal(progress: Progress) -> str:
    first = progress.errors[0]
    return (
        f"{progress.rows_refused} of {progress.rows_read} rows are invalid; nothing was stored. "
        f"First: row {first['row']}, {first['column']} {first['reason']}."
    )


def stored_message(progress: Progress) -> str:
    s = progress.stored
    message = f"{s.created} created, {s.updated} updated, {s.unchanged} unchanged"
    if progress.rows_refused:
        message += f"; {progress.rows_refused} rows refused (not stored)"
    return message + "."
