"""Form Ba/Bs lines and documents of one month, by hand-computed examples, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reconciliation.domain.babs import (
    BabsDocument,
    BabsLine,
    BabsRow,
    BabsSide,
    CounterpartyInfo,
    babs_documents,
    babs_lines,
)

D = Decimal
PARTIES = {
    "320.01": CounterpartyInfo("Öztürk İnşaat", "4540536920"),
    "320.02": CounterpartyInfo("Öztürk İnşaat Şube", "4540536920"),
    "120.05": CounterpartyInfo("Kaya Gıda", ""),
    "120.06": CounterpartyInfo("Ay Tekstil", "1111111111"),
}


def row(
    code: str,
    amount: str,
    document: str,
    *,
    form: str = "BA",
    reverses: str | None = None,
    series: str = "GIB",
    number: str | None = None,
    day: int = 10,
) -> BabsRow:
    return BabsRow(
        code=code,
        form=form,
        document_date=date(2025, 1, day),
        document_no=number or f"{series}{document}",
        series=series,
        base_amount=D(amount),
        system_document_no=f"R{document}{amount}" if reverses else document,
        reverses=reverses,
    )


def test_the_threshold_is_exact() -> None:
    rows = [row("320.01", "4999.99", "1"), row("120.06", "5000.00", "2")]
    assert babs_lines(rows, PARTIES) == [
        BabsLine("120.06", ("120.06",), "Ay Tekstil", "1111111111", BabsSide(1, D(5000)), None),
    ]
    assert [line.key for line in babs_lines(rows, PARTIES, threshold=D("4999.99"))] == [
        "120.06",
        "320.01",
    ]


def test_rows_of_one_document_add_up_and_a_reversal_cancels_it() -> None:
    rows = [
        row("320.01", "3000", "1"),
        row("320.01", "2500.50", "1"),  # a second row of the same invoice
        row("320.01", "6000", "2"),
        row("320.01", "-6000", "9", reverses="2"),  # cancels invoice 2
        row("320.01", "7000", "3"),
        row("320.01", "2000", "8", reverses="3"),  # sign of a reversal doesn't matter: subtracts
    ]
    [line] = babs_lines(rows, PARTIES)
    assert line.ba == BabsSide(2, D("10500.50"))  # 5,500.50 + 0 + 5,000


def test_purchases_and_sales_side_by_side() -> None:
    rows = [
        row("120.05", "9000", "1", form="BS"),
        row("120.05", "1000", "2", form="BA"),  # under the threshold: no BA side
        row("120.06", "2000", "3", form="BS"),
        row("120.06", "3000", "4", form="BS"),
        row("120.06", "5000", "5", form="BA"),
    ]
    assert babs_lines(rows, PARTIES) == [
        BabsLine("120.05", ("120.05",), "Kaya Gıda", "", None, BabsSide(1, D(9000))),
        BabsLine(
            "120.06", ("120.06",), "Ay Tekstil", "1111111111",
            BabsSide(1, D(5000)), BabsSide(2, D(5000)),
        ),
    ]  # fmt: skip


def test_excluded_series_are_left_out() -> None:
    rows = [row("320.01", "4000", "1"), row("320.01", "3000", "2", series="ABC")]
    assert babs_lines(rows, PARTIES)[0].ba == BabsSide(2, D(7000))
    assert babs_lines(rows, PARTIES, excluded_series={"ABC"}) == []
    assert babs_lines(rows, PARTIES, excluded_series={"abc", "XYZ"}) == []


def test_an_excluded_series_takes_the_reversals_of_its_documents_along() -> None:
    """The series is the document's (its own rows' number), not each row's: a reversal numbered in
    another series leaves with the document it reverses."""
    rows = [
        row("320.01", "6000", "1", series="ABC"),
        row("320.01", "6000", "1", reverses="1", series="IPT"),
        row("320.01", "5000", "2"),
    ]
    assert babs_lines(rows, PARTIES)[0].ba == BabsSide(1, D(5000))
    assert babs_lines(rows, PARTIES, excluded_series={"ABC"})[0].ba == BabsSide(1, D(5000))
    documents = babs_documents(rows, {"320.01"}, "BA", excluded_series={"ABC"})
    assert [d.document_key for d in documents] == ["2"]


def test_merging_by_tax_number_adds_the_codes_up() -> None:
    rows = [
        row("320.02", "3000", "1"),
        row("320.01", "2000", "1"),  # same system number, other code: another document
        row("120.05", "6000", "3"),  # empty tax number: keyed by code
        row("999.99", "7000", "4"),  # no counterparty row
    ]
    assert babs_lines(rows, PARTIES) == [
        BabsLine("120.05", ("120.05",), "Kaya Gıda", "", BabsSide(1, D(6000)), None),
        BabsLine("999.99", ("999.99",), None, None, BabsSide(1, D(7000)), None),
    ]
    assert babs_lines(rows, PARTIES, merge_by_tax_id=True) == [
        BabsLine("120.05", ("120.05",), "Kaya Gıda", "", BabsSide(1, D(6000)), None),
        BabsLine(
            "4540536920", ("320.01", "320.02"), "Öztürk İnşaat", "4540536920",
            BabsSide(2, D(5000)), None,
        ),
        BabsLine("999.99", ("999.99",), None, None, BabsSide(1, D(7000)), None),
    ]  # fmt: skip


def test_a_code_that_equals_a_tax_number_keeps_its_own_line() -> None:
    rows = [row("4540536920", "5000", "1"), row("320.01", "5000", "2")]
    lines = babs_lines(rows, PARTIES, merge_by_tax_id=True)
    assert [(line.key, line.codes) for line in lines] == [
        ("4540536920", ("320.01",)),
        ("4540536920", ("4540536920",)),
    ]


def test_a_lone_reversal_in_the_month_counts_as_a_negative_document() -> None:
    rows = [row("320.01", "8000", "1"), row("320.01", "-1000", "9", reverses="0")]
    assert babs_lines(rows, PARTIES)[0].ba == BabsSide(2, D(7000))


def test_the_documents_behind_a_line() -> None:
    rows = [
        row("320.01", "3000", "1", number="GIB001", day=12),
        row("320.01", "500", "1", number="GIB001", day=12),
        row("320.01", "6000", "2", number="GIB002", day=5),
        row("320.01", "-6000", "9", reverses="2", number="IPT009", day=20),
        row("320.01", "-100", "7", reverses="0", number="IPT007", day=3),
        row("320.02", "900", "4", number="GIB004"),
        row("320.01", "800", "5", form="BS"),
    ]
    assert babs_documents(rows, ["320.01", "320.02"], "BA") == [
        BabsDocument("320.01", "BA", "0", "IPT007", date(2025, 1, 3), D(-100), 1, True),
        BabsDocument("320.01", "BA", "2", "GIB002", date(2025, 1, 5), D(0), 2, True),
        BabsDocument("320.01", "BA", "1", "GIB001", date(2025, 1, 12), D(3500), 2, False),
        BabsDocument("320.02", "BA", "4", "GIB004", date(2025, 1, 10), D(900), 1, False),
    ]
    assert babs_documents(rows, ["320.02"], "BA", excluded_series={"GIB"}) == []
