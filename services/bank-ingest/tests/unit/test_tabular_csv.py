"""CSV bank exports through a column mapping: encodings, delimiters, rows, errors, statements."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from bank_ingest.domain import tabular
from bank_ingest.domain.statement import ParseError, Statement, collect
from bank_ingest.domain.tabular import ColumnMapping, parse_tabular

ACCOUNT = "TR330006100519786457841326"
OTHER = "DE89370400440532013000"
BASE: dict[str, Any] = {
    "booking_date": "İşlem Tarihi",
    "amount": "Tutar",
    "description": "Açıklama",
}


@pytest.fixture(autouse=True)
def _without_free_text_details(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counterparty extraction from text is another module's job; tests that want it say so."""
    monkeypatch.setattr(tabular, "_details_finder", lambda: None)


def parse(text: str, *, given: str = ACCOUNT, **fields: Any) -> list[Statement]:
    """Statements of ``text`` (UTF-8) under BASE + ``fields``; ``given`` is the caller's account."""
    mapping = ColumnMapping.model_validate({**BASE, **fields})
    stream = io.BytesIO(text.encode())
    return collect(parse_tabular(stream, mapping, kind="csv", account=given))


def refused(text: str, **fields: Any) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text, **fields)
    return caught.value


SIGNED = (
    "İşlem Tarihi;Valör;Açıklama;Tutar\n"
    "02.01.2024;03.01.2024;EFT GELEN ŞİŞLİ İNŞAAT;1.234,56\n"
    "02.01.2024;;KİRA ÖDEMESİ;-10.000,00\n"
    "05.01.2024;;MASRAF;(12,50)\n"
    "06.01.2024;;İADE;7,5-\n"
)


def test_signed_amount_column() -> None:
    [statement] = parse(SIGNED, value_date="Valör")
    header, movements = statement.header, statement.movements
    assert (header.format, header.account, header.currency, header.line) == (
        "csv",
        ACCOUNT,
        "TRY",
        2,
    )
    assert header.opening is None and statement.footer.closing is None
    assert [m.amount for m in movements] == [
        Decimal("1234.56"),
        Decimal("-10000.00"),
        Decimal("-12.50"),
        Decimal("-7.5"),
    ]
    first = movements[0]
    assert (first.booking_date, first.value_date) == (date(2024, 1, 2), date(2024, 1, 3))
    assert movements[1].value_date == date(2024, 1, 2)  # no valör: the booking date
    assert first.description == "EFT GELEN ŞİŞLİ İNŞAAT"
    assert first.raw == "02.01.2024;03.01.2024;EFT GELEN ŞİŞLİ İNŞAAT;1.234,56"
    assert [m.line for m in movements] == [2, 3, 4, 5]


@pytest.mark.parametrize("encoding", ["auto", "windows-1254"])
def test_windows_1254_bytes(encoding: str) -> None:
    data = SIGNED.encode("windows-1254")
    mapping = ColumnMapping.model_validate(BASE)
    [statement] = collect(
        parse_tabular(io.BytesIO(data), mapping, kind="csv", encoding=encoding, account=ACCOUNT)
    )
    assert statement.movements[0].description == "EFT GELEN ŞİŞLİ İNŞAAT"
    assert statement.movements[1].description == "KİRA ÖDEMESİ"


def test_utf8_with_bom_and_crlf() -> None:
    [statement] = parse("\ufeff" + SIGNED.replace("\n", "\r\n"))
    assert len(statement.movements) == 4
    assert statement.movements[0].raw.endswith("1.234,56")


def test_debit_and_credit_columns() -> None:
    text = (
        "Tarih;Açıklama;Borç;Alacak\n"
        "02.01.2024;GELEN HAVALE;;1.500,00\n"
        "03.01.2024;GİDEN EFT;250,00;\n"
        "04.01.2024;POS;-40,00;0,00\n"
        "05.01.2024;SIFIR;0,00;0,00\n"
    )
    [statement] = parse(text, booking_date="Tarih", amount=None, debit="BORÇ", credit="alacak")
    assert [m.amount for m in statement.movements] == [
        Decimal("1500.00"),
        Decimal("-250.00"),
        Decimal("-40.00"),
        Decimal("0.00"),
    ]


