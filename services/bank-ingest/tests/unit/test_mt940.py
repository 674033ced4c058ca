"""parse_mt940 on small inline statements: framing, tags, values, details and errors."""

from __future__ import annotations

import io
import itertools
from datetime import date
from decimal import Decimal

import pytest

from bank_ingest.domain.decoding import text_lines
from bank_ingest.domain.mt940 import parse_mt940
from bank_ingest.domain.statement import (
    ParsedMovement,
    ParseError,
    Statement,
    StatementHeader,
    collect,
)

HEAD = ":20:REF1\n:25:TR330006100519786457841326\n:28C:7/2\n:60F:C240101TRY100,00\n"


def parse(text: str, encoding: str = "auto") -> list[Statement]:
    data = text.encode("utf-8") if encoding == "auto" else text.encode(encoding)
    return collect(parse_mt940(text_lines(io.BytesIO(data), encoding)))


def refused(text: str) -> ParseError:
    with pytest.raises(ParseError) as error:
        parse(text)
    return error.value


def one(text: str) -> Statement:
    (statement,) = parse(text)
    return statement


def test_a_plain_statement() -> None:
    statement = one(
        HEAD + ":61:2401020102C50,00NTRFNONREF//B1\n:86:GELEN EFT\n:62F:C240102TRY150,00\n"
    )
    header = statement.header
    assert (header.format, header.account, header.currency) == ("mt940", header.account, "TRY")
    assert (header.reference, header.statement_number, header.page, header.line) == (
        "REF1",
        "7",
        "2",
        1,
    )
    assert header.opening and header.opening.amount == Decimal("100.00")
    assert header.opening.date == date(2024, 1, 1)
    (movement,) = statement.movements
    assert movement.amount == Decimal("50.00") and movement.currency == "TRY"
    assert (movement.value_date, movement.booking_date) == (date(2024, 1, 2), date(2024, 1, 2))
    assert (movement.customer_reference, movement.bank_reference) == ("NONREF", "B1")
    assert movement.transaction_code == "NTRF" and movement.line == 5
    assert movement.raw == ":61:2401020102C50,00NTRFNONREF//B1\n:86:GELEN EFT"
    assert statement.footer.closing and statement.footer.closing.amount == Decimal("150.00")


@pytest.mark.parametrize(
    ("mark", "amount"),
    [("C", "5.00"), ("D", "-5.00"), ("RC", "-5.00"), ("RD", "5.00"), ("d", "-5.00")],
)
def test_marks_and_reversals(mark: str, amount: str) -> None:
    statement = one(HEAD + f":61:240102{mark}5,00NTRFNONREF\n:62F:C240102TRY0,\n")
    assert statement.movements[0].amount == Decimal(amount)


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("380115,", "380115"),
        (",1", "0.1"),
        ("00,12", "0.12"),
        ("0000000000000000,00", "0"),
        ("000000002145.00", "2145.00"),
    ],
)
def test_amount_formats(written: str, amount: str) -> None:
    statement = one(
        f":20:X\n:25:1\n:60F:C240101EUR{written}\n:61:240102C{written}NTRFNONREF\n"
        f":62F:D240102EUR{written}\n"
    )
    assert statement.header.opening and statement.header.opening.amount == Decimal(amount)
    assert statement.movements[0].amount == Decimal(amount)
    assert statement.footer.closing and statement.footer.closing.amount == -Decimal(amount)


def test_entry_date_across_the_year_boundary() -> None:
    lines = ":61:2312310102C1,NTRFNONREF\n:61:2401021229D1,NTRFNONREF\n"
    first, second = one(HEAD + lines + ":62F:C240102TRY100,\n").movements
    assert (first.value_date, first.booking_date) == (date(2023, 12, 31), date(2024, 1, 2))
    assert (second.value_date, second.booking_date) == (date(2024, 1, 2), date(2023, 12, 29))


def test_blank_entry_date_means_the_value_date() -> None:
    (movement,) = one(HEAD + ":61:240102    C1,NTRFNONREF\n:62F:C240102TRY101,\n").movements
    assert movement.booking_date == date(2024, 1, 2)


