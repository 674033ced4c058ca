"""Duplicates within an import, and the BA/BS series of a document number."""

from __future__ import annotations

from reconciliation.domain.datasets import MOVEMENT_COLUMNS
from reconciliation.domain.rows import MovementChecker, RowError, series_of

EXAMPLE = {column.header: column.example for column in MOVEMENT_COLUMNS}


def cells(**given: object) -> tuple:
    return tuple({**EXAMPLE, **given}[column.header] for column in MOVEMENT_COLUMNS)


def test_the_same_row_twice_is_dropped_silently_and_counted() -> None:
    checker = MovementChecker()
    good, errors = checker.check([(2, cells()), (3, cells()), (4, cells(KontrolKey="other"))])
    assert ([row for row, _ in good], errors, checker.duplicates_dropped) == ([2, 4], [], 1)


def test_the_same_content_written_differently_is_the_same_row() -> None:
    checker = MovementChecker()
    again = cells(HesapKod=" 120.01.005", BakiyeTarih="2025-01-15", Tutar="1.234,560",
                  YerelTutar=None, CariTip="MÜŞTERİ", TersKayit=0)  # fmt: skip
    good, errors = checker.check([(2, cells()), (3, again)])
    assert ([row for row, _ in good], errors, checker.duplicates_dropped) == ([2], [], 1)


def test_the_same_key_with_other_values_is_an_error_on_the_later_row() -> None:
    checker = MovementChecker()
    good, errors = checker.check([(2, cells()), (3, cells(Tutar=1234.57, YerelTutar=None))])
    assert [row for row, _ in good] == [2]
    assert errors == [
        RowError(3, "KontrolKey", "12001005202557000023461",
                 "is a duplicate of row 2 with different values")
    ]  # fmt: skip
    assert checker.duplicates_dropped == 0


def test_duplicates_are_found_across_blocks() -> None:
    checker = MovementChecker()
    assert checker.check([(2, cells(KontrolKey="A")), (3, cells(KontrolKey="B"))])[1] == []
    good, errors = checker.check([(5004, cells(KontrolKey="B")),
                                  (5005, cells(KontrolKey="A", Aciklama="changed"))])  # fmt: skip
    assert good == []
    assert errors == [RowError(5005, "KontrolKey", "A",
                               "is a duplicate of row 2 with different values")]  # fmt: skip
    assert checker.duplicates_dropped == 1


def test_a_bad_row_does_not_claim_its_key() -> None:
    checker = MovementChecker()
    good, errors = checker.check([(2, cells(Tutar="x")), (3, cells())])
    assert [row for row, _ in good] == [3] and [error.row for error in errors] == [2]


def test_each_checker_is_one_import() -> None:
    assert MovementChecker().check([(2, cells())])[0]
    assert MovementChecker().check([(2, cells())])[0]


def checked(**given: object) -> tuple:
    good, errors = MovementChecker().check([(2, cells(**given))])
    assert errors == []
    return good[0][1]


def test_series_of_document_numbers() -> None:
    assert series_of("GIB2025000000123") == "GIB"
    assert series_of("a-000123") == "A"
    assert series_of("123") == ""
    assert series_of("") == ""
    assert series_of(" ab-c 12x") == "ABC"
    assert series_of("şğ2025") == "ŞĞ"
