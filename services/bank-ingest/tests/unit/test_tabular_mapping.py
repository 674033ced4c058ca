"""ColumnMapping: what a connection stores, validated before any file is read."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bank_ingest.domain.tabular import ColumnMapping
from bank_ingest.domain.tabular_mapping import (
    column_index,
    column_letters,
    fold_title,
    is_column_letter,
)

BASE: dict[str, Any] = {"booking_date": "Tarih", "amount": "Tutar"}


def refused(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        ColumnMapping.model_validate({**BASE, **changes})
    return str(caught.value)


def test_defaults() -> None:
    mapping = ColumnMapping.model_validate(BASE)
    assert mapping.header_row == 1
    assert mapping.date_format == "%d.%m.%Y"
    assert (mapping.decimal_separator, mapping.thousands_separator) == (",", ".")
    assert mapping.fixed_currency == "TRY"
    assert mapping.fixed_account is None
    assert mapping.description == ()


def test_the_documented_example_is_valid_and_round_trips_through_json() -> None:
    example = ColumnMapping.model_json_schema()["examples"][0]
    mapping = ColumnMapping.model_validate(example)
    assert mapping.debit == "Borç" and mapping.credit == "Alacak"
    assert ColumnMapping.model_validate_json(mapping.model_dump_json()) == mapping


def test_schema_describes_every_field() -> None:
    properties = ColumnMapping.model_json_schema()["properties"]
    assert all(spec.get("description") for spec in properties.values())


def test_amount_needs_exactly_one_shape() -> None:
    assert "either `amount`" in refused(amount=None)
    assert "not both" in refused(debit="Borç", credit="Alacak")
    assert "go together" in refused(amount=None, debit="Borç")
    assert "go together" in refused(amount=None, credit="Alacak")
    pair = ColumnMapping.model_validate({"booking_date": "Tarih", "debit": "B", "credit": "C"})
    assert pair.amount is None


def test_separators() -> None:
    assert "both '.'" in refused(decimal_separator=".", thousands_separator=".")
    assert (
        ColumnMapping.model_validate({**BASE, "decimal_separator": "."}).thousands_separator == ","
    )
    no_grouping = ColumnMapping.model_validate({**BASE, "thousands_separator": ""})
    assert no_grouping.thousands_separator == ""
    assert "decimal_separator" in refused(decimal_separator=";")


def test_date_format_must_hold_a_whole_date() -> None:
    assert "day, month and year" in refused(date_format="%m.%Y")
    assert "day, month and year" in refused(date_format="dd.mm.yyyy")
    assert "not a usable" in refused(date_format="%d.%d.%Y")
    assert ColumnMapping.model_validate({**BASE, "date_format": "%Y-%m-%d"})


def test_delimiter() -> None:
    assert ColumnMapping.model_validate({**BASE, "delimiter": "tab"}).delimiter == "\t"
    assert ColumnMapping.model_validate({**BASE, "delimiter": "|"}).delimiter == "|"
    for bad in (";;", "a", '"', ""):
        assert "delimiter must be one character" in refused(delimiter=bad)


def test_one_column_cannot_be_both_date_and_money() -> None:
    assert "same column" in refused(amount="TARİH")
    assert "same column" in refused(amount=None, debit="Borç", credit="borc")
    assert "same column" in refused(balance="Tutar")


def test_description_takes_one_column_or_several() -> None:
    one = ColumnMapping.model_validate({**BASE, "description": "Açıklama"})
    assert one.description == ("Açıklama",)
    several = ColumnMapping.model_validate({**BASE, "description": ["Açıklama", "Karşı Taraf"]})
    assert several.description == ("Açıklama", "Karşı Taraf")
    assert "at least 1 character" in refused(description=[" "])


def test_fixed_account_and_currency_are_normalised_and_checked() -> None:
    mapping = ColumnMapping.model_validate(
        {**BASE, "fixed_account": "tr33 0006 1005 1978 6457 8413 26", "fixed_currency": "tl"}
    )
    assert mapping.fixed_account == "TR330006100519786457841326"
    assert mapping.fixed_currency == "TRY"
    local = ColumnMapping.model_validate({**BASE, "fixed_account": " 0067-00763/93984487 "})
    assert local.fixed_account == "0067-00763/93984487"
    assert "not a valid IBAN" in refused(fixed_account="TR330006100519786457841327")
    assert "ISO currency" in refused(fixed_currency="Lira")


def test_unknown_keys_and_bad_header_rows_are_refused() -> None:
    assert "Extra inputs" in refused(ammount="Tutar")
    assert "greater than or equal to 1" in refused(header_row=0)
    assert "Field required" in str(
        pytest.raises(ValidationError, ColumnMapping.model_validate, {"amount": "Tutar"}).value
    )


def test_column_letters() -> None:
    assert [column_index(x) for x in ("A", "Z", "AA", "AB", "XFD")] == [0, 25, 26, 27, 16383]
    assert [column_letters(i) for i in (0, 25, 26, 27, 16383)] == ["A", "Z", "AA", "AB", "XFD"]
    assert is_column_letter("AB") and not is_column_letter("Ab") and not is_column_letter("XFE")
    assert not is_column_letter("ABCD") and not is_column_letter("A1")


def test_titles_fold_turkish_letters_case_and_spaces() -> None:
    assert fold_title("İşlem Tarihi") == fold_title("ISLEM TARIHI") == fold_title("islem  tarihi:")
    assert fold_title("Açıklama") == fold_title("ACIKLAMA")
    assert fold_title("Borç") == fold_title("BORC")
    assert fold_title("Tutar (TL)") != fold_title("Tutar")
    assert fold_title("#") == "#"
