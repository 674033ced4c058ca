"""Small real files of each kind a counterparty may attach, and some that must be refused."""

from __future__ import annotations

import io
import zipfile

from fpdf import FPDF
from openpyxl import Workbook
from PIL import Image


def tiny_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Our balance: 1000.00")
    return bytes(pdf.output())


def tiny_xlsx() -> bytes:
    book = Workbook()
    book.active.append(["Belge", "Tutar"])
    book.active.append(["FTR-1", 1000])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def tiny_image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def windows_program() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def word_document() -> bytes:
    """A zip with ``[Content_Types].xml`` that is not a workbook (a .docx in disguise)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()
