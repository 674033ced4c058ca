"""Every third-party MT940/MT942 fixture parses, or is refused for a reason named here.

Files come byte for byte from public repositories (see tests/fixtures/statements/SOURCES.md).
Where the WoLpH ``mt940`` repository ships its expected result (``.yml``, a dump of mt940 model
objects) the amounts, dates, counts and balances are compared with ours.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import mt940  # noqa: F401 - the .yml dumps name mt940's classes
import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

from bank_ingest.domain.decoding import decode, text_lines
from bank_ingest.domain.mt940 import parse_mt940
from bank_ingest.domain.statement import ParseError, Statement, collect

ROOT = Path(__file__).parents[4] / "tests" / "fixtures" / "statements" / "mt940"

ENCODINGS = {  # as a bank connection's encoding setting would say; the rest are "auto"
    "wolph-mt940/self-provided/raiffeisen-cmi.sta": "cp852",  # Hungarian DOS code page
    "railslove-cmxl/mt940-iso8859-1.txt": "iso-8859-1",
}

# Snippets written to test one tag parser each: single tags, no statement around them.
_LINE_SNIPPETS = (
    "account_balance_credit account_balance_debit account_balance_debit_broken "
    "account_identification_iban account_identification_legacy available_balance "
    "closing_balance entry_date floor_limit_indicator_both floor_limit_indicator_credit "
    "floor_limit_indicator_debit statement_details statement_details_empty_fields "
    "statement_line statement_number statement_ocmt statement_ocmt_chgs "
    "statement_supplementary_complex statement_supplementary_plain vmk_summary_credit "
    "vmk_summary_debit"
)
_WOLPH_SNIPPETS = (
    "betterplace/amount_formats betterplace/currency_in_25 betterplace/empty_86 "
    "betterplace/empty_entry_date betterplace/missing_crlf_at_end cmxl/account_balance_credit "
    "cmxl/account_balance_debit cmxl/account_identification_iban "
    "cmxl/account_identification_legacy cmxl/available_balance cmxl/closing_balance "
    "cmxl/statement_details cmxl/statement_line cmxl/statement_number "
    "self-provided/empty_non_swift self-provided/sparkassen"
)
_ABN_FILES = (
    "abn_sepa_incasso_doorlopend abn_sepa_overboeking abn_sepa_periodieke_overboeking "
    "abn_structured_sepa_acceptgiro abn_structured_sepa_ideal "
    "abn_structured_sepa_overboeking anb_sepa_overboeking_belastingdienst"
)
_SNIPPET = "no MT940 statement found"  # a test snippet of single tags, no :20: statement
REFUSED = {
    **{f"railslove-cmxl/lines/{name}.txt": _SNIPPET for name in _LINE_SNIPPETS.split()},
    "railslove-cmxl/lines/reference.txt": "no account (:25:)",  # a lone :20:
    "railslove-cmxl/statement-details-mt940.txt": _SNIPPET,
    "railslove-cmxl/statement-details-mt942.txt": _SNIPPET,
    "railslove-cmxl/statement-mt940.txt": _SNIPPET,
    **{f"wolph-mt940/{name}.sta": _SNIPPET for name in _WOLPH_SNIPPETS.split()},
    "wolph-mt940/self-provided/invalid_statement.sta": _SNIPPET,  # lines "1" … "10"
    "wolph-mt940/betterplace/empty_line.sta": "no account (:25:)",  # a lone :20:
    "wolph-mt940/cmxl/reference.sta": "no account (:25:)",
    "kingsquare-php-mt940/Rabo/sample2": "no account (:25:)",  # ends in a bare :20:
    # Statements cut off before their closing balance: they cannot be checked.
    "wolph-mt940/self-provided/gv_codes.sta": "without a closing balance",
    "railslove-cmxl/mt940-with-colon-after-line-break.txt": "without a closing balance",
    "zilverline-mt940/knab/knab_invalid.txt": "without a closing balance",  # a new {1: block
    "oca-bank-statement-import/mt940_base/test-sns.940": "without a closing balance",
    "oca-bank-statement-import/mt940_base-11.0/test-sns.940": "without a closing balance",
    # Impossible dates: 30 February, 31 November, month 22.
    "wolph-mt940/self-provided/february_30.sta": "invalid date 160230",
    "wolph-mt940/self-provided/transaction_details_wrapped.sta": "invalid date 160230",
    "wolph-mt940/self-provided/wrapped_timestamp.sta": "invalid date 160230",
    "railslove-cmxl/mt940.txt": "invalid date 021131",
    "railslove-cmxl/mt940-deutsche_bank.txt": "invalid date 021131",
    "railslove-cmxl/mt940-iso8859-1.txt": "invalid date 021131",
    "railslove-cmxl/mt940-headers.txt": "invalid date 362268",
}

# The refused dates repaired: the rest of those files must read (mt940 itself moved 30 Feb to
# the 29th, which is what the .yml results hold).
REPAIRED = {
    "wolph-mt940/self-provided/february_30.sta": ("160230", "160229"),
    "wolph-mt940/self-provided/transaction_details_wrapped.sta": ("160230", "160229"),
    "wolph-mt940/self-provided/wrapped_timestamp.sta": ("160230", "160229"),
    "railslove-cmxl/mt940.txt": ("021131", "021130"),
    "railslove-cmxl/mt940-deutsche_bank.txt": ("021131", "021130"),
    "railslove-cmxl/mt940-iso8859-1.txt": ("021131", "021130"),
}

# Statements (by the line of their :20:) whose opening + movements is not their closing in the
# source file itself; mt940 reads the same amounts. Test files edited by hand, mostly.
BALANCE_MISMATCHES = {
    "elifnazarc-mt940-to-excel/mt940-1.txt": {2},
    "elifnazarc-mt940-to-excel/mt940-npp.txt": {2},
    "kingsquare-php-mt940/Abn/sample2": {4},
    "kingsquare-php-mt940/Hsbc/sample": {1},
    "kingsquare-php-mt940/Ing/sample": {4},
    "kingsquare-php-mt940/Knab/sample": {2},
    "kingsquare-php-mt940/Knab/sample3": {2},
    "kingsquare-php-mt940/Rabo/sample": {2, 17, 22, 32, 39, 44, 49, 60, 75, 80, 85, 103, 120, 128}
    | {148, 153, 158, 192, 197, 202, 207, 212, 217, 235, 250, 255, 260, 278, 293},
    "kingsquare-php-mt940/Rabo/sample3": {2, 30},
    "kingsquare-php-mt940/Rabo/sample4": {2},
    "railslove-cmxl/mt940-abnamro.txt": {4, 34},
    "railslove-cmxl/mt940-with-detailed-end-balance.txt": {1},
    "wolph-mt940/betterplace/sepa_snippet.sta": {25},
    "wolph-mt940/betterplace/sepa_snippet_broken.sta": {1},
    "wolph-mt940/jejik/abnamro.sta": {4, 32},
    "wolph-mt940/jejik/ing.sta": {4},
    "wolph-mt940/jejik/knab.sta": {10},
    "wolph-mt940/jejik/postfinance.sta": {15},
    "wolph-mt940/jejik/rabobank.sta": {2, 19},
    "wolph-mt940/jejik/triodos.sta": {1},
    "wolph-mt940/mBank/with_newline_in_tnr.sta": {2},
    "wolph-mt940/self-provided/details_60-63.sta": {1},
    "wolph-mt940/self-provided/malformed_details.sta": {1},
    "wolph-mt940/self-provided/overly_long_details.sta": {1},
    "wolph-mt940/self-provided/raiffeisen-cmi.sta": {1},
    "wolph-mt940/self-provided/whitespace.sta": {1},
    "wolph-mt940/self-provided/mt942.sta": {1},  # :90D: says 1 debit of 2,30; the :61: is 0,42
    "zilverline-mt940/14aug2014.swi": {2},
    **{f"zilverline-mt940/abn/{name}.txt": {4} for name in _ABN_FILES.split()},
    "zilverline-mt940/abn/abnamro.txt": {4, 32},
    "zilverline-mt940/abn/abnamro_structured.txt": {4, 21},
    "zilverline-mt940/deutsche_bank.txt": {1},
    "zilverline-mt940/import-16-06-2014.txt": {2},
    "zilverline-mt940/ing/eu_incasso_foreign_transaction.txt": {4},
    "zilverline-mt940/ing.txt": {4},
    "zilverline-mt940/ing_structured.txt": {4},
    "zilverline-mt940/knab/knab_pin.txt": {2},
    "zilverline-mt940/rabobank_mt940_structured_multi_line.txt": {2},
    "zilverline-mt940/triodos.txt": {1},
    "zilverline-mt940/triodos_multiline_bug.txt": {1},
    "zilverline-mt940/unknown.txt": {2},
}

# Where our reading differs from the .yml on purpose.
YAML_BALANCES_DIFFER = {
    # :62M:C020315105000,00 has no currency: mt940 reads currency "105" and 0,00; we read
    # 105000,00 in the statement's currency, which is what makes the statement balance.
    "wolph-mt940/self-provided/raphaelm.sta",
}


def fixture_files() -> Iterator[str]:
    for path in sorted(ROOT.rglob("*")):
        licence = path.name.startswith("LICENSE")
        if path.is_file() and not licence and path.suffix not in (".yml", ".md"):
            yield path.relative_to(ROOT).as_posix()


FILES = list(fixture_files())


def read(name: str, replace: tuple[str, str] | None = None) -> list[Statement]:
    data = (ROOT / name).read_bytes()
    if replace:
        data = data.replace(replace[0].encode(), replace[1].encode())
    return collect(parse_mt940(text_lines(io.BytesIO(data), ENCODINGS.get(name, "auto"))))


def test_the_walk_sees_every_fixture() -> None:
    assert len(FILES) == 180
    assert set(REFUSED) <= set(FILES) and set(BALANCE_MISMATCHES) <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_parses_or_is_refused_for_its_reason(name: str) -> None:
    if name in REFUSED:
        with pytest.raises(ParseError) as refused:
            read(name)
        assert REFUSED[name] in refused.value.reason
        if refused.value.reason != _SNIPPET:
            assert refused.value.line is not None and refused.value.line >= 1
        return
    statements = read(name)
    assert statements
    for statement in statements:
        assert statement.header.account and len(statement.header.currency) == 3
        for movement in statement.movements:
            assert movement.currency == statement.header.currency
            assert movement.raw.startswith(":61:") and movement.line >= 1


@pytest.mark.parametrize("name", [n for n in FILES if n not in REFUSED])
def test_balances(name: str) -> None:
    mismatched = set()
    for statement in read(name):
        total = sum((m.amount for m in statement.movements), Decimal(0))
        footer = statement.footer
        if statement.header.format == "mt942":
            debits = -sum((m.amount for m in statement.movements if m.amount < 0), Decimal(0))
            if footer.debit_sum is not None and debits != footer.debit_sum:
                mismatched.add(statement.header.line)
            continue
        assert statement.header.opening and footer.closing
        if statement.header.opening.amount + total != footer.closing.amount:
            mismatched.add(statement.header.line)
    assert mismatched == BALANCE_MISMATCHES.get(name, set())


@pytest.mark.parametrize(("name", "repair"), sorted(REPAIRED.items()))
def test_refused_dates_repaired_parse(name: str, repair: tuple[str, str]) -> None:
    assert read(name, repair)


def _yaml_cases() -> Iterator[tuple[str, str, tuple[str, str] | None]]:
    for yml in sorted(ROOT.rglob("*.yml")):
        for suffix in (".sta", ".txt"):
            name = yml.with_suffix(suffix).relative_to(ROOT).as_posix()
            if name in FILES and (name not in REFUSED or name in REPAIRED):
                yield name, yml.relative_to(ROOT).as_posix(), REPAIRED.get(name)


YAML_CASES = list(_yaml_cases())


def load_yaml(name: str) -> Any:
    logging.getLogger("mt940").setLevel(logging.CRITICAL)
    return yaml.unsafe_load((ROOT / name).read_text(encoding="utf-8"))


def test_yaml_cases_cover_the_parsed_wolph_files() -> None:
    assert len(YAML_CASES) == 29  # 26 parsed files and 3 repaired ones


@pytest.mark.parametrize(("name", "yml", "repair"), YAML_CASES)
def test_matches_mt940_results(name: str, yml: str, repair: tuple[str, str] | None) -> None:
    theirs = load_yaml(yml)
    statements = read(name, repair)
    movements = [m for s in statements for m in s.movements]
    assert len(movements) == len(theirs.transactions)
    for ours, their in zip(movements, theirs.transactions, strict=True):
        data = their.data
        assert ours.value_date == data["date"]
        assert ours.booking_date == (data.get("entry_date") or data["date"])
        # mt940 5 keeps RC (reversal of a credit) positive by default; we sign it as the
        # debit it is, see statement_line's docstring.
        debit = str(data["status"]).upper() in ("D", "RC")
        assert ours.amount == (-abs(data["amount"].amount) if debit else abs(data["amount"].amount))
    if name not in YAML_BALANCES_DIFFER:
        _compare_balances(statements, theirs.data)


def _compare_balances(statements: list[Statement], data: dict[str, Any]) -> None:
    """mt940.parse keeps one balance of each kind (the file's last); it must be one of ours."""
    openings = {
        (s.header.opening.amount, s.header.opening.date) for s in statements if s.header.opening
    }
    closings = {
        (s.footer.closing.amount, s.footer.closing.date) for s in statements if s.footer.closing
    }
    available = {
        (s.footer.available.amount, s.footer.available.date)
        for s in statements
        if s.footer.available
    }
    kinds = {
        "final_opening_balance": openings,
        "intermediate_opening_balance": openings,
        "final_closing_balance": closings,
        "intermediate_closing_balance": closings,
        "available_balance": available,
    }
    for key, ours in kinds.items():
        if key in data:
            assert (data[key].amount.amount, data[key].date) in ours, key
    for key, sum_of in (("sum_debit_entries", "debit"), ("sum_credit_entries", "credit")):
        if key in data:
            footer = statements[-1].footer
            assert getattr(footer, f"{sum_of}_sum") == abs(data[key].amount)
            assert getattr(footer, f"{sum_of}_count") == int(data[key].number)


def test_latin_1_and_cp852_need_their_encoding() -> None:
    (statement,) = read("wolph-mt940/self-provided/raiffeisen-cmi.sta")
    assert any("á" in m.description or "é" in m.description for m in statement.movements)
    iso = decode((ROOT / "railslove-cmxl/mt940-iso8859-1.txt").read_bytes(), "iso-8859-1")
    assert "Ü" in iso
    fixed = read(
        "railslove-cmxl/mt940-iso8859-1.txt", REPAIRED["railslove-cmxl/mt940-iso8859-1.txt"]
    )
    assert any("Ü" in m.description or "ü" in m.description for s in fixed for m in s.movements)


def test_elifnazarc_turkish_sample() -> None:
    (statement,) = read("elifnazarc-mt940-to-excel/mt940-1.txt")
    assert statement.header.account == "0059-00372/666009999"
    assert statement.header.reference == "TRY214002138-99999830-240717"
    (movement,) = statement.movements
    assert movement.customer_reference == "TR450005902140130214002137"
    assert movement.counterparty_iban == "TR450005902140130214002137"
    assert movement.bank_reference == "" and movement.transaction_code == "NDDB"
    assert (
        movement.amount == Decimal("108256.39")
        and movement.description == "- DBS Aktarim - DBS Aktarim"
    )


def test_long_statement_number_and_padded_amounts() -> None:
    (statement,) = read("wolph-mt940/self-provided/long_statement_number.sta")
    assert statement.header.statement_number == "1810118101" and statement.header.page == ""
    assert statement.header.account == "0067-00763/93984487" and statement.header.currency == "TRY"
    assert statement.header.opening and statement.header.opening.amount == 0
