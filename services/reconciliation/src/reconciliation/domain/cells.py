"""One template cell to one checked value: text, codes, and the small closed sets (currency, CariTip,
HareketTipi, BA/BS, Aktif). Dates are in :mod:`.cell_dates`, amounts in :mod:`.amounts`.

A cell comes from an .xlsx reader (text raw, numbers ``int``/``float``, dates, bools, ``None`` when
empty) or from a JSON object. Each converter returns the checked value or raises ``ValueError``
whose message is the reason a person can act on; it becomes a :class:`RowError`."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from . import identifiers
from .currencies import ALIASES, CURRENCIES

Convert = Callable[[object], object]
"""A cell converter: the checked value, or ``ValueError(reason)``."""

REQUIRED = "is required"
LOST_DIGITS = (
    "was stored as a number and lost digits; format the column as text (the template does)"
)
HAS_NUL = "contains the NUL character (\\x00), which can't be stored"
SHOWN_MAX = 200
TEXT_OF: dict[object, str] = {12: "12", 13: "13", 14: "14"}
"""The text of the non-text values met again and again: the movement types, and each date a
converter made (:mod:`.cell_dates` adds them: ``str(date)`` is slow). Used to pack columns."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row, in the user's words: which row, which column, what was written."""

    row: int
    """The Excel row number, or the 1-based position in a JSON array."""
    column: str | None
    """The template's header (``Tutar``), also for JSON input; None when it is the whole row's."""
    value: object
    """The offending value as written: long text cut to 200 characters, dates and decimals as text."""
    reason: str


@dataclass(frozen=True, slots=True)
class JsonValue:
    """A JSON list or object given where one value belongs, kept as its JSON text: hashable, shown
    as written, and refused by every converter."""

    text: str


class JsonCells(tuple):
    """The cells of one JSON item in the template's column order, carrying what was wrong with the
    item itself (a key that is no column, a column given twice, not an object at all) and, for
    counterparties, the fields the template lacks (``ibans``, ``aliases``, ``contacts``)."""

    problems: tuple[tuple[str | None, object, str], ...]
    """(column or None, value shown, reason) of each problem."""
    whole: bool
    """The item was no object: its problem is the only one reported."""
    extra: dict[str, object]

    def __new__(
        cls,
        cells: list[object],
        problems: list[tuple[str | None, object, str]],
        *,
        whole: bool = False,
        extra: dict[str, object] | None = None,
    ) -> JsonCells:
        self = super().__new__(cls, cells)
        self.problems, self.whole, self.extra = tuple(problems), whole, extra or {}
        return self

    def errors(self, row: int) -> list[RowError]:
        """The item's own problems as errors of ``row``."""
        return [RowError(row, column, value, reason) for column, value, reason in self.problems]


def shown(value: object) -> object:
    """A cell as a report shows it: JSON-ready, long text cut, dates as ``dd.mm.yyyy``."""
    if value is None or type(value) in (int, bool):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y" if value.time() == time.min else "%d.%m.%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, JsonValue):
        text = value.text
    elif isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def as_text(value: object) -> str:
    """A text cell stripped (``""`` when empty); a number typed where text belongs as its digits."""
    if type(value) is str:
        text = value.strip()
        if "\x00" in text:  # PostgreSQL text can't hold it; only JSON can carry it in
            raise ValueError(HAS_NUL)
        return text
    if value is None:
        return ""
    return _number_as_text(value)


def _number_as_text(value: object) -> str:
    if type(value) is int:
        return str(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise ValueError("must be text")
        if value.is_integer():
            # Excel keeps 15 significant digits: a longer number lost its tail (a KontrolKey
            # typed into a number cell ends in zeros).
            if abs(value) >= 1e15:
                raise ValueError(LOST_DIGITS)
            return str(int(value))
        return format(value, ".15g")
    if type(value) is Decimal and value.is_finite():
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, date):
        raise ValueError("was stored as a date; format the column as text (the template does)")
    raise ValueError("must be text")


def text_cell(limit: int, *, required: bool = False, default: str = "") -> Callable[[object], str]:
    """Text of at most ``limit`` characters, stripped; numbers taken as their digits."""
    too_long = f"is longer than {limit} characters"

    def convert(value: object) -> str:
        text = as_text(value)
        if not text:
            if required:
                raise ValueError(REQUIRED)
            return default
        if len(text) > limit:
            raise ValueError(too_long)
        return text

    return convert


def reverses_cell(limit: int) -> Convert:
    """TersKayit: the SistemEvrakNo a row reverses; None when empty or 0 (the template's "none")."""
    text = text_cell(limit)

    def convert(value: object) -> str | None:
        reversed_no = text(value)
        return None if reversed_no in ("", "0") else reversed_no

    return convert


NOT_A_CURRENCY = "is not an ISO 4217 currency code"
_CURRENCY_OF: dict[str, str] = {code: code for code in CURRENCIES} | ALIASES


def currency(value: object) -> str:
    """ParaBirimi: an ISO 4217 code in any case, upper-cased; ``TL`` and ``YTL`` are TRY."""
    return _pick(_CURRENCY_OF, value, NOT_A_CURRENCY)


def _pick(table: dict[str, str], value: object, reason: str) -> str:
    """The entry of an upper-case ``table`` that a text cell names, in any case and spacing."""
    if type(value) is str:
        found = table.get(value) or table.get(value.strip().upper())
        if found is not None:
            return found
        if value.strip():
            raise ValueError(reason)
    elif value is not None:
        raise ValueError(reason)
    raise ValueError(REQUIRED)


def kind(value: object) -> str | None:
    """CariTip: ``customer``/``supplier`` (or the template's Turkish); None when empty."""
    text = as_text(value)
    return identifiers.kind(text) if text else None


MOVEMENT_TYPE = "must be 12 (opening by document date), 13 (opening by record date) or 14 (normal)"
_MOVEMENT_TYPES: dict[object, int] = {12: 12, 13: 13, 14: 14, "12": 12, "13": 13, "14": 14}


def movement_type(value: object) -> int:
    """HareketTipi 12, 13 or 14, given as a number or as text."""
    if type(value) is not bool:
        found = _MOVEMENT_TYPES.get(value)  # 14.0 finds 14: equal numbers hash alike
        if found is not None:
            return found
    if value is None or (type(value) is str and not value.strip()):
        raise ValueError(REQUIRED)
    found = _MOVEMENT_TYPES.get(value.strip()) if type(value) is str else None
    if found is None:
        raise ValueError(MOVEMENT_TYPE)
    return found


_FORMS = {"BA": "BA", "BS": "BS"}


def form(value: object) -> str:
    """Tip of a BA/BS row: ``BA`` (purchases) or ``BS`` (sales), in any case."""
    return _pick(_FORMS, value, "must be BA or BS")


_ACTIVE: dict[object, bool] = {1: True, 0: False, "1": True, "0": False}


def active(value: object) -> bool:
    """Aktif: 1 (or true) active, 0 (or false) passive."""
    found = _ACTIVE.get(value.strip() if type(value) is str else value)
    if found is None:
        raise ValueError("must be 1 (active) or 0 (passive)")
    return found