def test_several_messages_statements_and_accounts() -> None:
    text = (
        "{1:F01TGBATRISAXXX0000000000}\n{2:O9401200240102TGBATRISAXXXN}\n{3:{108:A}}{4:\n"
        ":20:A\n:25:ACC-1\n:28C:1\n:60F:C240101TRY1,\n:62F:C240101TRY1,\n-}{5:{CHK:1}}\n"
        "{1:F01X}{2:I940XN}{4::20:B\n:25:ACC-2 USD\n:28:2\n:60F:D240101USD3,\n"
        ":61:240102D2,NMSCNONREF\n:62F:D240102USD5,\n:20:C\n:25:ACC-2\n:60F:D240102USD5,\n"
        ":62F:D240102USD5,\n-}\n"
    )
    first, second, third = parse(text)
    assert [s.header.account for s in (first, second, third)] == ["ACC-1", "ACC-2", "ACC-2"]
    assert [s.header.currency for s in (first, second, third)] == ["TRY", "USD", "USD"]
    assert [s.header.reference for s in (first, second, third)] == ["A", "B", "C"]
    assert [s.header.line for s in (first, second, third)] == [4, 10, 16]
    assert second.movements[0].amount == Decimal(-2) and second.header.statement_number == "2"


def test_preambles_crlf_blank_lines_and_control_bytes() -> None:
    text = "BUNQNL2A\r\n940\r\nBUNQNL2A\r\n:940:\r\n\r\n" + HEAD.replace("\n", "\r\n")
    text += "\r\n:61:240102C1,NTRFNONREF\r\n\r\n:86:X\r\n\x03:62F:C240102TRY101,00\r\n-\x03"
    statement = one("\x01" + text)
    assert statement.movements[0].description == "X"
    assert statement.footer.closing and statement.footer.closing.amount == Decimal("101.00")


def test_continuation_lines_that_look_like_tags_stay_text() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n:86:BETAALD 2017 00\n:00:00/ SNACKBAR\n"
    text += ":62F:C240102TRY101,\n"
    assert one(text).movements[0].description == "BETAALD 2017 00 :00:00/ SNACKBAR"


def test_unknown_tags_are_ignored() -> None:
    text = HEAD + ":23:WHATEVER\nMORE\n:61:240102C1,NTRFNONREF\n:21:RELATED\n:86:TEXT\n"
    statement = one(text + ":62F:C240102TRY101,\n")
    assert statement.movements[0].description == "TEXT"


def test_non_swift_tags_are_kept_as_text() -> None:
    text = ":20:X\n:25:1\n:28:00046\n:NS:22JOHN DOE\n23Konto\n:60F:C171011HUF10,\n"
    text += ":61:1710111011DF2,S   X\n:NS:01526715\n15ERGO Versicherung\n:62F:C171011HUF8,\n"
    statement = one(text)
    assert statement.header.statement_number == "00046"
    assert statement.movements[0].description == "01526715 15ERGO Versicherung"
    assert statement.footer.information == "22JOHN DOE 23Konto"


def test_statement_level_information() -> None:
    text = HEAD + ":86:BEFORE ANY MOVEMENT\n:61:240102C1,NTRFNONREF\n:86:MINE\n"
    text += ":62F:C240102TRY101,\n:64:C240102TRY99,\n:86:/SUM/1/0/1,00/\n"
    statement = one(text)
    assert statement.movements[0].description == "MINE"
    assert statement.footer.information == "BEFORE ANY MOVEMENT\n/SUM/1/0/1,00/"
    assert statement.footer.available and statement.footer.available.amount == Decimal(99)


def test_two_details_for_one_movement() -> None:
    text = HEAD + ":61:240102C1,NMSCNONREF\n:86:Demo gebruiker\n:86:Spaarpot\n"
    assert one(text + ":62F:C240102TRY101,\n").movements[0].description == "Demo gebruiker Spaarpot"


def test_65_column_breaks_join_without_a_space() -> None:
    first = "GELEN EFT ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ. IBAN TR09000460000"
    assert len(first) == 65
    text = HEAD + f":61:240102C1,NTRFNONREF\n:86:{first}\n0000012345678 VKN:1234567890\n"
    (movement,) = one(text + ":62F:C240102TRY101,\n").movements
    assert movement.description.endswith("IBAN TR090004600000000012345678 VKN:1234567890")
    assert movement.counterparty_iban == "TR090004600000000012345678"
    assert movement.counterparty_tax_id == "1234567890"
    assert movement.counterparty_name == "ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ."
    assert movement.raw.splitlines()[1:] == [f":86:{first}", "0000012345678 VKN:1234567890"]


def test_short_and_space_padded_lines_join_with_a_space() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n:86:EUROPESE INCASSO" + " " * 49 + "\nDOOR X\n"
    assert one(text + ":62F:C240102TRY101,\n").movements[0].description == "EUROPESE INCASSO DOOR X"


