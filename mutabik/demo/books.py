"""The ERP's side of the demo: account movements (Hesap Hareketleri) and BA/BS rows from
``data/books.json``, dated by :class:`DemoDates`, and the import templates filled with them the
way a user fills them in Excel."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import load_workbook

from .dates import DemoDates

TEXT_HEADERS = frozenset(
    {"HesapKod", "EvrakNo", "MatbuuEvrakNo", "SistemEvrakNo", "TersKayit", "KontrolKey",
     "CariDönem"}
)  # fmt: skip
"""Columns the template formats as text (codes and numbers that are not amounts)."""
CENT = Decimal("0.01")

Row = dict[str, Any]
"""One template row: the template's column name → the cell's value."""


@dataclass(frozen=True)
class Books:
    movements: list[Row]
    babs: list[Row]
    open_items: list[dict[str, str]]


def invoice_number(series: str, first_of_month: date, no: int) -> str:
    """An e-Fatura style number: series, year, sequence (``DMG2025000000101``)."""
    return f"{series}{first_of_month:%Y}{no:09d}"


def books(data: dict[str, Any], dates: DemoDates) -> Books:
    """The template rows of every entry of ``books.json``."""
    movements: list[Row] = []
    babs: list[Row] = []
    for index, entry in enumerate(data["entries"], start=1):
        first = dates.month(entry["m"])
        day = dates.day(entry["m"], entry["day"])
        stamp = f"{first:%Y%m}{index:04d}"
        system_no = f"57{stamp}"
        document_no = ""
        if entry["kind"] == "invoice":
            document_no = invoice_number(entry["series"], first, entry["no"])
        movements.append(_movement(entry, day, document_no, system_no, f"HH{stamp}"))
        if entry["kind"] == "invoice" and entry.get("form"):
            babs.append(
                {"HesapKod": entry["code"], "CariTip": _kind(entry["code"]),
                 "CariDönem": dates.period(entry["m"]), "BelgeTarih": day, "KayitTarih": day,
                 "MatbuuEvrakNo": document_no, "Matrah": Decimal(entry["net"]),
                 "SistemEvrakNo": system_no, "TersKayit": "0", "Tip": entry["form"],
                 "KontrolKey": f"BB{stamp}"}
            )  # fmt: skip
    open_items = [
        {"counterparty_code": item["counterparty_code"], "amount": item["amount"],
         "document_number": invoice_number(item["series"], dates.month(item["m"]), item["no"])}
        for item in data["open_items"]
    ]  # fmt: skip
    return Books(movements, babs, open_items)


def _movement(entry: dict[str, Any], day: date, document_no: str, system_no: str, key: str) -> Row:
    if entry["kind"] == "invoice":
        gross = Decimal(entry["gross"])
        amount = -gross if entry.get("form") == "BA" else gross
    else:
        amount = Decimal(entry["amount"])
    currency = entry.get("currency", "TRY")
    local = amount if currency == "TRY" else amount * Decimal(entry["rate"])
    opening = entry["kind"] == "opening"
    return {
        "HesapKod": entry["code"], "CariTip": _kind(entry["code"]), "BakiyeTarih": day,
        "BelgeTarih": day, "KayitTarih": day, "EvrakNo": document_no,
        "Aciklama": entry["text"], "Tutar": amount,
        "YerelTutar": local.quantize(CENT, ROUND_HALF_UP), "ParaBirimi": currency,
        "Odk": "Genel", "SistemEvrakNo": system_no, "TersKayit": "0",
        "HareketTipi": 12 if opening else 14, "KontrolKey": key,
    }  # fmt: skip


def _kind(code: str) -> str:
    """CariTip from a Turkish chart-of-accounts code: 12x customers, 32x suppliers."""
    return "Satici" if code.startswith("32") else "Musteri"


def fill_template(template: bytes, rows: list[Row]) -> bytes:
    """The downloaded template with its example row replaced by ``rows``, saved as .xlsx."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.delete_rows(2)
    for offset, row in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            value = row.get(header)
            if value is None or value == "":
                continue
            if isinstance(value, Decimal):
                value = float(value)  # Excel keeps numbers as doubles; two decimals survive
            cell = sheet.cell(row=offset, column=column, value=value)
            if header in TEXT_HEADERS:
                cell.number_format = "@"
            elif isinstance(value, date):
                cell.number_format = "DD.MM.YYYY"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
