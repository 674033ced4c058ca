"""What the letter page (and the PDF) shows, worked out from a stored letter: words in the chosen
language, amounts formatted, the documents of one page, the answer given or the form."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from shared import letter_formats as formats
from shared.events import LetterRecord

from ..adapters.repository import StoredLetter
from ..domain.answers import FieldError
from ..domain.words import WORDS, Language, file_size


class Formatter:
    """The formats of one language, bound for templates: ``f.money(x, "TRY")``."""

    def __init__(self, language: Language, zone: tzinfo) -> None:
        self.language = language
        self.zone = zone

    def money(self, amount: Decimal | None, currency: str = "TRY") -> str:
        return "" if amount is None else formats.money(amount, currency, language=self.language)

    def day(self, value: Any) -> str:
        return formats.day(value, language=self.language)

    def moment(self, value: Any) -> str:
        return formats.moment(value, self.zone, language=self.language)

    def period(self, value: Any) -> str:
        return formats.period(value, language=self.language)

    def side(self, value: str) -> str:
        return formats.side(value, language=self.language)

    def size(self, value: int) -> str:
        return file_size(value, language=self.language)


@dataclass(frozen=True)
class Pages:
    page: int
    pages: int
    count: int
    start: int
    stop: int


def pages_of(count: int, requested: str | None, per_page: int) -> Pages:
    """The page asked for (``?page=N``, from 1), kept within the letter's pages."""
    pages = max(1, math.ceil(count / per_page))
    try:
        page = int(requested or "1")
    except ValueError:
        page = 1
    page = min(max(page, 1), pages)
    return Pages(page, pages, count, (page - 1) * per_page, page * per_page)


@dataclass
class FormState:
    """The answer form as the page shows it: what was typed (after a refused answer) and why it
    was refused, each message beside its field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    file_again: bool = False


def messages(errors: list[FieldError], language: Language) -> dict[str, str]:
    """Each field's first error in words."""
    words = WORDS[language]
    shown: dict[str, str] = {}
    for error in errors:
        params = dict(error.params)
        if "field" in params:
            params["field"] = words.get(params["field"], params["field"])
        if "size" in params:
            params["size"] = file_size(params["size"], language=language)
        shown.setdefault(error.field, words[error.words].format(**params))
    return shown


def kind_line(letter: LetterRecord, f: Formatter) -> str:
    """``31.12.2025 tarihli cari hesap bakiyesi`` / ``Form Ba / Form Bs for January 2025``."""
    words = WORDS[f.language]
    if letter.kind == "balance" and letter.as_of:
        return words["kind_balance"].format(date=f.day(letter.as_of))
    if letter.period:
        return words["kind_babs"].format(period=f.period(letter.period))
    return words["heading_" + letter.kind]


DocumentLine = tuple[str, str, str, str, str, str]
"""ISO date, date as shown, document no, description, and two amounts: debit and credit
(balance letters) or form and net (BA/BS letters)."""


def document_lines(documents: list[Row[Any]], kind: str, f: Formatter) -> list[DocumentLine]:
    """The documents as the page and the PDF show them, formatted once, in plain Python (the
    template only places them)."""
    money, day = f.money, f.day
    if kind == "balance":
        return [
            (d.date.isoformat(), day(d.date), d.document_no, d.description,
             money(d.debit, d.currency), money(d.credit, d.currency))
            for d in documents
        ]  # fmt: skip
    return [
        (d.date.isoformat(), day(d.date), d.document_no, d.description, d.form or "",
         money(d.net))
        for d in documents
    ]  # fmt: skip


def letter_context(
    stored: StoredLetter,
    documents: list[Row[Any]],
    pages: Pages,
    *,
    language: Language,
    zone: tzinfo,
    is_open: bool,
    max_attachment_bytes: int,
) -> dict[str, Any]:
    """Everything the letter's templates (page and PDF) need but the links and the form."""
    letter = LetterRecord.model_validate(stored.content)
    f = Formatter(language, zone)
    main_currency = letter.balances[0].currency if letter.balances else "TRY"
    return {
        "lang": language,
        "t": WORDS[language],
        "f": f,
        "letter": letter,
        "stored": stored,
        "kind_line": kind_line(letter, f),
        "documents": document_lines(documents, letter.kind, f),
        "pages": pages,
        "state": "answered" if stored.answer else ("open" if is_open else "closed"),
        "main_currency": formats.currency_label(main_currency, language=language),
        "currency_code": main_currency,
        "max_size": f.size(max_attachment_bytes),
    }
