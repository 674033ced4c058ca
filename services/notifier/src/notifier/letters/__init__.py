"""Reconciliation letters: what one says (:class:`LetterContent`), how it is worded (Jinja2
templates, Turkish by default, English per counterparty, a tenant's own per part) and the e-mail
that carries it."""

from shared.letter_formats import Language, Side

from .message import build_message, message_bytes
from .model import (
    BalanceLine,
    Counterparty,
    Firm,
    FormTotal,
    Kind,
    LetterContent,
    letter_from_json,
    letter_to_json,
)
from .render import (
    PARTS,
    LetterTemplateError,
    Part,
    RenderedLetter,
    TemplateOverride,
    default_source,
    render_letter,
)

__all__ = [
    "PARTS",
    "BalanceLine",
    "Counterparty",
    "Firm",
    "FormTotal",
    "Kind",
    "Language",
    "LetterContent",
    "LetterTemplateError",
    "Part",
    "RenderedLetter",
    "Side",
    "TemplateOverride",
    "build_message",
    "default_source",
    "letter_from_json",
    "letter_to_json",
    "message_bytes",
    "render_letter",
]
