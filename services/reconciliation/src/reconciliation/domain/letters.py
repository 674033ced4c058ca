"""A letter's life, as pure rules: who it goes to, whether it can go, and which state each event
moves it to.

    prepared ─send→ queued ─→ sent | failed ─→ viewed ─→ agreed | disagreed
                                   failed ─resend→ queued
    queued, sent, failed, viewed ─validity date passed→ expired
    excluded: could not go (no valid address, inactive, nothing to confirm); never sent

A resend or reminder of a sent or viewed letter is a new e-mail; the letter keeps its state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

State = Literal[
    "prepared", "excluded", "queued", "sent", "failed", "viewed", "agreed", "disagreed", "expired"
]
STATES: tuple[State, ...] = (
    "prepared", "excluded", "queued", "sent", "failed", "viewed", "agreed", "disagreed", "expired"
)  # fmt: skip
OPEN: frozenset[str] = frozenset({"queued", "sent", "failed", "viewed"})
"""Out and not answered: the round waits for these."""
ANSWERED: frozenset[str] = frozenset({"agreed", "disagreed"})
RESENDABLE: frozenset[str] = OPEN
REMINDED: frozenset[str] = frozenset({"sent", "viewed"})
"""A reminder goes to letters that reached the counterparty and have no answer yet."""


@dataclass(frozen=True)
class Recipient:
    address: str
    role: Literal["counterparty", "contact", "kep"]
    name: str = ""

    def as_json(self) -> dict[str, str]:
        return {"address": self.address, "role": self.role, "name": self.name}


def recipients_of(
    email: str,
    contacts: Iterable[Mapping[str, Any]],
    kep_email: str,
    *,
    to_contacts: bool,
    to_kep: bool,
) -> tuple[list[Recipient], str]:
    """Whom a counterparty's letter goes to, and why it cannot go ("" when it can): its
    reconciliation address, the contacts flagged as e-reconciliation contacts (when the round
    sends to contacts) and its KEP address (when asked). Each address once, any case."""
    candidates: list[Recipient] = []
    problems: list[str] = []
    if email:
        candidates.append(Recipient(email, "counterparty"))
    if to_contacts:
        for contact in contacts:
            if contact.get("reconciliation_contact") and contact.get("email"):
                candidates.append(Recipient(contact["email"], "contact", contact.get("name", "")))
    if to_kep and kep_email:
        candidates.append(Recipient(kep_email, "kep"))
    chosen: dict[str, Recipient] = {}
    for candidate in candidates:
        address = candidate.address.strip()
        if not _looks_like_address(address):
            problems.append(f"{candidate.address!r} is not a valid e-mail address")
            continue
        chosen.setdefault(address.lower(), Recipient(address, candidate.role, candidate.name))
    if chosen:
        return list(chosen.values()), ""
    if problems:
        return [], "; ".join(problems)
    return [], "no e-mail address: neither the counterparty's nor a flagged contact's"


def _looks_like_address(address: str) -> bool:
    """Addresses were checked in full (syntax, normal form) when the counterparty was imported;
    this only keeps out what cannot be an address at all."""
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain) and not any(c.isspace() for c in address)


def after_delivery(state: str, outcome: Literal["sent", "failed"]) -> str:
    """The state after the notifier settled one of the letter's e-mails."""
    if outcome == "sent" and state in ("queued", "failed"):
        return "sent"
    if outcome == "failed" and state == "queued":
        return "failed"
    return state


def after_view(state: str) -> str:
    return "viewed" if state in ("queued", "sent", "failed") else state


def after_answer(state: str, answer: Literal["agreed", "disagreed"]) -> str:
    return answer if state in OPEN else state


def round_state(sent: bool, counts: Mapping[str, int]) -> Literal["draft", "ongoing", "completed"]:
    """A round is a draft until sent, then ongoing while any letter is out without an answer."""
    if not sent:
        return "draft"
    return "ongoing" if any(counts.get(state, 0) for state in OPEN) else "completed"