def test_german_gvc_subfields() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n:86:166?00GUTSCHRIFT?20EREF+E2E-1?21SVWZ+Rechnung 4\n"
    text += "711?31DE89370400440532013000?32MUELLER GM?33BH?30COBADEFF\n:62F:C240102TRY101,\n"
    (movement,) = one(text).movements
    assert movement.description == "EREF+E2E-1SVWZ+Rechnung 4711"
    assert movement.counterparty_iban == "DE89370400440532013000"
    assert movement.counterparty_name == "MUELLER GMBH" and movement.payment_reference == "E2E-1"


def test_dutch_structured_details() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n:86:/EREF/7293-201801001//CNTP/NL21RABO0999999999/RAB"
    text += "ONL2U/G-AAAAA N.V./WESTBEEK//REMI/USTD//Factuur 201801001/\n:62F:C240102TRY101,\n"
    (movement,) = one(text).movements
    assert movement.description == "Factuur 201801001"
    assert movement.counterparty_name == "G-AAAAA N.V."
    assert movement.payment_reference == "7293-201801001"
    assert movement.counterparty_iban == ""  # NL21RABO0999999999 fails its checksum


def test_iban_in_the_statement_line_reference() -> None:
    text = HEAD + ":61:2401020102CY108,39NDDBTR450005902140130214002137//\n:86: - DBS\n"
    (movement,) = one(text + ":62F:C240102TRY208,39\n").movements
    assert movement.customer_reference == "TR450005902140130214002137"
    assert movement.counterparty_iban == "TR450005902140130214002137"


def test_supplementary_details_line() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\nNL66RABO0160878799\n:62F:C240102TRY101,\n"
    (movement,) = one(text).movements
    assert movement.raw == ":61:240102C1,NTRFNONREF\nNL66RABO0160878799"


def test_own_account_is_not_the_counterparty() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n:86:VIRMAN TR330006100519786457841326\n"
    assert one(text + ":62F:C240102TRY101,\n").movements[0].counterparty_iban == ""


def test_currency_after_the_account() -> None:
    statement = one(":20:X\n:25:NL34RABO0142623393 EUR\n:60F:C240101EUR1,\n:62F:C240101EUR1,\n")
    assert statement.header.account == "NL34RABO0142623393"


def test_a_dash_line_inside_details_is_text_and_a_trailer_outside() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n:86:/EREF/EV123//MARF/MND\n-\nEV01//REMI/X\n"
    text += ":62F:C240102TRY101,\n-\nABNANL2A\n" + HEAD + ":62F:C240101TRY100,\n"
    first, second = parse(text)
    assert "MND-EV01" in first.movements[0].raw.replace("\n", "")
    assert second.header.line == 12


def test_mt942() -> None:
    text = ":20:X\n:25:PL29\n:28C:1/1\n:34F:PLN0\n:13D:1701191815+0100\n"
    text += ":61:1701190119CN0,01NTRFNONREF//MB1\n911-TRANSAKCJA IPH\n:86:911 TRANSAKCJA\n"
    text += ":61:1701190119DN0,03NTRFNONREF//MB2\n:90D:1PLN0,03\n:90C:1PLN0,01\n-"
    statement = one(text)
    assert statement.header.format == "mt942" and statement.header.opening is None
    assert statement.header.currency == "PLN" and len(statement.movements) == 2
    footer = statement.footer
    assert (footer.debit_sum, footer.debit_count) == (Decimal("0.03"), 1)
    assert (footer.credit_sum, footer.credit_count) == (Decimal("0.01"), 1)
    assert footer.closing is None


def test_mt942_from_the_message_type_or_its_tags() -> None:
    sums_only = "{1:F01X}{2:O942X}{4:\n:20:X\n:25:1\n:90C:0EUR0,\n-}"
    statement = one(sums_only)
    assert statement.header.format == "mt942" and statement.header.currency == "EUR"
    assert one(sums_only.replace("O942", "O940")).header.format == "mt942"  # only sums
    floor = "{1:F01X}{2:O940X}{4:\n:20:X\n:25:1\n:34F:EUR0,\n:61:240102C1,NTRFNONREF\n-}"
    assert one(floor).header.format == "mt942"
    with pytest.raises(ParseError, match="no opening balance"):
        parse(floor.replace(":34F:EUR0,\n", ""))


