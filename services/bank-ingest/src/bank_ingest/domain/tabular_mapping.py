"""How a bank's Excel or CSV export maps onto movements: one :class:`ColumnMapping` per connection.

The mapping is stored as JSON with the bank connection and shown in the API docs, so every field
says what it means. Columns are named by their header title (matched case-, space- and
Turkish-letter-insensitively: ``"İşlem Tarihi"`` finds ``"ISLEM TARIHI"``) or by their letter
(``"C"``, ``"AB"``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from .tabular_cells import CellError, currency_code, is_iban_shaped, normalize_iban
from .text import fold

ColumnRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

_LETTERS = re.compile(r"[A-Z]{1,3}")
_MAX_COLUMNS = 16384  # Excel's last column, XFD
_DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}

EXAMPLE: dict[str, Any] = {
    "header_row": 5,
    "sheet": None,
    "delimiter": None,
    "date_format": "%d.%m.%Y",
    "decimal_separator": ",",
    "thousands_separator": ".",
    "booking_date": "İşlem Tarihi",
    "value_date": "Valör",
    "debit": "Borç",
    "credit": "Alacak",
    "description": ["Açıklama", "Karşı Taraf"],
    "counterparty_iban": "Karşı IBAN",
    "reference": "Dekont No",
    "transaction_code": "İşlem Kodu",
    "balance": "Bakiye",
    "fixed_currency": "TRY",
    "fixed_account": "TR330006100519786457841326",
}


def column_index(letters: str) -> int:
    """0-based index of an Excel column letter: ``"A"`` → 0, ``"AB"`` → 27."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