def test_debit_and_credit_on_one_row_is_refused() -> None:
    text = "Tarih;Borç;Alacak\n02.01.2024;10,00;20,00\n"
    error = refused(
        text, booking_date="Tarih", amount=None, debit="Borç", credit="Alacak", description=()
    )
    assert (error.line, error.field) == (2, "Borç")


def test_negative_credit_is_refused() -> None:
    text = "Tarih;Borç;Alacak\n02.01.2024;;-20,00\n"
    error = refused(
        text, booking_date="Tarih", amount=None, debit="Borç", credit="Alacak", description=()
    )
    assert (error.line, error.field) == (2, "Alacak")
    assert "'-20,00'" in error.reason


def test_header_below_a_title_block() -> None:
    text = (
        "XYZ BANKASI A.Ş.\n"
        "Hesap Hareketleri;01.01.2024 - 31.01.2024\n"
        "IBAN;TR33 0006 1005 1978 6457 8413 26\n"
        "\n"
        "ISLEM TARIHI;ACIKLAMA;TUTAR\n"
        "02.01.2024;ELEKTRİK;-100,00\n"
    )
    [statement] = parse(text, header_row=5)
    [movement] = statement.movements
    assert (movement.line, movement.amount, movement.description) == (
        6,
        Decimal("-100.00"),
        "ELEKTRİK",
    )


def test_dot_decimal_file_with_comma_delimiter() -> None:
    text = 'Date,Description,Amount\n2024-01-02,"Fee, monthly",-1234.56\n2024-01-03,In,"1,000.00"\n'
    [statement] = parse(
        text,
        booking_date="Date",
        amount="Amount",
        description="Description",
        date_format="%Y-%m-%d",
        decimal_separator=".",
    )
    assert [m.amount for m in statement.movements] == [Decimal("-1234.56"), Decimal("1000.00")]
    assert statement.movements[0].description == "Fee, monthly"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiter_is_sniffed_from_the_header(delimiter: str) -> None:
    rows = [
        ["İşlem Tarihi", "Açıklama", "Tutar"],
        ["02.01.2024", "A", "5"],
        ["03.01.2024", "B", "-6"],
    ]
    text = "Banka\n" + "\n".join(delimiter.join(row) for row in rows) + "\n"
    [statement] = parse(text, header_row=2)
    assert [m.amount for m in statement.movements] == [Decimal(5), Decimal(-6)]


def test_semicolon_wins_over_decimal_commas() -> None:
    text = "İşlem Tarihi;Açıklama;Tutar\n02.01.2024;A;1,5\n03.01.2024;B;2,25\n"
    [statement] = parse(text)
    assert [m.amount for m in statement.movements] == [Decimal("1.5"), Decimal("2.25")]


def test_an_explicit_delimiter_is_obeyed() -> None:
    text = "İşlem Tarihi|Açıklama;x|Tutar\n02.01.2024|A;B|5\n"
    [statement] = parse(text, delimiter="|", description="Açıklama;x")
    assert statement.movements[0].description == "A;B"


def test_a_header_without_any_delimiter_is_refused() -> None:
    error = refused("just one title\n02.01.2024\n")
    assert "delimiter" in error.reason and error.line == 1


