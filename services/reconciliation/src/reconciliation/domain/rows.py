"""Row checks of an ERP import: each block of template cells to checked rows and row errors.

A checker lives for one import: it remembers the KontrolKey (HesapKod for counterparties) of every
good row, so the same key twice is caught across blocks. Movement and BA/BS blocks are checked a
column at a time by hand-written converters (:mod:`.row_checker`, :mod:`.column_checks`) to stay at
a few microseconds a row; counterparties go through :class:`~reconciliation.schemas.CounterpartyIn`,
the model of the JSON API (:mod:`.counterparty_rows`). JSON items become cells with
:func:`cells_from_json` (:mod:`.json_rows`)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from operator import eq, is_

from shared.text import fold

from .cell_dates import date_cell, parse_period
from .cells import RowError, currency, form, kind, movement_type, reverses_cell, text_cell
from .column_checks import BAD, Amounts, Cached, ColumnCheck, Problems, Text
from .counterparty_rows import CounterpartyChecker
from .datasets import BABS_COLUMNS, BABS_FIELDS, MOVEMENT_COLUMNS, MOVEMENT_FIELDS
from .json_rows import cells_from_json
from .row_checker import RowChecker

__all__ = [
    "BabsChecker",
    "CounterpartyChecker",
    "MovementChecker",
    "RowError",
    "cells_from_json",
    "is_closing_entry",
    "series_of",
]

CLOSING_ENTRY = (
    "is a closing entry (kapanış kaydı); leave closing entries out, "
    "Mutabık computes balances itself"
)
CANT_REVERSE_ITSELF = "is the row's own SistemEvrakNo: a row can't reverse itself"
MUST_EQUAL_FOR_TRY = "must equal Tutar for TRY"
REQUIRED_FOREIGN = "is required when ParaBirimi is not TRY"
SAME_SIGN = "must have the same sign as Tutar: + debit, \u2212 credit"
NOTHING_TO_RECONCILE = "is zero: nothing to reconcile"
NEGATIVE_BASE = "must not be negative unless the row is a reversal (TersKayit)"
_CLOSING_PHRASES = ("kapanis fisi", "kapanis kaydi", "donem sonu kapanis", "yil sonu kapanis")


def is_closing_entry(description: str) -> bool:
    """Whether a movement's Aciklama reads as a closing entry (kapanış kaydı / fişi): folded (case
    and Turkish letters ignored) it contains ``kapanis fisi``, ``kapanis kaydi``, ``donem sonu
    kapanis`` or ``yil sonu kapanis``, or is ``kapanis`` alone. The template forbids them: a closing
    entry zeroes the balances that Mutabık computes from the movements."""
    if "kapan" not in description.lower():
        return False
    folded = fold(description)
    return folded.strip(" .:-") == "kapanis" or any(p in folded for p in _CLOSING_PHRASES)


class _Description(Text):
    """Aciklama: free text, closing entries refused (see :func:`is_closing_entry`)."""

    def __call__(self, cells: Sequence[object], problems: Problems, index: int) -> list:
        out = super().__call__(cells, problems, index)
        texts = (
            [text for text in out if text is not BAD] if any(map(is_, out, repeat(BAD))) else out
        )
        if "kapan" in "\n".join(texts).lower():  # one pass; almost no block mentions it
            for position, text in enumerate(out):
                if text is not BAD and is_closing_entry(text):
                    out[position] = BAD
                    problems.append((position, index, CLOSING_ENTRY))
        return out


def series_of(document_no: str) -> str:
    """A document number's series: its leading letters, upper-cased, separators and spaces skipped
    (``GIB2025000000123`` → ``GIB``, ``a-000123`` → ``A``, ``123`` → ``""``)."""
    letters = []
    for char in document_no:
        if char.isalpha():
            letters.append(char)
        elif char.isdigit():
            break
    return "".join(letters).upper()


def _reversing_itself(reverses: list, system_nos: list, problems: Problems, index: int) -> None:
    if True in map(eq, reverses, system_nos):  # rare: check the rows one by one only then
        for position, (reversed_no, system_no) in enumerate(zip(reverses, system_nos, strict=True)):
            if reversed_no is not None and reversed_no is not BAD and reversed_no == system_no:
                problems.append((position, index, CANT_REVERSE_ITSELF))


def _or_document_date(dates: list, document_dates: list) -> list:
    return [
        given or document_date for given, document_date in zip(dates, document_dates, strict=True)
    ]


_M = {column.header: index for index, column in enumerate(MOVEMENT_COLUMNS)}


class MovementChecker(RowChecker):
    """Hesap Hareketleri rows to tuples in :data:`~.datasets.MOVEMENT_FIELDS` order.

    Besides each cell's own check: YerelTutar is Tutar for TRY (empty, or equal to it), required
    otherwise and of Tutar's sign when both are non-zero; Tutar 0 only with a foreign YerelTutar
    (an exchange difference), never both 0; BakiyeTarih and KayitTarih default to BelgeTarih; a
    row can't reverse (TersKayit) its own SistemEvrakNo; closing entries are refused (see
    :func:`is_closing_entry`)."""

    columns, fields = MOVEMENT_COLUMNS, MOVEMENT_FIELDS

    def _column_checks(self) -> dict[str, ColumnCheck]:
        amount = Amounts(required=True)
        return {
            "HesapKod": Cached(text_cell(50, required=True)),
            "CariTip": Cached(kind),
            "BakiyeTarih": Cached(date_cell()),
            "BelgeTarih": Cached(date_cell(required=True)),
            "KayitTarih": Cached(date_cell()),
            "GirisTarih": Cached(date_cell()),
            "EvrakNo": Text(100),
            "Aciklama": _Description(1000),
            "Tutar": amount,
            "YerelTutar": Amounts(repeats=amount),
            "ParaBirimi": Cached(currency),
            "Odk": Cached(text_cell(50, default="Genel")),
            "SistemEvrakNo": Text(100, required=True),
            "TersKayit": Cached(reverses_cell(100)),
            "HareketTipi": Cached(movement_type),
            "KontrolKey": Text(100, required=True),
        }

    def _rules(self, values: list[list], problems: Problems) -> None:
        document_dates = values[_M["BelgeTarih"]]
        for header in ("BakiyeTarih", "KayitTarih"):
            values[_M[header]] = _or_document_date(values[_M[header]], document_dates)
        amounts, currencies = values[_M["Tutar"]], values[_M["ParaBirimi"]]
        values[_M["YerelTutar"]] = _local_amounts(
            amounts, values[_M["YerelTutar"]], currencies, problems
        )
        reverses, system_nos = values[_M["TersKayit"]], values[_M["SistemEvrakNo"]]
        _reversing_itself(reverses, system_nos, problems, _M["TersKayit"])


def _local_amounts(
    amounts: list, local_amounts: list, currencies: list, problems: Problems
) -> list:
    """YerelTutar checked against Tutar and ParaBirimi (see :class:`MovementChecker`), filled in
    for TRY."""
    local_index, amount_index = _M["YerelTutar"], _M["Tutar"]
    filled = []
    for position, (amount, local, code) in enumerate(
        zip(amounts, local_amounts, currencies, strict=True)
    ):
        if code == "TRY" and (local is None or local == amount):
            local = amount
        elif amount is BAD or local is BAD or code is BAD:
            pass
        elif code == "TRY":
            problems.append((position, local_index, MUST_EQUAL_FOR_TRY))
        elif local is None:
            problems.append((position, local_index, REQUIRED_FOREIGN))
        elif amount and local and (amount < 0) != (local < 0):
            problems.append((position, local_index, SAME_SIGN))
        if not amount and not local and local is not None:
            problems.append((position, amount_index, NOTHING_TO_RECONCILE))
        filled.append(local)
    return filled


_B = {column.header: index for index, column in enumerate(BABS_COLUMNS)}


class BabsChecker(RowChecker):
    """BA/BS Hareketleri rows to tuples in :data:`~.datasets.BABS_FIELDS` order.

    Besides each cell's own check: CariDönem's month name must be its month's; Matrah may be
    negative only on a reversal (TersKayit given); KayitTarih defaults to BelgeTarih; a row can't
    reverse its own SistemEvrakNo."""

    columns, fields = BABS_COLUMNS, BABS_FIELDS

    def _column_checks(self) -> dict[str, ColumnCheck]:
        return {
            "HesapKod": Cached(text_cell(50, required=True)),
            "CariTip": Cached(kind),
            "CariDönem": Cached(parse_period),
            "BelgeTarih": Cached(date_cell(required=True)),
            "KayitTarih": Cached(date_cell()),
            "GirisTarih": Cached(date_cell()),
            "MatbuuEvrakNo": Text(100),
            "Matrah": Amounts(required=True),
            "SistemEvrakNo": Text(100, required=True),
            "TersKayit": Cached(reverses_cell(100)),
            "Tip": Cached(form),
            "KontrolKey": Text(100, required=True),
        }

    def _rules(self, values: list[list], problems: Problems) -> None:
        record, reverses_index = _B["KayitTarih"], _B["TersKayit"]
        values[record] = _or_document_date(values[record], values[_B["BelgeTarih"]])
        reverses, base_index = values[reverses_index], _B["Matrah"]
        _reversing_itself(reverses, values[_B["SistemEvrakNo"]], problems, reverses_index)
        for position, (base, reversed_no) in enumerate(
            zip(values[base_index], reverses, strict=True)
        ):
            if reversed_no is None and base is not BAD and base < 0:
                problems.append((position, base_index, NEGATIVE_BASE))
