"""The downloadable templates: what users fill must import as it is."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from reconciliation.domain.datasets import COLUMNS, Dataset
from reconciliation.domain.templates import TEXT_COLUMNS, template_file_name, template_xlsx
from reconciliation.domain.workbook import TITLES, read_rows


@pytest.mark.parametrize("dataset", list(Dataset))
def test_the_template_imports_as_its_example_row(dataset: Dataset) -> None:
    [[(number, cells)]] = list(read_rows(io.BytesIO(template_xlsx(dataset)), dataset))
    assert number == 2
    # whole numbers come back as float (14.0 == 14), everything else as written
    assert cells == tuple(column.example for column in COLUMNS[dataset])
    assert all(type(cell) is str for cell, column in zip(cells, COLUMNS[dataset], strict=True)
               if isinstance(column.example, str))  # fmt: skip


@pytest.mark.parametrize("dataset", list(Dataset))
def test_the_header_text_is_exact_for_openpyxl_and_calamine(dataset: Dataset) -> None:
    data = template_xlsx(dataset)
    headers = [column.header for column in COLUMNS[dataset]]
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert calamine.sheet_names == [TITLES[dataset], "Açıklama"]
    assert calamine.get_sheet_by_index(0).to_python()[0] == headers


@pytest.mark.parametrize("dataset", list(Dataset))
def test_code_columns_are_text_and_required_headers_stand_out(dataset: Dataset) -> None:
    sheet = load_workbook(io.BytesIO(template_xlsx(dataset))).worksheets[0]
    assert sheet.freeze_panes == "A2"
    fills = {}
    for header, example in zip(sheet[1], sheet[2], strict=True):
        column = header.column_letter
        text = header.value in TEXT_COLUMNS
        assert (sheet.column_dimensions[column].number_format == "@") is text
        assert (example.number_format == "@") is text
        assert header.font.bold and sheet.column_dimensions[column].width >= 10
        required = next(c.required for c in COLUMNS[dataset] if c.header == header.value)
        fills.setdefault(required, set()).add(header.fill.fgColor.rgb)
    assert len(fills[True]) == 1 and fills[True] != fills[False]


def test_dates_are_examples_in_text_and_codes_keep_their_leading_zeros() -> None:
    sheet = load_workbook(io.BytesIO(template_xlsx(Dataset.MOVEMENTS))).worksheets[0]
    row = {header.value: example.value for header, example in zip(sheet[1], sheet[2], strict=True)}
    assert row["BelgeTarih"] == "15.01.2025" and row["TersKayit"] == "0"
    assert row["KontrolKey"] == "12001005202557000023461"


@pytest.mark.parametrize("dataset", list(Dataset))
def test_the_help_sheet_explains_every_column(dataset: Dataset) -> None:
    sheet = load_workbook(io.BytesIO(template_xlsx(dataset)))["Açıklama"]
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    table = rows[rows.index(("Sütun", "Zorunlu mu", "Örnek", "Açıklama")) + 1 :]
    assert [(name, required, note or "") for name, required, _, note in table] == [
        (column.header, "Zorunlu" if column.required else "İsteğe bağlı", column.help)
        for column in COLUMNS[dataset]
    ]


def test_file_names() -> None:
    assert [template_file_name(dataset) for dataset in Dataset] == [
        "mutabik-cari-kayitlar.xlsx",
        "mutabik-hesap-hareketleri.xlsx",
        "mutabik-babs-hareketleri.xlsx",
    ]