def test_newest_first_with_balance() -> None:
    text = (
        "İşlem Tarihi;Açıklama;Tutar;Bakiye\n"
        "05.01.2024;C;-200,00;1.300,00\n"
        "04.01.2024;B;500,00;1.500,00\n"
        "03.01.2024;A;1.000,00;1.000,00\n"
    )
    [statement] = parse(text, balance="Bakiye")
    movements = statement.movements
    assert [m.description for m in movements] == ["A", "B", "C"]
    assert statement.header.opening is not None and statement.footer.closing is not None
    assert (statement.header.opening.amount, statement.header.opening.date) == (
        Decimal(0),
        date(2024, 1, 3),
    )
    assert (statement.footer.closing.amount, statement.footer.closing.date) == (
        Decimal("1300.00"),
        date(2024, 1, 5),
    )
    running = statement.header.opening.amount
    balances = {"A": Decimal("1000"), "B": Decimal("1500"), "C": Decimal("1300")}
    for movement in movements:
        running += movement.amount
        assert running == balances[movement.description]
    assert statement.header.line == 2


def test_newest_first_within_one_day_is_told_by_the_balance() -> None:
    text = (
        "İşlem Tarihi;Açıklama;Tutar;Bakiye\n"
        "03.01.2024;second;-30,00;70,00\n"
        "03.01.2024;first;100,00;100,00\n"
    )
    [statement] = parse(text, balance="Bakiye")
    assert [m.description for m in statement.movements] == ["first", "second"]
    assert statement.header.opening and statement.header.opening.amount == 0
    assert statement.footer.closing and statement.footer.closing.amount == Decimal("70.00")


def test_oldest_first_with_balance_keeps_its_order() -> None:
    text = (
        "İşlem Tarihi;Açıklama;Tutar;Bakiye\n"
        "03.01.2024;A;100,00;600,00\n"
        "03.01.2024;B;-50,00;550,00\n"
    )
    [statement] = parse(text, balance="Bakiye")
    assert [m.description for m in statement.movements] == ["A", "B"]
    assert statement.header.opening and statement.header.opening.amount == Decimal("500.00")


def test_newest_first_without_balance_is_told_by_the_dates() -> None:
    text = "İşlem Tarihi;Açıklama;Tutar\n09.01.2024;late;1\n02.01.2024;early;2\n"
    [statement] = parse(text)
    assert [m.description for m in statement.movements] == ["early", "late"]
    assert statement.header.opening is None


def test_columns_by_letter() -> None:
    text = "x;y;z;w\n02.01.2024;AİDAT;;-75,25\n"
    [statement] = parse(text, booking_date="A", amount="D", description=["B", "C"])
    [movement] = statement.movements
    assert (movement.booking_date, movement.amount, movement.description) == (
        date(2024, 1, 2),
        Decimal("-75.25"),
        "AİDAT",
    )


def test_a_title_wins_over_a_letter_reading_the_same() -> None:
    text = "Tarih;B;Tutar\n02.01.2024;by title;1\n"
    [statement] = parse(text, booking_date="Tarih", description="B")
    assert statement.movements[0].description == "by title"


def test_missing_columns_are_named_with_the_titles_found() -> None:
    error = refused("Tarih;Açıklama;Tutar\n02.01.2024;x;1\n", balance="Bakiye")
    assert "'İşlem Tarihi' (booking_date)" in error.reason
    assert "'Bakiye' (balance)" in error.reason
    assert "'Tarih', 'Açıklama', 'Tutar'" in error.reason
    assert (error.line, error.field) == (1, "İşlem Tarihi")


def test_an_ambiguous_title_asks_for_a_letter() -> None:
    error = refused("İşlem Tarihi;Tutar;Tutar\n02.01.2024;1;2\n", description=())
    assert "columns B, C" in error.reason


def test_bad_date_names_row_and_column() -> None:
    error = refused("İşlem Tarihi;Açıklama;Tutar\n02.01.2024;a;1\n2024-01-03;b;2\n")
    assert (error.line, error.field) == (3, "İşlem Tarihi")
    assert "'2024-01-03'" in error.reason and "dd.mm.yyyy" in error.reason


