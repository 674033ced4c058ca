"""JSON items to template cells: either naming style, and what is wrong with the item itself."""

from __future__ import annotations

import json
from decimal import Decimal

from reconciliation.domain.datasets import BABS_COLUMNS, MOVEMENT_COLUMNS, Dataset
from reconciliation.domain.rows import BabsChecker, MovementChecker, RowError, cells_from_json

BY_HEADER = {
    "HesapKod": "120.01.005", "CariTip": "Musteri", "BelgeTarih": "2025-01-15",
    "Aciklama": "Ocak", "Tutar": 1234.56, "ParaBirimi": "TRY", "SistemEvrakNo": "57",
    "TersKayit": "0", "HareketTipi": 14, "KontrolKey": "K1",
}  # fmt: skip
HEADER_OF_FIELD = {column.header: column.field for column in MOVEMENT_COLUMNS}
BY_FIELD = {HEADER_OF_FIELD[header]: value for header, value in BY_HEADER.items()}


def check(items: list[object]) -> tuple[list[tuple[int, tuple]], list[RowError]]:
    """A JSON array as the import reads it: row numbers are the 1-based positions."""
    block = [(n, cells_from_json(Dataset.MOVEMENTS, item)) for n, item in enumerate(items, 1)]
    return MovementChecker().check(block)


def test_headers_and_field_names_give_the_same_cells() -> None:
    by_header = cells_from_json(Dataset.MOVEMENTS, BY_HEADER)
    assert by_header == cells_from_json(Dataset.MOVEMENTS, BY_FIELD)
    mixed = {**dict(list(BY_HEADER.items())[:5]), **dict(list(BY_FIELD.items())[5:])}
    assert cells_from_json(Dataset.MOVEMENTS, mixed) == by_header
    assert len(by_header) == len(MOVEMENT_COLUMNS)
    assert by_header[[c.header for c in MOVEMENT_COLUMNS].index("Tutar")] == 1234.56
    assert by_header[[c.header for c in MOVEMENT_COLUMNS].index("EvrakNo")] is None


def test_json_rows_check_like_xlsx_rows() -> None:
    good, errors = check([BY_HEADER, {**BY_FIELD, "control_key": "K2", "document_date": None}])
    assert [row for row, _ in good] == [1]
    assert good[0][1][0] == "K1"  # KontrolKey leads a checked row
    assert Decimal("1234.56") in good[0][1]
    assert errors == [RowError(2, "BelgeTarih", None, "is required")]


def test_keys_in_another_case_or_without_turkish_letters() -> None:
    item = {"caridonem": "2025-01-Ocak", "CARİDÖNEM": "x"}
    [(column, _, reason)] = cells_from_json(Dataset.BABS, item).problems  # type: ignore[attr-defined]
    assert (column, reason) == ("CariDönem", "is given twice, as caridonem and as CARİDÖNEM")
    cells = cells_from_json(Dataset.BABS, {"CariDonem": "2025-01-Ocak"})
    assert cells[[c.header for c in BABS_COLUMNS].index("CariDönem")] == "2025-01-Ocak"


def test_an_unknown_key_is_a_row_error_beside_the_cells_errors() -> None:
    good, errors = check([{**BY_HEADER, "Tutarr": 5, "Tutar": "x"}, BY_HEADER])
    assert [row for row, _ in good] == [2]
    assert errors == [
        RowError(1, None, "Tutarr", "is not a column of movements"),
        RowError(1, "Tutar", "x", "must be a number like 1234.56 or 1.234,56"),
    ]


def test_an_unknown_key_alone_refuses_the_row() -> None:
    good, errors = check([{**BY_HEADER, "ibans": []}])
    assert good == [] and errors == [RowError(1, None, "ibans", "is not a column of movements")]


def test_a_column_given_in_both_styles() -> None:
    good, errors = check([{**BY_HEADER, "code": "120.01.006"}])
    assert good == []
    assert errors == [
        RowError(1, "HesapKod", "120.01.006", "is given twice, as HesapKod and as code")
    ]


def test_an_item_that_is_no_object() -> None:
    good, errors = check([[1, 2], "x", None, BY_HEADER])
    assert [row for row, _ in good] == [4]
    assert errors == [
        RowError(1, None, "[1, 2]", "must be an object"),
        RowError(2, None, "x", "must be an object"),
        RowError(3, None, None, "must be an object"),
    ]


def test_a_list_or_object_where_one_value_belongs() -> None:
    good, errors = check([{**BY_HEADER, "Tutar": [1, 2], "Aciklama": {"tr": "Ocak"}}])
    assert good == []
    assert errors == [
        RowError(1, "Aciklama", '{"tr": "Ocak"}', "must be text"),
        RowError(1, "Tutar", "[1, 2]", "must be a number like 1234.56 or 1.234,56"),
    ]


def test_json_numbers_parsed_as_decimals_are_taken() -> None:
    item = json.loads(json.dumps(BY_HEADER), parse_float=Decimal)
    good, errors = check([item])
    assert errors == [] and Decimal("1234.56") in good[0][1]


def test_babs_from_json() -> None:
    item = {"code": "120", "period": "2025-01-Ocak", "document_date": "2025-01-15",
            "base_amount": "100", "system_document_no": "1", "form": "ba", "control_key": "K"}  # fmt: skip
    good, errors = BabsChecker().check([(1, cells_from_json(Dataset.BABS, item))])
    assert errors == [] and good[0][1][-1] == "BA"
