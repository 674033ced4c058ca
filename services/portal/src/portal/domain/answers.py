"""The answer form's rules, over plain text as the browser sent it.

A disagreement needs a reason; a name is always needed; their balance is optional and read in
Turkish or English notation. Errors name the field and the words to show (keys of
:mod:`portal.domain.words`), so the page can show each beside its field, in the page's language.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from shared.letter_formats import AmountError, parse_amount

Choice = Literal["agreed", "disagreed"]
LIMITS = {"reason": 2000, "answered_by": 200, "answered_title": 200, "their_balance": 40}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class AnswerInput:
    """The form's text fields as sent (a missing field is empty)."""

    answer: str = ""
    reason: str = ""
    their_balance: str = ""
    answered_by: str = ""
    answered_title: str = ""


@dataclass(frozen=True)
class FieldError:
    field: str
    words: str
    """Key of the message in :data:`portal.domain.words.WORDS`."""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    answer: Choice
    reason: str
    their_balance: Decimal | None
    answered_by: str
    answered_title: str


def check_answer(form: AnswerInput) -> tuple[Answer | None, list[FieldError]]:
    """The answer, or the reasons it cannot be taken (then ``None``)."""
    errors: list[FieldError] = []
    reason = _clean(form.reason, multiline=True)
    name, title = _clean(form.answered_by), _clean(form.answered_title)
    if form.answer not in ("agreed", "disagreed"):
        errors.append(FieldError("answer", "error_choice"))
    if form.answer == "disagreed" and not reason:
        errors.append(FieldError("reason", "error_reason"))
    if not name:
        errors.append(FieldError("answered_by", "error_name"))
    for key, value in (("reason", reason), ("answered_by", name), ("answered_title", title)):
        if len(value) > LIMITS[key]:
            errors.append(FieldError(key, "error_too_long", {"field": key, "limit": LIMITS[key]}))
    balance = None
    if form.their_balance.strip():
        try:
            if len(form.their_balance) > LIMITS["their_balance"]:
                raise AmountError("too long")
            balance = parse_amount(form.their_balance)
        except AmountError:
            errors.append(FieldError("their_balance", "error_balance"))
    if errors:
        return None, errors
    choice: Choice = "agreed" if form.answer == "agreed" else "disagreed"
    return Answer(choice, reason, balance, name, title), []


def _clean(text: str, *, multiline: bool = False) -> str:
    """Trimmed, control characters dropped; one line unless ``multiline``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    return _CONTROL.sub("", text).strip()