def column_letters(index: int) -> str:
    """The Excel letter of a 0-based column index: 27 → ``"AB"``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def is_column_letter(ref: str) -> bool:
    """True for ``"A"`` … ``"XFD"``: read as a letter when no header title matches ``ref``."""
    return bool(_LETTERS.fullmatch(ref)) and column_index(ref) < _MAX_COLUMNS


def _column(description: str) -> Any:
    return Field(None, description=description)


class ColumnMapping(BaseModel):
    """Which column of a bank's Excel/CSV export holds what.

    A column is named by its header title (case, spaces and Turkish letters do not matter) or by
    its letter (``"C"``); a title in the header row wins over a letter that reads the same.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [EXAMPLE]}
    )

    header_row: int = Field(
        1,
        ge=1,
        le=1000,
        description="1-based row holding the column titles; rows above it are ignored.",
    )
    sheet: str | None = Field(None, description="Excel sheet name; null reads the first sheet.")
    delimiter: str | None = Field(
        None, description="CSV field separator; null guesses among `;` `,` tab and `|`."
    )
    date_format: str = Field(
        "%d.%m.%Y",
        description="strptime format of dates written as text; cells that are real dates are "
        "read as they are. A time after the date (`31.12.2024 14:05`) is ignored.",
    )
    decimal_separator: Literal[",", "."] = Field(
        ",", description="Decimal mark in amounts written as text."
    )
    thousands_separator: Literal[".", ",", " ", ""] = Field(
        ".",
        description='Digit grouping mark in amounts written as text (`""`: none); must differ '
        "from decimal_separator. Defaults to `,` when decimal_separator is `.`.",
    )
    booking_date: ColumnRef = Field(description="Booking (transaction) date column. Required.")
    value_date: ColumnRef | None = _column(
        "Value date (valör) column; the booking date when absent."
    )
    amount: ColumnRef | None = _column(
        "One signed amount column: positive incoming, negative outgoing. Or use debit + credit."
    )
    debit: ColumnRef | None = _column("Debit (Borç) column: outgoing amounts as positive numbers.")
    credit: ColumnRef | None = _column(
        "Credit (Alacak) column: incoming amounts as positive numbers."
    )
    description: tuple[ColumnRef, ...] = Field(
        (), description="Description column, or several joined with a space in this order."
    )
    counterparty_iban: ColumnRef | None = _column("Counterparty IBAN column.")
    counterparty_name: ColumnRef | None = _column("Counterparty name column.")
    counterparty_tax_id: ColumnRef | None = _column("Counterparty VKN/TCKN column.")
    reference: ColumnRef | None = _column("The bank's reference (dekont/fiş no) column.")
    transaction_code: ColumnRef | None = _column("The bank's transaction type code column.")
    balance: ColumnRef | None = _column(
        "Running balance after each row; gives the statement's opening and closing balances."
    )
    currency: ColumnRef | None = _column("Currency column (ISO code; `TL` reads as TRY).")
    fixed_currency: str = Field(
        "TRY", description="Currency when there is no currency column or it is empty."
    )
    account: ColumnRef | None = _column(
        "Account (IBAN or account number) column, for exports holding several accounts."
    )
    fixed_account: str | None = Field(
        None,
        description="The account (IBAN) the connection belongs to, used when there is no account "
        "column or it is empty.",
    )

    @model_validator(mode="before")
    @classmethod
    def _thousands_follow_decimal(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and data.get("decimal_separator") == "."
            and "thousands_separator" not in data
        ):
            return {**data, "thousands_separator": ","}
        return data

    @field_validator("description", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("delimiter")
    @classmethod
    def _check_delimiter(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = _DELIMITER_WORDS.get(value.lower(), value)
        if len(value) != 1 or value.isalnum() or value in '"\r\n':
            raise ValueError(f"delimiter must be one character such as ; , | or tab, not {value!r}")
        return value

    @field_validator("date_format")
    @classmethod
    def _check_date_format(cls, value: str) -> str:
        probe = date(2024, 12, 31)
        try:
            back = datetime.strptime(probe.strftime(value), value).date()
        except (ValueError, re.error) as exc:
            raise ValueError(
                f"date_format {value!r} is not a usable strptime format: {exc}"
            ) from exc
        if back != probe:
            raise ValueError(
                f"date_format {value!r} must hold the day, month and year (e.g. %d.%m.%Y)"
            )
        return value

    @field_validator("fixed_currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        try:
            return currency_code(value)
        except CellError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("fixed_account")
    @classmethod
    def _check_account(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not is_iban_shaped(value):
            return value.strip()
        try:
            return normalize_iban(value)
        except CellError as exc:
            raise ValueError(str(exc)) from exc

    @model_validator(mode="after")
    def _check_columns(self) -> ColumnMapping:
        has_pair = self.debit is not None or self.credit is not None
        if self.amount is None and not has_pair:
            raise ValueError(
                "map the amount: either `amount` (one signed column) or `debit` + `credit`"
            )
        if self.amount is not None and has_pair:
            raise ValueError("map the amount one way: `amount` or `debit` + `credit`, not both")
        if has_pair and (self.debit is None or self.credit is None):
            raise ValueError("`debit` and `credit` go together; map both (or one signed `amount`)")
        if self.thousands_separator == self.decimal_separator:
            raise ValueError(
                f"thousands_separator and decimal_separator are both {self.decimal_separator!r}"
            )
        self._check_distinct()
        return self

    def _check_distinct(self) -> None:
        seen: dict[str, str] = {}
        for name in ("booking_date", "amount", "debit", "credit", "balance"):
            ref = getattr(self, name)
            if ref is None:
                continue
            key = ref if is_column_letter(ref) else fold_title(ref)
            if key in seen:
                raise ValueError(f"`{seen[key]}` and `{name}` name the same column {ref!r}")
            seen[key] = name

    def column_refs(self) -> dict[str, tuple[str, ...]]:
        """Every mapped column by field name (description may hold several)."""
        refs: dict[str, tuple[str, ...]] = {}
        for name in _COLUMN_FIELDS:
            value = getattr(self, name)
            if value:
                refs[name] = value if isinstance(value, tuple) else (value,)
        return refs


_COLUMN_FIELDS = (
    "booking_date",
    "value_date",
    "amount",
    "debit",
    "credit",
    "description",
    "counterparty_iban",
    "counterparty_name",
    "counterparty_tax_id",
    "reference",
    "transaction_code",
    "balance",
    "currency",
    "account",
)


def fold_title(title: str) -> str:
    """A header title reduced for comparison: ``"İşlem  Tarihi:"`` → ``"islemtarihi"``."""
    return "".join(char for char in fold(title) if char.isalnum()) or title.strip()