def test_bad_amount_names_row_and_column() -> None:
    error = refused("İşlem Tarihi;Açıklama;Tutar\n02.01.2024;a;1.5\n")
    assert (error.line, error.field) == (2, "Tutar")
    assert "'1.5'" in error.reason


def test_totals_and_blank_rows_are_skipped() -> None:
    text = (
        "İşlem Tarihi;Açıklama;Tutar\n"
        "02.01.2024;A;10,00\n"
        ";;\n"
        "\n"
        "03.01.2024;B;-4,00\n"
        ";Toplam;6,00\n"
        "Genel Toplam;;6,00\n"
        "İşlem Tarihi;Açıklama;Tutar\n"
        ";Rapor tarihi: 04.01.2024;\n"
    )
    [statement] = parse(text)
    assert [m.description for m in statement.movements] == ["A", "B"]


def test_carried_balance_rows_are_not_movements() -> None:
    text = (
        "İşlem Tarihi;Açıklama;Tutar;Bakiye\n"
        "01.01.2024;DEVİR BAKİYESİ;;1.000,00\n"
        "02.01.2024;EFT;250,00;1.250,00\n"
    )
    [statement] = parse(text, balance="Bakiye")
    assert [m.description for m in statement.movements] == ["EFT"]
    assert statement.header.opening and statement.header.opening.amount == Decimal("1000.00")


def test_a_row_with_a_date_but_no_amount_is_refused() -> None:
    error = refused("İşlem Tarihi;Açıklama;Tutar\n02.01.2024;A;\n")
    assert (error.line, error.field) == (2, "Tutar")
    assert "no amount" in error.reason


def test_a_row_with_an_amount_but_no_date_is_refused() -> None:
    error = refused("İşlem Tarihi;Açıklama;Tutar\n;EFT GELEN;10,00\n")
    assert (error.line, error.field) == (2, "İşlem Tarihi")
    assert "no date" in error.reason


def test_one_statement_per_account_and_currency() -> None:
    text = (
        "Hesap;İşlem Tarihi;Açıklama;Tutar;Döviz\n"
        "tr33 0006 1005 1978 6457 8413 26;02.01.2024;a;1;TL\n"
        "TR330006100519786457841326;03.01.2024;b;2;TRY\n"
        f"{OTHER};02.01.2024;c;3;EUR\n"
        f"{OTHER};02.01.2024;d;4;\n"
    )
    statements = parse(text, given="", account="Hesap", currency="Döviz")
    assert [(s.header.account, s.header.currency, len(s.movements)) for s in statements] == [
        (ACCOUNT, "TRY", 2),
        (OTHER, "EUR", 1),
        (OTHER, "TRY", 1),
    ]
    assert [s.header.line for s in statements] == [2, 4, 5]


def test_the_account_must_come_from_somewhere() -> None:
    error = refused("İşlem Tarihi;Açıklama;Tutar\n02.01.2024;a;1\n", given="")
    assert "account" in error.reason
    conflict = refused("İşlem Tarihi;Tutar\n", fixed_account=OTHER)
    assert "fixed_account" in conflict.reason
    assert "not a valid IBAN" in refused("İşlem Tarihi;Tutar\n", given="TR00").reason


def test_fixed_account_serves_when_the_caller_gives_none() -> None:
    [statement] = parse(
        "İşlem Tarihi;Açıklama;Tutar\n02.01.2024;;1\n", given="", fixed_account=OTHER
    )
    assert statement.header.account == OTHER


def test_counterparty_columns() -> None:
    text = (
        "İşlem Tarihi;Tutar;Karşı IBAN;Karşı Unvan;VKN;Dekont No;İşlem Kodu\n"
        "02.01.2024;1;tr33 0006 1005 1978 6457 8413 26;ÖRNEK  A.Ş.;1234567890;D-1;EFT\n"
    )
    [statement] = parse(
        text,
        counterparty_iban="Karşı IBAN",
        counterparty_name="Karşı Unvan",
        counterparty_tax_id="VKN",
        reference="Dekont No",
        transaction_code="İşlem Kodu",
        description=(),
    )
    [movement] = statement.movements
    assert movement.counterparty_iban == ACCOUNT
    assert movement.counterparty_name == "ÖRNEK A.Ş."
    assert movement.counterparty_tax_id == "1234567890"
    assert (movement.bank_reference, movement.transaction_code) == ("D-1", "EFT")