@pytest.mark.parametrize(
    ("text", "reason", "line", "tag"),
    [
        (HEAD + ":61:1602300301DR6,00N024NONREF\n", "invalid date 160230", 5, ":61:"),
        (HEAD + ":61:2401021301C6,00NTRFNONREF\n", "invalid entry date 1301", 5, ":61:"),
        (HEAD + ":61:240102X6,00NTRFNONREF\n", "invalid statement line", 5, ":61:"),
        (HEAD + ":61:\n", "invalid statement line", 5, ":61:"),
        (HEAD + ":61:240102C6,0,0NTRFNONREF\n", "invalid amount", 5, ":61:"),
        (HEAD + ":62F:C240102TRY1,2,3\n", "invalid amount", 5, ":62F:"),
        (HEAD + ":62F:C240102TRY12,00 EUR\n", "unexpected text", 5, ":62F:"),
        (HEAD + ":62F:C240102EUR100,00\n", "closing balance in EUR", 5, ":62F:"),
        (HEAD.replace("C240101TRY", "C240101"), "invalid currency", 4, ":60F:"),
        (HEAD, "without a closing balance", 1, ":62F:"),
        (":20:X\n:60F:C240101TRY1,\n:62F:C240101TRY1,\n", "no account", 1, ":25:"),
        (":20:X\n:25:1\n:61:240102C1,NTRFNONREF\n", "no opening balance", 1, ":60F:"),
        (HEAD + ":60F:C240101TRY100,00\n", "second opening balance", 5, ":60F:"),
        (HEAD + ":62F:C240101TRY100,\n:61:240102C1,NTRFNONREF\n", "after the closing", 6, ":61:"),
        (HEAD.replace(":28C:7/2", ":28C:7/B"), "invalid statement number", 3, ":28C:"),
        (":25:1\n" + HEAD + ":62F:C240101TRY100,\n", "outside a statement", 1, ":25:"),
        (HEAD + ":62F:C240101TRY100,\n-}\n:62F:C240101TRY100,\n", "outside", 7, ":62F:"),
        ("{1:F01X}{2:I940X}{4:\n" + HEAD + "{1:F01X}{2:I940X}{4:\n", "closing", 2, ":62F:"),
    ],
)
def test_refusals_name_the_line_and_tag(text: str, reason: str, line: int, tag: str) -> None:
    error = refused(text)
    assert reason in error.reason
    assert (error.line, error.field) == (line, tag)
    assert f"line {line}" in str(error)


@pytest.mark.parametrize("text", ["", "hello\nworld\n", ":60F:C240101TRY1,\n", ":NS:\n", "-}"])
def test_no_statement_at_all(text: str) -> None:
    error = refused(text)
    assert error.reason == "no MT940 statement found" and error.line is None


def test_streams_header_first_and_footer_last() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n" * 3 + ":62F:C240102TRY103,\n"
    parts = list(parse_mt940(text.splitlines()))
    assert isinstance(parts[0], StatementHeader) and len(parts) == 5


def test_parts_come_before_a_later_error() -> None:
    text = HEAD + ":61:240102C1,NTRFNONREF\n:61:240102C1,NTRFNONREF\n:61:991399C1,NTRFNONREF\n"
    parts = parse_mt940(text.splitlines())
    assert isinstance(next(parts), StatementHeader)
    next(parts)
    with pytest.raises(ParseError, match="invalid date 991399"):
        next(parts)


def test_free_text_search_can_be_skipped() -> None:
    text = HEAD + ":61:240102C1,NTRFTR090004600000000012345678//B\n:86:GELEN EFT AHMET YILMAZ\n"
    text += ":61:240102C1,NTRFNONREF\n:86:166?00X?20Y?31DE89370400440532013000?32MUELLER\n"
    text += ":62F:C240102TRY102,\n"
    full = one(text).movements
    assert (full[0].counterparty_name, full[0].counterparty_iban[:4]) == ("AHMET YILMAZ", "TR09")
    (statement,) = collect(parse_mt940(text.splitlines(), details=False))
    first, second = statement.movements
    assert first.description == "GELEN EFT AHMET YILMAZ"
    assert (first.counterparty_name, first.counterparty_iban) == ("", "")
    assert second.counterparty_iban == "DE89370400440532013000"  # structured: always read


def test_streams_an_endless_statement() -> None:
    movement = [":61:240102C1,NTRFNONREF", ":86:GELEN EFT AHMET YILMAZ"]
    endless = itertools.chain(HEAD.splitlines(), itertools.cycle(movement))
    parts = parse_mt940(endless)
    assert isinstance(next(parts), StatementHeader)
    for _ in range(1000):
        part = next(parts)
        assert isinstance(part, ParsedMovement) and part.counterparty_name == "AHMET YILMAZ"
