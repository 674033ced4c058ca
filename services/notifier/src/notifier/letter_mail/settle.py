"""What one sending round did to an e-mail: each recipient sent, refused for good, or to be tried
again; the e-mail settled once none is left to try. Plain data, no database."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.events import DeliveryReport, RecipientOutcome

from ..delivery import Attempt

PENDING, SENT, FAILED = "pending", "sent", "failed"
NOT_AN_ADDRESS = "not a valid e-mail address"

_ADDRESS = re.compile(r"[^\s@<>()\[\]\\,;:\"]+@[^\s@<>()\[\]\\,;:\"]+")


def recipients_of(addresses: Sequence[str]) -> list[dict[str, Any]]:
    """The recipients' states of a new e-mail: each address once (case aside), pending; one that
    is not a plain ``local@domain`` address (a display name, a line break) failed at once."""
    seen: dict[str, dict[str, Any]] = {}
    for raw in addresses:
        address = raw.strip()
        valid = _ADDRESS.fullmatch(address) is not None
        state, detail = (PENDING, "") if valid else (FAILED, NOT_AN_ADDRESS)
        seen.setdefault(address.lower(), {"address": address, "state": state, "detail": detail})
    return list(seen.values())


def addressable(recipients: Sequence[dict[str, Any]]) -> list[str]:
    """The addresses the e-mail's To shows: all but those that are no address."""
    return [r["address"] for r in recipients if r["detail"] != NOT_AN_ADDRESS]


@dataclass(frozen=True)
class Claimed:
    """An e-mail a sender holds (its lease), as stored."""

    letter_id: uuid.UUID
    send_no: int
    email: dict[str, Any]
    """The ``QueuedEmail`` as received."""
    recipients: list[dict[str, Any]]
    """``[{"address", "state", "detail"}]``; ``detail``: the last refusal, in the server's words."""
    rounds: int
    """Sending rounds before this one."""

    @property
    def pending(self) -> list[str]:
        return [r["address"] for r in self.recipients if r["state"] == PENDING]


@dataclass(frozen=True)
class Change:
    """The e-mail's row after the round."""

    letter_id: uuid.UUID
    send_no: int
    recipients: list[dict[str, Any]]
    state: str
    rounds: int
    next_attempt_at: datetime | None
    finished_at: datetime | None
    reason: str

    @property
    def settled(self) -> bool:
        return self.state != PENDING


def after_round(
    claimed: Claimed, attempts: Sequence[Attempt], *, now: datetime, retry_delays: Sequence[float]
) -> Change:
    """Fold one round's attempts (one per pending recipient) into the e-mail: ``sent`` and
    ``permanent`` settle a recipient, ``temporary`` keeps it for the next retry, or fails it when
    the retries have run out."""
    rounds = claimed.rounds + 1
    last_round = rounds > len(retry_delays)
    outcome = {attempt.recipient: attempt for attempt in attempts}
    recipients = []
    for recipient in claimed.recipients:
        attempt = outcome.get(recipient["address"])
        if recipient["state"] != PENDING or attempt is None:
            recipients.append(recipient)
            continue
        state, detail = _verdict(attempt, last_round=last_round, rounds=rounds)
        recipients.append({**recipient, "state": state, "detail": detail})
    if any(r["state"] == PENDING for r in recipients):
        retry_at = now + timedelta(seconds=retry_delays[rounds - 1])
        return _change(claimed, recipients, PENDING, rounds, retry_at, None)
    state = SENT if any(r["state"] == SENT for r in recipients) else FAILED
    return _change(claimed, recipients, state, rounds, None, now)


def nobody_to_send(claimed: Claimed, *, now: datetime) -> Change:
    """An e-mail none of whose recipients is pending (none given, none a valid address)."""
    if not claimed.recipients:
        return not_sendable(claimed, "The e-mail has no recipient", now=now)
    state = SENT if any(r["state"] == SENT for r in claimed.recipients) else FAILED
    return _change(claimed, claimed.recipients, state, claimed.rounds, None, now)


def not_sendable(claimed: Claimed, problem: str, *, now: datetime) -> Change:
    """An e-mail that cannot be made (the letter or a template fails, no recipient): failed at
    once, with ``problem`` as the reason; retrying would fail the same way."""
    recipients = [
        {**r, "state": FAILED, "detail": problem} if r["state"] == PENDING else r
        for r in claimed.recipients
    ]
    state = SENT if any(r["state"] == SENT for r in recipients) else FAILED
    return Change(
        claimed.letter_id, claimed.send_no, recipients, state, claimed.rounds, None, now, problem
    )


def words(code: int | None, reply: str) -> str:
    """A server's answer as one phrase: ``550 5.1.1 No such mailbox``."""
    return f"{code} {reply}".strip() if code is not None else reply


def _verdict(attempt: Attempt, *, last_round: bool, rounds: int) -> tuple[str, str]:
    said = words(attempt.code, attempt.reply)
    if attempt.outcome == "sent":
        return SENT, ""
    if attempt.outcome == "permanent":
        return FAILED, said
    if last_round:
        return FAILED, f"{said} (still not accepted after {rounds} attempts)"
    return PENDING, said


def _change(
    claimed: Claimed,
    recipients: list[dict[str, Any]],
    state: str,
    rounds: int,
    next_attempt_at: datetime | None,
    finished_at: datetime | None,
) -> Change:
    refused = [r for r in recipients if r["state"] == FAILED]
    waiting = [r for r in recipients if r["state"] == PENDING]
    reason = "; ".join(
        [f"not delivered to {r['address']}: {r['detail']}" for r in refused]
        + [f"to retry {r['address']}: {r['detail']}" for r in waiting]
    )
    return Change(
        claimed.letter_id,
        claimed.send_no,
        recipients,
        state,
        rounds,
        next_attempt_at,
        finished_at,
        reason,
    )


def outcome_of(attempt: Attempt) -> RecipientOutcome:
    return RecipientOutcome(
        address=attempt.recipient,
        outcome=attempt.outcome,
        code=attempt.code,
        reply=attempt.reply,
        at=attempt.at,
    )


def report(change: Change, attempts: list[RecipientOutcome]) -> DeliveryReport:
    """What reconciliation hears of a settled e-mail: every attempt, in order."""
    assert change.settled and change.finished_at is not None
    return DeliveryReport(
        letter_id=change.letter_id,
        send_no=change.send_no,
        outcome="sent" if change.state == SENT else "failed",
        reason=change.reason,
        attempts=attempts,
        finished_at=change.finished_at,
    )