@pytest.mark.parametrize(
    ("column", "value"), [("counterparty_iban", "TR12 3456"), ("counterparty_tax_id", "1234567891")]
)
def test_bad_counterparty_cells_are_refused(column: str, value: str) -> None:
    error = refused(
        f"İşlem Tarihi;Tutar;X\n02.01.2024;1;{value}\n", description=(), **{column: "X"}
    )
    assert (error.line, error.field) == (2, "X")
    assert repr(value) in error.reason


def test_formula_text_is_data() -> None:
    text = 'İşlem Tarihi;Açıklama;Tutar\n02.01.2024;"=HYPERLINK(""http://x"",""y"")";1\n'
    [statement] = parse(text)
    assert statement.movements[0].description == '=HYPERLINK("http://x","y")'


def test_a_quoted_field_across_lines() -> None:
    text = 'İşlem Tarihi;Açıklama;Tutar\n02.01.2024;"EFT\nGELEN";1\n03.01.2024;B;2\n'
    [statement] = parse(text)
    first, second = statement.movements
    assert (first.line, first.description, first.raw) == (
        2,
        "EFT GELEN",
        '02.01.2024;"EFT\nGELEN";1',
    )
    assert second.line == 4


def test_an_unterminated_quote_is_refused() -> None:
    error = refused('İşlem Tarihi;Açıklama;Tutar\n02.01.2024;"EFT;1\n03.01.2024;B;2\n')
    assert "CSV" in error.reason and error.line == 2


def test_a_header_row_past_the_end_is_refused() -> None:
    error = refused("İşlem Tarihi;Tutar\n", header_row=3)
    assert "row 3" in error.reason


def test_an_empty_file_body_gives_no_statement() -> None:
    assert parse("İşlem Tarihi;Açıklama;Tutar\n;;\n") == []


def test_details_fill_only_what_the_columns_left_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []

    def extract_details(text: str, *, own_account: str = "") -> SimpleNamespace:
        seen.append((text, own_account))
        return SimpleNamespace(
            counterparty_iban=OTHER,
            counterparty_name="FROM TEXT",
            counterparty_tax_id="10000000146",
            payment_reference="FT-9",
        )

    monkeypatch.setattr(tabular, "_details_finder", lambda: extract_details)
    text = "İşlem Tarihi;Açıklama;Tutar;Ad\n02.01.2024;EFT XYZ;1;COLUMN NAME\n02.01.2024;;2;\n"
    [statement] = parse(text, counterparty_name="Ad")
    filled, bare = statement.movements
    assert seen == [("EFT XYZ", ACCOUNT)]  # no description, nothing to read
    assert (filled.counterparty_name, filled.counterparty_iban) == ("COLUMN NAME", OTHER)
    assert (filled.counterparty_tax_id, filled.payment_reference) == ("10000000146", "FT-9")
    assert bare.counterparty_iban == "" and bare.payment_reference == ""


def test_the_real_details_module_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    finder = tabular._details_finder()
    if finder is None:
        pytest.skip("bank_ingest.domain.details is not part of this build yet")
    text = "İşlem Tarihi;Açıklama;Tutar\n02.01.2024;EFT GÖNDEREN: ÖRNEK A.Ş. VKN 1234567890;1\n"
    [statement] = parse(text)
    [movement] = statement.movements
    assert movement.amount == 1
    assert movement.counterparty_tax_id in ("", "1234567890")  # its rules decide, never garbage
