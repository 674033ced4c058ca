"""The downloadable .xlsx templates users fill in Excel and import (see :mod:`.workbook`).

Sheet 1 is the data set: the header row in the template's exact names (required ones filled
yellow) and one example row. Code columns are formatted as text for the whole column, so Excel
keeps leading zeros and does not round long numbers such as a KontrolKey. Sheet 2, "Açıklama",
explains every column.
"""

from __future__ import annotations

import io
from functools import cache

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .datasets import COLUMNS, Column, Dataset
from .workbook import TITLES

TEXT_COLUMNS = frozenset(
    {"HesapKod", "VergiNo", "PostaKod", "Telefon", "EvrakNo", "MatbuuEvrakNo", "SistemEvrakNo",
     "TersKayit", "KontrolKey", "CariDönem"}
)  # fmt: skip
"""Codes and numbers-as-text: Excel would drop their leading zeros or round them as numbers."""
AMOUNT_FORMAT = "#,##0.00"
FILE_NAMES: dict[Dataset, str] = {
    Dataset.COUNTERPARTIES: "mutabik-cari-kayitlar.xlsx",
    Dataset.MOVEMENTS: "mutabik-hesap-hareketleri.xlsx",
    Dataset.BABS: "mutabik-babs-hareketleri.xlsx",
}
HELP_TITLE = "Açıklama"
REQUIRED, OPTIONAL = "Zorunlu", "İsteğe bağlı"
NOTES = (
    "İlk sayfanın başlık satırını değiştirmeyin: sütun adları ve sıraları aynı kalmalı.",
    "2. satır bir örnektir; kendi verilerinizi girmeden önce silin.",
    "Sarı başlıklı sütunlar zorunludur.",
    "Tarihler gg.aa.yyyy (15.01.2025) metni ya da Excel tarihi olarak girilebilir.",
    "Dosyayı Excel Çalışma Kitabı (.xlsx) olarak kaydedin.",
)

_BOLD = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FFFFE699")
_OPTIONAL_FILL = PatternFill("solid", fgColor="FFD9E1F2")
_WIDTH = (10, 45)  # characters, the narrowest and widest column


def template_file_name(dataset: Dataset) -> str:
    """The download's file name, e.g. ``mutabik-hesap-hareketleri.xlsx``."""
    return FILE_NAMES[dataset]


@cache
def template_xlsx(dataset: Dataset) -> bytes:
    """The template of ``dataset`` as .xlsx bytes (generated once per process)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new Workbook always has one
    sheet.title = TITLES[dataset]  # no "/" in a sheet name: "BA-BS", not "BA/BS"
    _fill_data_sheet(sheet, COLUMNS[dataset])
    _fill_help_sheet(book.create_sheet(HELP_TITLE), COLUMNS[dataset])
    book.properties.creator = "Mutabık"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill_data_sheet(sheet: Worksheet, columns: tuple[Column, ...]) -> None:
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column.header)
        header.font = _BOLD
        header.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        example = sheet.cell(row=2, column=index, value=column.example)
        if column.header in TEXT_COLUMNS:
            # the column's own format is what Excel gives the cells users type in
            sheet.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
        elif isinstance(column.example, float):
            example.number_format = AMOUNT_FORMAT
        sheet.column_dimensions[letter].width = _width(column.header, str(column.example))
    sheet.freeze_panes = "A2"


def _fill_help_sheet(sheet: Worksheet, columns: tuple[Column, ...]) -> None:
    for note in NOTES:
        sheet.append([note])
    sheet.append([])
    sheet.append(["Sütun", "Zorunlu mu", "Örnek", "Açıklama"])
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    for column in columns:
        sheet.append(
            [
                column.header,
                REQUIRED if column.required else OPTIONAL,
                str(column.example),
                column.help,
            ]
        )
        sheet.cell(row=sheet.max_row, column=1).fill = (
            _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        )
    for letter, width in zip("ABCD", (24, 14, 36, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=len(NOTES) + 3, min_col=4, max_col=4):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _width(*texts: str) -> float:
    narrowest, widest = _WIDTH
    return min(max(narrowest, *(len(text) + 3 for text in texts)), widest)
