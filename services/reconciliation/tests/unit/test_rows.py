"""Movement rows (Hesap Hareketleri): each rule of the template, good and bad, with its reason."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from reconciliation.domain.datasets import MOVEMENT_COLUMNS, MOVEMENT_FIELDS
from reconciliation.domain.rows import MovementChecker, RowError

EXAMPLE = {column.header: column.example for column in MOVEMENT_COLUMNS}


def cells(**given: object) -> tuple:
    """The template's example row with some cells replaced (by header)."""
    unknown = given.keys() - EXAMPLE.keys()
    assert not unknown, unknown
    return tuple({**EXAMPLE, **given}[column.header] for column in MOVEMENT_COLUMNS)


def checked(**given: object) -> dict[str, object]:
    """The example row, changed, checked: its fields by name (the row must be good)."""
    good, errors = MovementChecker().check([(2, cells(**given))])
    assert errors == []
    [(row, values)] = good
    assert row == 2
    return dict(zip(MOVEMENT_FIELDS, values, strict=True))


def errors_of(**given: object) -> list[tuple[str | None, object, str]]:
    """The example row, changed, refused: (column, value, reason) of each problem."""
    good, errors = MovementChecker().check([(7, cells(**given))])
    assert good == []
    assert {error.row for error in errors} == {7}
    return [(error.column, error.value, error.reason) for error in errors]


def test_the_templates_example_row_is_good() -> None:
    row = checked()
    assert row == {
        "control_key": "12001005202557000023461",
        "code": "120.01.005",
        "kind": "customer",
        "balance_date": date(2025, 1, 15),
        "document_date": date(2025, 1, 15),
        "record_date": date(2025, 1, 15),
        "entry_date": date(2025, 1, 16),
        "document_no": "GIB2025000000123",
        "description": "Ocak satış faturası",
        "amount": Decimal("1234.56"),
        "local_amount": Decimal("1234.56"),
        "currency": "TRY",
        "odk": "Genel",
        "system_document_no": "57000023461",
        "reverses": None,
        "movement_type": 14,
    }
    assert type(row["amount"]) is Decimal and str(row["amount"]) == "1234.56"


@pytest.mark.parametrize("header", [c.header for c in MOVEMENT_COLUMNS if c.required])
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_required_cells_are_required(header: str, empty: object) -> None:
    assert (header, empty, "is required") in errors_of(**{header: empty})


def test_optional_cells_may_be_empty() -> None:
    row = checked(CariTip=None, BakiyeTarih=None, KayitTarih=" ", GirisTarih=None, EvrakNo=None,
                  Aciklama="", YerelTutar=None, Odk=None, TersKayit=None)  # fmt: skip
    assert (row["kind"], row["entry_date"], row["document_no"], row["description"]) == (
        None, None, "", "")  # fmt: skip
    assert row["balance_date"] == row["record_date"] == row["document_date"] == date(2025, 1, 15)
    assert (row["odk"], row["reverses"], row["local_amount"]) == ("Genel", None, Decimal("1234.56"))


def test_text_is_stripped() -> None:
    row = checked(HesapKod="  120.01.005 ", EvrakNo=" A-1 ", Aciklama="\tOcak\n", Odk=" Özel ",
                  SistemEvrakNo=" 57 ", KontrolKey=" K1 ")  # fmt: skip
    assert (row["code"], row["document_no"], row["description"]) == ("120.01.005", "A-1", "Ocak")
    assert (row["odk"], row["system_document_no"], row["control_key"]) == ("Özel", "57", "K1")


@pytest.mark.parametrize(
    ("header", "limit"),
    [("HesapKod", 50), ("EvrakNo", 100), ("Aciklama", 1000), ("Odk", 50), ("SistemEvrakNo", 100),
     ("TersKayit", 100), ("KontrolKey", 100)],
)  # fmt: skip
def test_text_lengths(header: str, limit: int) -> None:
    assert checked(**{header: "x" * limit})
    [(column, value, reason)] = errors_of(**{header: "x" * (limit + 1)})
    assert (column, reason) == (header, f"is longer than {limit} characters")
    assert len(value) == min(limit + 1, 200)  # type: ignore[arg-type]


