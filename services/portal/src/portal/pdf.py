"""The letter (and the answer, once given) as a PDF, with fpdf2 and a Unicode TrueType font.

The core PDF fonts know no ``ş ğ ı İ``, so a TrueType font is embedded (only the glyphs used).
Plain cells rather than fpdf2's table layout: 5,000 documents take under a second. Rendering is
CPU work; the route runs it in a worker thread.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

FAMILY = "DejaVu"
_MARGIN = 15
_WIDTH = 180  # A4 less the margins, mm


class FontMissing(RuntimeError):
    """A configured font file is not there; the message names it and the package that has it."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"the PDF font {path} is missing: install the Debian/Ubuntu package "
            "fonts-dejavu-core, or set MUTABIK_PORTAL_PDF_FONT and MUTABIK_PORTAL_PDF_FONT_BOLD "
            "to a Unicode TrueType font"
        )
        self.path = path


def check_fonts(regular: str, bold: str) -> None:
    for path in (regular, bold):
        if not Path(path).is_file():
            raise FontMissing(path)


class _LetterPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(90)
        self.cell(0, 5, self.footer_text.format(page=self.page_no(), pages="{nb}"), align="C")


def render(ctx: dict[str, Any], *, font: str, bold: str) -> bytes:
    """The PDF of the letter in ``ctx`` (see :func:`portal.web.views.letter_context`) with the
    documents it holds (all of them, for the PDF)."""
    check_fonts(font, bold)
    t, f, letter = ctx["t"], ctx["f"], ctx["letter"]
    pdf = _LetterPdf(format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(FAMILY, "", font)
    pdf.add_font(FAMILY, "B", bold)
    pdf.footer_text = t["page_of"]
    pdf.set_title(letter.subject or t["page_title"])
    pdf.set_creator("Mutabık")
    pdf.add_page()
    _heading(pdf, letter.subject or t["heading_" + letter.kind], ctx["kind_line"])
    _parties(pdf, ctx)
    _amounts(pdf, ctx)
    _answer(pdf, ctx)
    _documents(pdf, ctx)
    pdf.ln(4)
    _text(pdf, t["pdf_generated"].format(when=f.moment(datetime.now(UTC))), size=7)
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str, *, size: float = 9, style: str = "", height: float = 5) -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(_WIDTH, height, text, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, title: str, kind_line: str) -> None:
    _text(pdf, title, size=14, style="B", height=7)
    _text(pdf, kind_line, size=10)
    pdf.ln(3)


def _parties(pdf: FPDF, ctx: dict[str, Any]) -> None:
    t, letter = ctx["t"], ctx["letter"]
    sender = [letter.sender.name, f"{t['tax_office']}: {letter.sender.tax_office}",
              f"{t['tax_id']}: {letter.sender.tax_id}"]  # fmt: skip
    recipient = [letter.counterparty_title, f"{t['account_code']}: {letter.counterparty_code}",
                 f"{t['tax_id']}: {letter.counterparty_tax_id}"]  # fmt: skip
    for label, lines in ((t["sender"], sender), (t["recipient"], recipient)):
        _text(pdf, label, size=8, style="B")
        _text(pdf, "\n".join(lines), size=9)
        pdf.ln(2)


def _amounts(pdf: FPDF, ctx: dict[str, Any]) -> None:
    t, f, letter = ctx["t"], ctx["f"], ctx["letter"]
    if letter.kind == "balance":
        _text(pdf, t["balance_intro"].format(date=f.day(letter.as_of)) if letter.as_of else "")
        rows = [[t["currency"], t["amount"], t["side"]]]
        rows += [[b.currency, f.money(b.amount, b.currency), f.side(b.side)]
                 for b in letter.balances]  # fmt: skip
        _rows(pdf, rows, (40, 70, 70), ("L", "R", "L"))
        _text(pdf, t["side_note"], size=8)
    else:
        _text(pdf, t["babs_intro"].format(period=f.period(letter.period)) if letter.period else "")
        rows = [[t["form"], t["document_count"], t["total"]]]
        for name, line in ((t["form_ba"], letter.ba), (t["form_bs"], letter.bs)):
            if line is not None:
                rows.append([name, str(line.count), f.money(line.total)])
        _rows(pdf, rows, (80, 40, 60), ("L", "R", "R"))
    if letter.note:
        _text(pdf, f"{t['note']}: {letter.note}")
    pdf.ln(1)
    _text(pdf, f"{t['valid_until']}: {f.day(letter.valid_until)}", style="B")
    pdf.ln(3)


def _answer(pdf: FPDF, ctx: dict[str, Any]) -> None:
    t, f, stored = ctx["t"], ctx["f"], ctx["stored"]
    if not stored.answer:
        return
    who = ", ".join(filter(None, [stored.answered_by, stored.answered_title]))
    _text(pdf, t["answered_heading"], size=11, style="B")
    _text(pdf, f"{t['answer_given']}: {t['answer_' + stored.answer]}", style="B")
    _text(pdf, t["answered_line"].format(who=who, when=f.moment(stored.answered_at)))
    if stored.reason:
        _text(pdf, f"{t['reason']}: {stored.reason}")
    if stored.their_balance is not None:
        _text(pdf, f"{t['their_balance']}: {f.money(stored.their_balance, _currency(ctx))}")
    if stored.attachment:
        _text(pdf, f"{t['attached_file']}: {stored.attachment.file_name} "
                   f"({f.size(stored.attachment.size)})")  # fmt: skip
    pdf.ln(3)


def _currency(ctx: dict[str, Any]) -> str:
    balances = ctx["letter"].balances
    return balances[0].currency if balances else "TRY"


def _documents(pdf: FPDF, ctx: dict[str, Any]) -> None:
    t, letter, documents = ctx["t"], ctx["letter"], ctx["documents"]
    _text(pdf, t["documents"], size=11, style="B")
    if not documents:
        _text(pdf, t["documents_none"])
        return
    if letter.kind == "balance":
        header = [t["date"], t["document_no"], t["description"], t["debit"], t["credit"]]
        widths, aligns = (20, 30, 70, 30, 30), ("L", "L", "L", "R", "R")
    else:
        header = [t["date"], t["document_no"], t["description"], t["form"], t["net"]]
        widths, aligns = (20, 35, 75, 15, 35), ("L", "L", "L", "L", "R")
    rows = [list(line[1:]) for line in documents]
    _rows(pdf, [header, *rows], widths, aligns, size=8)


def _rows(
    pdf: FPDF,
    rows: list[list[str]],
    widths: tuple[int, ...],
    aligns: tuple[str, ...],
    *,
    size: float = 9,
) -> None:
    """A simple table: the first row bold, repeated at the top of each new page."""
    header, height = rows[0], 5.5
    for number, row in enumerate(rows):
        if number and pdf.will_page_break(height):
            pdf.add_page()
            _row(pdf, header, widths, aligns, size, "B")
        _row(pdf, row, widths, aligns, size, "B" if number == 0 else "")
    pdf.ln(2)


def _row(
    pdf: FPDF, row: list[str], widths: tuple[int, ...], aligns: tuple[str, ...], size: float,
    style: str,
) -> None:  # fmt: skip
    pdf.set_font(FAMILY, style, size)
    for text, width, align in zip(row, widths, aligns, strict=True):
        pdf.cell(width, 5.5, _fit(pdf, text, width - 2), border="B", align=align)
    pdf.ln(5.5)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` mm."""
    text = " ".join(text.split())
    full = pdf.get_string_width(text)
    if full <= width:
        return text
    text = text[: int(len(text) * width / full) + 1]  # close to the cut: a few steps remain
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
