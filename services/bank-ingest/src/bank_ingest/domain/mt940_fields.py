"""Field values of MT940/MT942 to plain data.

The grammar is the ``mt940`` package's: each function matches the compiled pattern of its tag
class (``mt940.tags.TAG_BY_ID[…].re``) directly — ``Tag.parse`` logs on every call and builds
model objects, which we do not need. Converting the groups to ``Decimal`` and ``date`` happens
here, with a :class:`ParseError` naming the line and tag for anything that does not fit.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

import mt940.tags

from .mt940_tokens import Field
from .statement import Balance, ParseError

_TAG_BY_ID = mt940.tags.TAG_BY_ID
BALANCE_RE = _TAG_BY_ID["60F"].re
LINE_RE = _TAG_BY_ID[61].re
LONG_REFERENCE_RE = mt940.tags.StatementGLS().re
WIDE_REFERENCE_RE = mt940.tags.StatementASNB().re
NUMBER_RE = _TAG_BY_ID[28].re
FLOOR_LIMIT_RE = _TAG_BY_ID[34].re
DATE_TIME_RE = _TAG_BY_ID[13].re
SUM_RE = _TAG_BY_ID["90D"].re

_AMOUNT_CHARS = frozenset("0123456789,.")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_YEAR_BOUNDARY_DAYS = 330  # as mt940.tags._YEAR_BOUNDARY_DAYS


def _fail(reason: str, field: Field) -> ParseError:
    return ParseError(reason, line=field.line, field=field.head)


def single_value(field: Field) -> str:
    """The value of a one-line field. Lines after it are not part of it: like ``mt940``, we
    leave them (trailers such as ING's ``-XXX`` variants, a bank's footer text) alone."""
    return field.lines[0].strip()


def amount(text: str, field: Field) -> Decimal:
    """``380115,`` / ``,1`` / ``00,12`` / ``0000000000000000,00`` / ``2145.00`` to a Decimal.

    ``text`` holds only digits, ``,`` and ``.`` (the callers' patterns see to that), so Decimal
    itself refuses the rest: ``,``, ``1,2,3``, ``1.234,5``.
    """
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise _fail(f"invalid amount {text!r}", field) from None


@lru_cache(maxsize=4096)
def _date(yymmdd: str) -> date:
    # Two-digit years are 20YY, as mt940.models.DateTime reads them.
    return date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))


def swift_date(yymmdd: str, field: Field) -> date:
    """YYMMDD to a date; an impossible date (``160230``) is a ParseError."""
    try:
        return _date(yymmdd)
    except ValueError:
        raise _fail(f"invalid date {yymmdd}", field) from None


def _amount_end(value: str, start: int) -> int:
    end = start
    while end < len(value) and value[end] in _AMOUNT_CHARS:
        end += 1
    return end


def balance(field: Field, fallback_currency: str) -> Balance:
    """``:60F:``/``:62F:``/``:64:``… value to a signed Balance (debit balances negative).

    The pattern's amount stops at 16 characters and at a decimal point; the rest of the run of
    digits is taken too (``TRY0000000000000000,00``, ``EUR000000002145.00``). A balance that
    leaves out the currency (``C020315105000,00``) gets the statement's.
    """
    value = single_value(field)
    match = BALANCE_RE.match(value)
    if match is None:
        raise _fail(f"invalid balance {value!r}", field)
    currency, start = match["currency"].upper(), match.start("currency")
    if not _CURRENCY_RE.fullmatch(currency):
        if not fallback_currency or _amount_end(value, start) == start:
            raise _fail(f"invalid currency {match['currency']!r}", field)
        currency = fallback_currency
    else:
        start = match.start("amount")
    end = _amount_end(value, start)
    if value[end:].strip():
        raise _fail(f"unexpected text {value[end:]!r} after the amount", field)
    signed = amount(value[start:end], field)
    when = swift_date(value[1:7], field)
    return Balance(-signed if match["status"].upper() == "D" else signed, when, currency)


class Line(NamedTuple):
    """A ``:61:`` statement line."""

    value_date: date
    booking_date: date
    amount: Decimal
    transaction_code: str
    customer_reference: str
    bank_reference: str
    supplementary: str
    references: str
    """Everything after the transaction code: where a bank may also put the counterparty's IBAN."""


def _match_line(value: str, field: Field) -> re.Match[str]:
    # ASN Bank's variant takes a 34-character customer reference (an IBAN) before a second line.
    match = LINE_RE.match(value) or WIDE_REFERENCE_RE.match(value)
    if match is None:
        first = value.partition("\n")[0]
        raise _fail(f"invalid statement line {first!r}", field)
    start, end = match.start("amount"), match.end("amount")
    if value[end : end + 1] in _AMOUNT_CHARS:  # padding past 15 digits, or a decimal point
        overflow = _amount_end(value, start)
        digits = value[start:overflow].replace(".", ",").lstrip("0")
        digits = "0" + digits if digits[:1] in ("", ",") else digits
        match = match.re.match(value[:start] + digits + value[overflow:])
        if match is None:
            raise _fail(f"invalid amount {value[start:overflow]!r}", field)
    if match["bank_reference"] is None and "//" in value.partition("\n")[0]:
        # A customer reference longer than 16 (a TR IBAN) before "//": mt940's GLS variant.
        match = LONG_REFERENCE_RE.match(match.string) or match
    return match


@lru_cache(maxsize=4096)
def _entry_date(month: str, day: str, value_date: date) -> date | None:
    """MMDD in the value date's year, moved a year when that puts it ≥ 330 days away (mt940)."""
    try:
        entry = date(value_date.year, int(month), int(day))
    except ValueError:
        entry = None
    if entry is None or abs((entry - value_date).days) >= _YEAR_BOUNDARY_DAYS:
        step = 1 if entry is None or entry < value_date else -1
        try:
            entry = date(value_date.year + step, int(month), int(day))
        except ValueError:
            return None
    return entry


def statement_line(field: Field) -> Line:
    """Parse ``:61:``; a third and further line are appended to the supplementary details.

    Sign: ``C`` is incoming (+), ``D`` outgoing (−). A reversal flips the movement it reverses:
    ``RC`` (reversal of a credit) takes money out (−), ``RD`` (reversal of a debit) puts it
    back (+).
    """
    lines = field.lines
    value = lines[0].strip() if len(lines) == 1 else lines[0].strip() + "\n" + lines[1].strip()
    match = _match_line(value, field)
    value_date = swift_date(match.string[:6], field)
    entry_month, entry_day = match["entry_month"], match["entry_day"]
    booking = value_date
    if entry_month and entry_day and entry_month.isdigit() and entry_day.isdigit():
        entry = _entry_date(entry_month, entry_day, value_date)
        if entry is None:
            raise _fail(f"invalid entry date {entry_month}{entry_day}", field)
        booking = entry
    signed = amount(match["amount"], field)
    if match["status"].upper() in ("D", "RC"):
        signed = -signed
    supplementary = (match["extra_details"] or "").strip()
    if len(lines) > 2:
        supplementary = " ".join([supplementary, *(line.strip() for line in lines[2:])]).strip()
    return Line(
        value_date,
        booking,
        signed,
        (match["id"] or "").strip(),
        (match["customer_reference"] or "").strip(),
        (match["bank_reference"] or "").strip(),
        supplementary,
        match.string[match.start("customer_reference") :],
    )


def statement_number(field: Field) -> tuple[str, str]:
    """``:28C:`` to (statement number, page). ``1810118101`` without a slash is one number —
    mt940 would cut it into two — and an empty value is allowed."""
    value = single_value(field)
    match = NUMBER_RE.match(value) if "/" in value else None
    if match is not None:
        return match["statement_number"], match["sequence_number"] or ""
    number, _, page = (part.strip() for part in value.partition("/"))
    if not (number.isdigit() or not number) or not (page.isdigit() or not page):
        raise _fail(f"invalid statement number {value!r}", field)
    return number, page


def floor_limit_currency(field: Field) -> str:
    """``:34F:EURD12345,67`` (MT942) to its currency."""
    value = single_value(field)
    match = FLOOR_LIMIT_RE.match(value)
    if match is None:
        raise _fail(f"invalid floor limit {value!r}", field)
    return match["currency"].upper()


def check_date_time(field: Field) -> None:
    """``:13D:1901091733+0100`` must carry a real date."""
    value = single_value(field)
    if DATE_TIME_RE.match(value) is None:
        raise _fail(f"invalid date/time {value!r}", field)
    swift_date(value[:6], field)


def entry_sum(field: Field) -> tuple[int | None, Decimal, str]:
    """``:90D:``/``:90C:`` to (number of entries, positive sum, currency)."""
    value = single_value(field)
    match = SUM_RE.match(value)
    if match is None or value[_amount_end(value, match.start("amount")) :].strip():
        raise _fail(f"invalid sum of entries {value!r}", field)
    total = amount(value[match.start("amount") : _amount_end(value, match.start("amount"))], field)
    count = int(match["number"]) if match["number"] else None
    return count, total, match["currency"].upper()