def test_long_values_are_cut_in_the_report() -> None:
    [(_, value, _)] = errors_of(Aciklama="ab" * 600)
    assert value == ("ab" * 100)[:199] + "…"


def test_codes_typed_as_numbers_are_their_digits() -> None:
    row = checked(HesapKod=120.0, EvrakNo=123, SistemEvrakNo=57000023461.0, KontrolKey=10**22)
    assert (row["code"], row["document_no"]) == ("120", "123")
    assert (row["system_document_no"], row["control_key"]) == ("57000023461", "1" + "0" * 22)


def test_a_long_number_that_lost_digits_is_refused() -> None:
    lost = "was stored as a number and lost digits; format the column as text (the template does)"
    assert errors_of(KontrolKey=54002204201657000023461.0) == [
        ("KontrolKey", 5.4002204201657e22, lost)
    ]
    assert errors_of(SistemEvrakNo=1e15) == [("SistemEvrakNo", 1e15, lost)]
    assert checked(SistemEvrakNo=999999999999999.0)["system_document_no"] == "999999999999999"


def test_text_cells_refuse_bools_dates_and_nul() -> None:
    assert errors_of(EvrakNo=True) == [("EvrakNo", True, "must be text")]
    as_date = "was stored as a date; format the column as text (the template does)"
    assert errors_of(EvrakNo=datetime(2025, 1, 2)) == [("EvrakNo", "02.01.2025", as_date)]
    nul = "contains the NUL character (\\x00), which can't be stored"
    assert errors_of(Aciklama="a\x00b") == [("Aciklama", "a\x00b", nul)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("31.12.2025", date(2025, 12, 31)), ("1.2.2025", date(2025, 2, 1)),
     ("2025-02-01", date(2025, 2, 1)), (" 29.02.2024 ", date(2024, 2, 29)),
     (date(2025, 3, 4), date(2025, 3, 4)), (datetime(2025, 3, 4, 17, 30), date(2025, 3, 4)),
     ("01.01.1900", date(1900, 1, 1)), ("31.12.2100", date(2100, 12, 31))],
)  # fmt: skip
def test_dates(given: object, expected: date) -> None:
    assert checked(BelgeTarih=given)["document_date"] == expected


@pytest.mark.parametrize(
    "given",
    ["30.02.2025", "29.02.2025", "31.12.1899", "01.01.2101", "2025-2-1", "12/31/2025", "31.12.25",
     "15.01.2025 10:00", 45672, 45672.0, True, datetime(1899, 12, 31), date(2101, 1, 1)],
)  # fmt: skip
def test_bad_dates(given: object) -> None:
    [(column, _, reason)] = errors_of(BakiyeTarih=given)
    assert (column, reason) == ("BakiyeTarih", "must be a date like 31.12.2025")


def test_bad_dates_are_shown_as_written() -> None:
    assert errors_of(GirisTarih=datetime(1899, 12, 31)) == [
        ("GirisTarih", "31.12.1899", "must be a date like 31.12.2025")
    ]


def test_balance_and_record_dates_default_to_the_document_date() -> None:
    row = checked(BakiyeTarih=None, BelgeTarih="05.03.2025", KayitTarih=None)
    assert row["balance_date"] == row["record_date"] == date(2025, 3, 5)
    row = checked(BakiyeTarih="06.03.2025", BelgeTarih="05.03.2025", KayitTarih="07.03.2025")
    assert (row["balance_date"], row["record_date"]) == (date(2025, 3, 6), date(2025, 3, 7))


@pytest.mark.parametrize(("given", "code"), [("TRY", "TRY"), ("usd", "USD"), (" Eur ", "EUR"),
                                              ("TL", "TRY"), ("ytl", "TRY"), ("XAU", "XAU")])  # fmt: skip
def test_currencies(given: str, code: str) -> None:
    local = None if code == "TRY" else 50000
    assert checked(ParaBirimi=given, YerelTutar=local)["currency"] == code


@pytest.mark.parametrize("given", ["XYZ", "US", "DOLAR", "XXX", 840])
def test_unknown_currencies(given: object) -> None:
    assert ("ParaBirimi", given, "is not an ISO 4217 currency code") in errors_of(ParaBirimi=given)


