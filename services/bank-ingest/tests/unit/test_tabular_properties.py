"""Whatever a file holds, the tabular parser answers with statements or a ParseError, nothing else."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook  # type: ignore[import-untyped]

from bank_ingest.domain import tabular
from bank_ingest.domain.statement import ParseError, collect
from bank_ingest.domain.tabular import ColumnMapping, parse_tabular
from bank_ingest.domain.tabular_columns import resolve_columns
from bank_ingest.domain.tabular_rows import Row, RowReader
from bank_ingest.domain.tabular_sources import Record

ACCOUNT = "TR330006100519786457841326"
HEADER = ["Tarih", "Açıklama", "Tutar", "Bakiye", "Karşı IBAN", "VKN", "Döviz"]
MAPPING = ColumnMapping.model_validate(
    {
        "booking_date": "Tarih",
        "description": "Açıklama",
        "amount": "Tutar",
        "balance": "Bakiye",
        "counterparty_iban": "Karşı IBAN",
        "counterparty_tax_id": "VKN",
        "currency": "Döviz",
        "fixed_account": ACCOUNT,
    }
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

plausible_text = st.sampled_from(
    ["02.01.2024", "31.02.2024", "1.234,56", "-5", "(7,5)", "Toplam", "TL", "", " ", '"', "\n"]
)
texts = st.one_of(plausible_text, st.text(max_size=12))
cells = st.one_of(
    st.none(),
    texts,
    st.floats(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)


@pytest.fixture(autouse=True, scope="module")
def _without_free_text_details() -> Iterator[None]:
    """The free-text extractor has its own tests; these are about the tabular reader."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tabular, "_details_finder", lambda: None)
        yield


def outcome(run: Any) -> None:
    """Runs ``run``; a ParseError is an answer too."""
    try:
        run()
    except ParseError as error:
        assert error.reason


@FAST
@given(body=st.text(max_size=300), delimiter=st.sampled_from([";", ",", "\t", "|", None]))
def test_any_csv_text_parses_or_is_refused(body: str, delimiter: str | None) -> None:
    data = (";".join(HEADER) + "\n" + body).encode()
    mapping = MAPPING.model_copy(update={"delimiter": delimiter})
    outcome(lambda: collect(parse_tabular(io.BytesIO(data), mapping, kind="csv")))


@FAST
@given(data=st.binary(max_size=300))
def test_any_bytes_as_csv_or_excel_parse_or_are_refused(data: bytes) -> None:
    for kind in ("csv", "excel"):
        outcome(lambda kind=kind: collect(parse_tabular(io.BytesIO(data), MAPPING, kind=kind)))


@FAST
@given(rows=st.lists(st.lists(texts, max_size=9), max_size=6))
def test_csv_rows_of_plausible_and_random_text(rows: list[list[str]]) -> None:
    text = "\n".join(
        [";".join(HEADER), *(";".join(c.replace("\n", " ") for c in row) for row in rows)]
    )
    outcome(lambda: collect(parse_tabular(io.BytesIO(text.encode()), MAPPING, kind="csv")))


@FAST
@given(row=st.lists(cells, max_size=9))
def test_any_calamine_cells_give_a_row_nothing_or_a_parse_error(row: list[Any]) -> None:
    reader = RowReader(MAPPING, resolve_columns(MAPPING, HEADER, line=1), account=ACCOUNT)
    try:
        result = reader.read(Record(2, row, None))
    except ParseError as error:
        assert error.line == 2 and error.reason
        return
    if result is not None:
        assert isinstance(result, Row)
        assert isinstance(result.movement.amount, Decimal)
        assert isinstance(result.movement.booking_date, date)


spreadsheet_cells = st.one_of(
    st.none(),
    texts.filter(lambda t: not t.startswith("=")),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)),
    st.times().map(lambda t: t.replace(microsecond=0)),
)


@settings(max_examples=15, deadline=None)
@given(rows=st.lists(st.lists(spreadsheet_cells, max_size=7), max_size=5))
def test_random_xlsx_cells_parse_or_are_refused(rows: list[list[Any]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append([_printable(cell) for cell in row])
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    outcome(lambda: collect(parse_tabular(stream, MAPPING, kind="excel")))


def _printable(cell: Any) -> Any:
    """openpyxl refuses control characters in strings; the parser never sees them from Excel."""
    if isinstance(cell, str):
        return "".join(ch for ch in cell if ch.isprintable())
    return cell if not isinstance(cell, time) else cell.replace(tzinfo=None)
