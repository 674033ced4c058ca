"""CAMT rules one at a time, on documents built in code."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from bank_ingest.domain.camt import parse_camt
from bank_ingest.domain.statement import ParsedMovement, ParseError, StatementHeader

from .camt_documents import (
    ACCOUNT,
    OTHER_IBAN,
    VKN,
    balance,
    details,
    document,
    entry,
    parse,
    statement,
    transaction,
)


def movements(*entries: str) -> list[ParsedMovement]:
    [only] = parse(document(statement(*entries)))
    return only.movements


def test_a_statement_with_its_balances_and_header_fields() -> None:
    header = "<GrpHdr><MsgId>M</MsgId><MsgPgntn><PgNb>3</PgNb></MsgPgntn></GrpHdr>"
    balances = (balance("OPBD", "100.00"), balance("CLBD", "80.50"), balance("CLAV", "70"))
    info = "<AddtlStmtInf>Ekstre sonu</AddtlStmtInf>"
    body = statement(entry("19.50", "DBIT"), balances=balances)
    [only] = parse(document(body.replace("</Stmt>", f"{info}</Stmt>"), header=header))
    assert only.header.format == "camt.053"
    assert (only.header.account, only.header.currency) == (ACCOUNT, "TRY")
    assert (only.header.reference, only.header.statement_number, only.header.page) == (
        "S1",
        "7",
        "3",
    )
    assert only.header.opening and only.header.opening.amount == Decimal("100.00")
    assert only.footer.closing and only.footer.closing.amount == Decimal("80.50")
    assert only.footer.available and only.footer.available.amount == Decimal("70")
    assert only.footer.information == "Ekstre sonu"
    [movement] = only.movements
    assert movement.amount == Decimal("-19.50")
    assert (movement.booking_date, movement.value_date) == (date(2024, 3, 1), date(2024, 3, 2))


def test_previous_closing_is_the_opening_when_there_is_no_opbd() -> None:
    [only] = parse(document(statement(balances=(balance("PRCD", "5", indicator="DBIT"),))))
    assert only.header.opening and only.header.opening.amount == Decimal("-5")
    assert only.movements == [] and only.footer.closing is None


def test_without_cdtdbtind_a_balance_and_an_entry_are_credits() -> None:
    body = statement(entry("3.00", indicator=""), balances=(balance("OPBD", "7", indicator=""),))
    [only] = parse(document(body))
    assert only.header.opening and only.header.opening.amount == Decimal("7")
    assert only.movements[0].amount == Decimal("3.00")


@pytest.mark.parametrize(("indicator", "signed"), [("DBIT", "-4.00"), ("CRDT", "4.00")])
def test_a_reversal_keeps_the_direction_the_bank_booked(indicator: str, signed: str) -> None:
    """ISO 20022: the reversal of a credit is booked DBIT with RvslInd=true; no second flip."""
    [movement] = movements(entry("4.00", indicator, extra="<RvslInd>true</RvslInd>"))
    assert movement.amount == Decimal(signed)


@pytest.mark.parametrize("status", ["PDNG", "INFO", "FUTR"])
def test_entries_not_booked_are_skipped(status: str) -> None:
    found = movements(entry("1"), entry("2", status=f"<Sts><Cd>{status}</Cd></Sts>"), entry("3"))
    assert [m.amount for m in found] == [Decimal(1), Decimal(3)]


@pytest.mark.parametrize("status", ["<Sts>BOOK</Sts>", "<Sts><Cd>BOOK</Cd></Sts>", ""])
def test_booked_or_unmarked_entries_are_kept(status: str) -> None:
    assert len(movements(entry(status=status))) == 1


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ParseError, match="'HELD' is not BOOK") as refused:
        parse(document(statement(entry(status="<Sts>HELD</Sts>"))))
    assert refused.value.field == "Stmt[1]/Ntry[1]/Sts"


def test_booking_date_as_date_time_keeps_the_banks_day() -> None:
    booked = "<BookgDt><DtTm>2024-03-31T23:30:00-05:00</DtTm></BookgDt>"
    [movement] = movements(entry(booked=booked, valued=""))
    assert movement.booking_date == movement.value_date == date(2024, 3, 31)


def test_an_undated_entry_is_booked_on_the_closing_balance_date() -> None:
    closing = balance("CLBD", "1", day="2024-03-07")
    [only] = parse(document(statement(entry(booked="", valued=""), balances=(closing,))))
    assert only.movements[0].booking_date == date(2024, 3, 7)


def test_an_entry_with_no_date_anywhere_is_refused() -> None:
    bare = document(
        statement(entry(booked="", valued="")), header="<GrpHdr><MsgId>M</MsgId></GrpHdr>"
    )
    with pytest.raises(ParseError, match="no booking date") as refused:
        parse(bare)
    assert refused.value.field == "Stmt[1]/Ntry[1]"


def test_repeated_ntrydtls_blocks_are_one_movement_with_nobody_agreed_on() -> None:
    first = details(transaction(creditor="A Ltd", creditor_iban=OTHER_IBAN, end_to_end="E-A"))
    second = details(transaction(creditor="B Ltd", end_to_end="E-B", text="second"))
    [movement] = movements(entry("30.00", "DBIT", details=first + second))
    assert movement.amount == Decimal("-30.00")
    assert (movement.counterparty_name, movement.counterparty_iban) == ("", "")
    assert movement.customer_reference == ""
    assert movement.description == "second"


def test_a_batch_whose_transactions_agree_names_the_counterparty() -> None:
    payer = transaction(
        debtor="ÖRNEK A.Ş.", debtor_iban=OTHER_IBAN, end_to_end="E1", text="Fatura 1"
    )
    again = transaction(
        debtor="ÖRNEK A.Ş.", debtor_iban=OTHER_IBAN, end_to_end="E2", text="Fatura 2"
    )
    [movement] = movements(entry("2.00", details=details(payer, again)))
    assert (movement.counterparty_name, movement.counterparty_iban) == ("ÖRNEK A.Ş.", OTHER_IBAN)
    assert movement.description == "Fatura 1 | Fatura 2"
    assert movement.customer_reference == ""


def test_money_in_names_the_debtor_and_money_out_the_creditor() -> None:
    both = details(transaction(debtor="Payer", creditor="Payee", debtor_iban=OTHER_IBAN))
    incoming, outgoing = movements(
        entry("1", "CRDT", details=both), entry("1", "DBIT", details=both)
    )
    assert (incoming.counterparty_name, incoming.counterparty_iban) == ("Payer", OTHER_IBAN)
    assert (outgoing.counterparty_name, outgoing.counterparty_iban) == ("Payee", "")


def test_a_party_holding_our_own_account_is_not_the_counterparty() -> None:
    """A bank that repeats the original parties of a reversed credit lists us as creditor."""
    ours = transaction(debtor="Payer", debtor_iban=OTHER_IBAN, creditor="Us", creditor_iban=ACCOUNT)
    [movement] = movements(
        entry("1", "DBIT", extra="<RvslInd>true</RvslInd>", details=details(ours))
    )
    assert (movement.counterparty_name, movement.counterparty_iban) == ("Payer", OTHER_IBAN)


def test_a_valid_vkn_among_the_party_ids_is_the_tax_id() -> None:
    def tax_id(number: str, scheme: str = "") -> str:
        scheme_name = f"<SchmeNm><Cd>{scheme}</Cd></SchmeNm>" if scheme else ""
        party = f"<Id><OrgId><Othr><Id>{number}</Id>{scheme_name}</Othr></OrgId></Id>"
        tx = transaction(debtor="Payer", party_id=party)
        return movements(entry(details=details(tx)))[0].counterparty_tax_id

    assert tax_id(VKN) == tax_id(VKN, "TXID") == VKN
    assert tax_id("1234567891") == ""  # wrong check digit
    assert tax_id(VKN, "CUST") == ""  # a customer number that happens to fit


def test_references_codes_and_texts() -> None:
    code = "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
    tx = transaction(
        debtor="Payer", end_to_end="E2E-1", text="Fatura", reference="RF18539007547034"
    )
    refs = f"<AcctSvcrRef>BANK-9</AcctSvcrRef>{code}"
    [movement] = movements(entry(extra=refs, details=details(tx)))
    assert (movement.bank_reference, movement.customer_reference) == ("BANK-9", "E2E-1")
    assert movement.transaction_code == "PMNT/RCDT/ESCT"
    assert movement.payment_reference == "RF18539007547034"
    assert movement.description == "Fatura"


def test_proprietary_code_ntryref_and_additional_info_are_the_fallbacks() -> None:
    extra = "<NtryRef>N-1</NtryRef><BkTxCd><Prtry><Cd>ATSISK</Cd></Prtry></BkTxCd>"
    info = "<AddtlNtryInf>EFT GELEN</AddtlNtryInf>"
    tx = transaction(end_to_end="NOTPROVIDED")
    [movement] = movements(
        entry(extra=extra, details=details(tx)).replace("</Ntry>", f"{info}</Ntry>")
    )
    assert (movement.transaction_code, movement.customer_reference) == ("ATSISK", "N-1")
    assert movement.description == "EFT GELEN"


def test_free_text_fills_in_only_what_the_xml_leaves_empty() -> None:
    text = f"GONDEREN ORNEK INSAAT LTD STI IBAN {OTHER_IBAN} VKN {VKN} FATURA NO ABC2024000123"
    unnamed, named = movements(
        entry(details=details(transaction(text=text))),
        entry(details=details(transaction(debtor="Yapı Ltd", text=text))),
    )
    assert (unnamed.counterparty_iban, unnamed.counterparty_tax_id) == (OTHER_IBAN, VKN)
    assert (named.counterparty_name, named.counterparty_iban) == ("Yapı Ltd", "")
    assert named.payment_reference == unnamed.payment_reference != ""


def test_raw_is_the_entry_as_written_and_line_is_where_it_starts() -> None:
    data = document(statement(entry("1"), entry("2", extra="<!-- as is -->")))
    lines = data.decode().splitlines()
    first, second = parse(data)[0].movements
    assert lines[first.line - 1].startswith("<Ntry>") and lines[second.line - 1].startswith(
        "<Ntry>"
    )
    assert second.line == first.line + 1
    assert second.raw == lines[second.line - 1] and "<!-- as is -->" in second.raw


def test_several_statements_for_different_accounts() -> None:
    one = statement(entry("1"), identifier="A")
    two = statement(entry("2", "DBIT"), entry("3"), account=OTHER_IBAN, identifier="B")
    parts = list(parse_camt(io.BytesIO(document(one, two))))
    assert [type(p).__name__ for p in parts] == [
        "StatementHeader", "ParsedMovement", "StatementFooter",
        "StatementHeader", "ParsedMovement", "ParsedMovement", "StatementFooter",
    ]  # fmt: skip
    headers = [p for p in parts if isinstance(p, StatementHeader)]
    assert [(h.account, h.reference) for h in headers] == [(ACCOUNT, "A"), (OTHER_IBAN, "B")]


@pytest.mark.parametrize(
    ("namespace", "form"),
    [
        ("urn:iso:std:iso:20022:tech:xsd:camt.052.001.02", "camt.052"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.10", "camt.054"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.10", "camt.053"),
    ],
)
def test_the_namespace_names_the_format(namespace: str, form: str) -> None:
    body = statement(entry()).replace("<Stmt>", "<Rpt>").replace("</Stmt>", "</Rpt>")
    [only] = parse(document(body, namespace=namespace))
    assert only.header.format == form and len(only.movements) == 1


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.99",
        "",
    ],
)
def test_a_document_of_another_kind_is_refused(namespace: str) -> None:
    with pytest.raises(ParseError, match="not a CAMT.052/053/054 document") as refused:
        parse(document(statement(entry()), namespace=namespace))
    assert refused.value.line == 2


def test_a_document_without_statements_is_refused() -> None:
    with pytest.raises(ParseError, match="holds no statement"):
        parse(document())


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (entry("12,50"), "Stmt[1]/Ntry[2]/Amt", "'12,50' is not a number"),
        (entry(None), "Stmt[1]/Ntry[2]/Amt", r"amount \(Amt\) is missing"),
        (entry("1", "DEBIT"), "Stmt[1]/Ntry[2]/CdtDbtInd", "neither CRDT nor DBIT"),
        (
            entry(booked="<BookgDt><Dt>2024-02-30</Dt></BookgDt>"),
            "Stmt[1]/Ntry[2]/BookgDt/Dt",
            "not a date",
        ),
        (entry(extra="<RvslInd>maybe</RvslInd>"), "Stmt[1]/Ntry[2]/RvslInd", "not true or false"),
    ],
)
def test_a_bad_value_names_its_element_and_line(bad: str, field: str, reason: str) -> None:
    data = document(statement(entry(), bad))
    with pytest.raises(ParseError, match=reason) as refused:
        parse(data)
    assert refused.value.field == field
    assert refused.value.line == data.decode().splitlines().index(bad) + 1


def test_a_bad_balance_is_refused() -> None:
    with pytest.raises(ParseError, match="not a number") as refused:
        parse(document(statement(balances=(balance("OPBD", "1.000,00"),))))
    assert refused.value.field == "Stmt[1]/Bal/Amt"


def test_malformed_xml_is_refused_with_its_line() -> None:
    data = document(statement(entry())).replace(b"</Ntry>", b"</Ntr>")
    with pytest.raises(ParseError, match="malformed XML: mismatched tag") as refused:
        parse(data)
    [broken] = [n for n, line in enumerate(data.decode().splitlines(), 1) if "</Ntr>" in line]
    assert refused.value.line == broken


def test_a_turkish_legacy_encoding_is_read_as_declared() -> None:
    text = "ÖDEME ŞİRKETİ ğüı"
    data = document(statement(entry(details=details(transaction(text=text)))))
    data = data.decode().replace("UTF-8", "ISO-8859-9").encode("iso-8859-9")
    [movement] = parse(data)[0].movements
    assert movement.description == text and text in movement.raw


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_a_byte_order_mark(codec: str) -> None:
    text = "ÖDEME ŞİRKETİ"
    data = document(statement(entry(details=details(transaction(text=text)))))
    data = data.decode().replace("UTF-8", "UTF-16").encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    [movement] = parse(data)[0].movements
    assert movement.description == text
    assert movement.raw.startswith("<Ntry>") and movement.raw.endswith("</Ntry>")


def test_framing_before_the_document_is_tolerated_and_lines_still_count() -> None:
    data = b"\xef\xbb\xbf\x01\r\n\n" + document(statement(entry()))
    [movement] = parse(data)[0].movements
    assert data.decode("utf-8-sig").splitlines()[movement.line - 1].startswith("<Ntry>")