@pytest.mark.parametrize(("given", "kind"), [("Musteri", "customer"), ("SATICI", "supplier"),
                                             ("Müşteri", "customer"), ("supplier", "supplier")])  # fmt: skip
def test_cari_tip(given: str, kind: str) -> None:
    assert checked(CariTip=given)["kind"] == kind


def test_bad_cari_tip() -> None:
    assert errors_of(CariTip="Bayi") == [
        ("CariTip", "Bayi", "must be customer or supplier (Musteri or Satici)")
    ]


@pytest.mark.parametrize(("given", "expected"), [(12, 12), (13.0, 13), ("14", 14), (" 12 ", 12)])
def test_movement_types(given: object, expected: int) -> None:
    assert checked(HareketTipi=given)["movement_type"] == expected


@pytest.mark.parametrize("given", [11, 15, 14.5, "normal", True, "14.0"])
def test_bad_movement_types(given: object) -> None:
    reason = "must be 12 (opening by document date), 13 (opening by record date) or 14 (normal)"
    assert errors_of(HareketTipi=given) == [("HareketTipi", given, reason)]


@pytest.mark.parametrize(("given", "expected"), [(None, None), ("0", None), (" 0 ", None),
                                                 (0, None), ("57000000001", "57000000001"),
                                                 (57000000001, "57000000001")])  # fmt: skip
def test_reversals(given: object, expected: str | None) -> None:
    assert checked(TersKayit=given)["reverses"] == expected


def test_a_row_cant_reverse_itself() -> None:
    assert errors_of(SistemEvrakNo="57", TersKayit=" 57") == [
        ("TersKayit", " 57", "is the row's own SistemEvrakNo: a row can't reverse itself")
    ]


@pytest.mark.parametrize(
    "description",
    ["Kapanış fişi", "KAPANIŞ KAYDI 2024", "dönem sonu kapanış", "Donem Sonu Kapanis Fisi",
     "kapanis", " Kapanış. ", "2024 yılı kapanış kaydı", "Yıl sonu kapanış"],
)  # fmt: skip
def test_closing_entries_are_refused(description: str) -> None:
    reason = (
        "is a closing entry (kapanış kaydı); leave closing entries out, "
        "Mutabık computes balances itself"
    )
    assert errors_of(Aciklama=description) == [("Aciklama", description, reason)]


@pytest.mark.parametrize(
    "description", ["Kapanış saatinden sonra tahsilat", "Hesap kapanışı ücreti", "Kapan Ltd."]
)
def test_descriptions_that_merely_mention_closing_are_good(description: str) -> None:
    assert checked(Aciklama=description)["description"] == description


def test_many_problems_of_one_row_are_all_reported_in_column_order() -> None:
    problems = errors_of(HesapKod=None, BelgeTarih="30.02.2025", Tutar="abc", ParaBirimi="XYZ",
                         HareketTipi=99, KontrolKey=None, Aciklama="Kapanış fişi")  # fmt: skip
    assert [column for column, _, _ in problems] == [
        "HesapKod", "BelgeTarih", "Aciklama", "Tutar", "ParaBirimi", "HareketTipi", "KontrolKey"
    ]  # fmt: skip


def test_errors_carry_row_numbers_and_good_rows_pass_beside_bad_ones() -> None:
    block = [(10, cells(KontrolKey="A")), (11, cells(KontrolKey="B", Tutar="x")),
             (12, cells(KontrolKey="C")), (13, cells(KontrolKey="D", HesapKod=""))]  # fmt: skip
    good, errors = MovementChecker().check(block)
    assert [row for row, _ in good] == [10, 12]
    assert errors == [
        RowError(11, "Tutar", "x", "must be a number like 1234.56 or 1.234,56"),
        RowError(13, "HesapKod", "", "is required"),
    ]


def test_an_empty_block() -> None:
    assert MovementChecker().check([]) == ([], [])


def test_a_row_of_the_wrong_width_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="16 cells"):
        MovementChecker().check([(2, cells()[:-1])])
