"""Amounts of movement rows: numbers and text to exact Decimals, and Tutar against YerelTutar."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reconciliation.domain.amounts import decimals, parse_amount
from reconciliation.domain.datasets import MOVEMENT_COLUMNS, MOVEMENT_FIELDS
from reconciliation.domain.rows import MovementChecker

EXAMPLE = {column.header: column.example for column in MOVEMENT_COLUMNS}
NOT_AN_AMOUNT = "must be a number like 1234.56 or 1.234,56"


def cells(**given: object) -> tuple:
    return tuple({**EXAMPLE, **given}[column.header] for column in MOVEMENT_COLUMNS)


def amounts(**given: object) -> tuple[Decimal, Decimal]:
    """Tutar and YerelTutar of the example row, changed, checked."""
    good, errors = MovementChecker().check([(2, cells(**given))])
    assert errors == []
    row = dict(zip(MOVEMENT_FIELDS, good[0][1], strict=True))
    return row["amount"], row["local_amount"]  # type: ignore[return-value]


def errors_of(**given: object) -> list[tuple[str | None, object, str]]:
    good, errors = MovementChecker().check([(2, cells(**given))])
    assert good == []
    return [(error.column, error.value, error.reason) for error in errors]


@pytest.mark.parametrize(
    ("given", "expected"),
    [(1234.56, "1234.56"), (-1234.56, "-1234.56"), (0.1 + 0.2, "0.3"), (1500, "1500"),
     (1500.0, "1500"), (-0.0005, "-0.0005"), (1e17, "100000000000000000"), (12.3456, "12.3456"),
     ("1234.56", "1234.56"), ("-1234.56", "-1234.56"), ("+5", "5"), ("1.234,56", "1234.56"),
     ("-1.234,56", "-1234.56"), ("1234,5", "1234.5"), ("1.234.567", "1234567"), ("1.5", "1.5"),
     ("1.23450", "1.2345"), ("1234.00", "1234"), ("-0,00", "0"), (" 7 ", "7"),
     (Decimal("1.2300"), "1.23"), (Decimal("1E+3"), "1000"), (10**17, "100000000000000000")],
)  # fmt: skip
def test_amounts_are_exact_decimals_in_one_form(given: object, expected: str) -> None:
    amount = parse_amount(given)
    assert type(amount) is Decimal and str(amount) == expected


def test_floats_keep_the_digits_excel_shows() -> None:
    assert parse_amount(1234.56) == Decimal("1234.56")  # not 1234.5599999999999454...
    assert parse_amount(0.1 + 0.2) == Decimal("0.3")  # binary noise past Excel's 15 digits


@pytest.mark.parametrize(
    ("given", "reason"),
    [("12.34567", "has more than 4 decimals"), (1.23456, "has more than 4 decimals"),
     (0.00001, "has more than 4 decimals"), ("1,23456", "has more than 4 decimals"),
     ("1.234,5.6", NOT_AN_AMOUNT), ("1,234.56", NOT_AN_AMOUNT), ("12a", NOT_AN_AMOUNT),
     ("1 234", NOT_AN_AMOUNT), ("1e5", NOT_AN_AMOUNT), ("₺5", NOT_AN_AMOUNT), (True, NOT_AN_AMOUNT),
     (float("nan"), NOT_AN_AMOUNT), (float("inf"), NOT_AN_AMOUNT), ("1.23.45", NOT_AN_AMOUNT),
     (1e18, "is too large: at most 18 digits before the decimal point"),
     ("1" + "0" * 18, "is too large: at most 18 digits before the decimal point")],
)  # fmt: skip
def test_bad_amounts(given: object, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_amount(given)
    assert str(refused.value) == reason
    [(column, _, said)] = errors_of(Tutar=given, YerelTutar=None)
    assert (column, said) == ("Tutar", reason)


def test_a_column_of_numbers_is_converted_as_one_cell_at_a_time_would_be() -> None:
    numbers = [1234.56, -1234.56, 1500, 1500.0, 0.0, 12.3456, 0.5, 10**17, 99999999999999.98]
    assert decimals(numbers) == [parse_amount(number) for number in numbers]
    assert list(map(str, decimals(numbers))) == [str(parse_amount(n)) for n in numbers]  # type: ignore[arg-type]
    for odd in ([0.1 + 0.2], [1e-5], [float("nan")], [-0.0], [10**18], [1e16]):
        assert decimals(odd) is None  # type: ignore[arg-type]


def test_a_block_mixing_numbers_text_and_blanks() -> None:
    block = [(n, cells(KontrolKey=f"K{n}", Tutar=tutar, YerelTutar=local))
             for n, (tutar, local) in enumerate([(1.5, None), ("2,5", 2.5), (3, 3.0),
                                                 (-0.0005, "-0.0005"), (0.1 + 0.2, 0.3)])]  # fmt: skip
    good, errors = MovementChecker().check(block)
    assert errors == []
    index, local = MOVEMENT_FIELDS.index("amount"), MOVEMENT_FIELDS.index("local_amount")
    assert [(str(row[index]), str(row[local])) for _, row in good] == [
        ("1.5", "1.5"), ("2.5", "2.5"), ("3", "3"), ("-0.0005", "-0.0005"), ("0.3", "0.3")
    ]  # fmt: skip


def test_try_local_amount_is_tutar_when_empty_and_must_equal_it_when_given() -> None:
    assert amounts(Tutar=-99.5, YerelTutar=None) == (Decimal("-99.5"), Decimal("-99.5"))
    assert amounts(Tutar="1.234,50", YerelTutar=1234.5) == (Decimal("1234.5"),) * 2
    assert errors_of(Tutar=100, YerelTutar=100.01) == [
        ("YerelTutar", 100.01, "must equal Tutar for TRY")
    ]


def test_foreign_local_amount_is_required() -> None:
    assert amounts(ParaBirimi="USD", Tutar=100, YerelTutar=3450.25) == (
        Decimal(100), Decimal("3450.25"))  # fmt: skip
    assert errors_of(ParaBirimi="USD", Tutar=100, YerelTutar=None) == [
        ("YerelTutar", None, "is required when ParaBirimi is not TRY")
    ]


def test_foreign_local_amount_has_the_sign_of_tutar() -> None:
    assert amounts(ParaBirimi="EUR", Tutar=-10, YerelTutar=-380) == (Decimal(-10), Decimal(-380))
    assert errors_of(ParaBirimi="EUR", Tutar=-10, YerelTutar=380) == [
        ("YerelTutar", 380, "must have the same sign as Tutar: + debit, \u2212 credit")
    ]


def test_zero_tutar_only_for_a_foreign_exchange_difference() -> None:
    assert amounts(ParaBirimi="USD", Tutar=0, YerelTutar=-12.5) == (Decimal(0), Decimal("-12.5"))
    assert amounts(ParaBirimi="USD", Tutar=10, YerelTutar=0) == (Decimal(10), Decimal(0))
    zero = ("Tutar", 0, "is zero: nothing to reconcile")
    assert errors_of(Tutar=0, YerelTutar=None) == [zero]
    assert errors_of(Tutar=0.0, YerelTutar=0) == [("Tutar", 0.0, "is zero: nothing to reconcile")]
    assert errors_of(ParaBirimi="USD", Tutar=0, YerelTutar="0,00") == [zero]


def test_a_bad_amount_spares_the_rules_that_need_it() -> None:
    assert errors_of(Tutar="x", YerelTutar=5) == [("Tutar", "x", NOT_AN_AMOUNT)]
    assert errors_of(ParaBirimi="ABC", YerelTutar=None) == [
        ("ParaBirimi", "ABC", "is not an ISO 4217 currency code")
    ]


def test_no_float_leaves_the_checker() -> None:
    good, _ = MovementChecker().check(
        [(n, cells(KontrolKey=str(n), Tutar=n + 0.25, YerelTutar=None)) for n in range(1, 50)]
    )
    assert all(type(value) is not float for _, row in good for value in row)
