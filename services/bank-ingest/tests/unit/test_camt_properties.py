"""Whatever bytes arrive, CAMT parsing and format detection answer or refuse, nothing else."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bank_ingest.domain.camt import parse_camt
from bank_ingest.domain.detect import detect_format
from bank_ingest.domain.statement import ParseError, Statement, collect

from .camt_documents import balance, details, document, entry, statement, transaction

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID = document(
    statement(
        entry("10.00", details=details(transaction(debtor="Ödeyen", text="Fatura 1"))),
        entry("2.5", "DBIT", extra="<RvslInd>false</RvslInd>"),
        balances=(balance("OPBD", "100"), balance("CLBD", "107.50")),
    )
)


def outcome(data: bytes) -> list[Statement] | ParseError:
    """The statements, or the ParseError; any other exception fails the property."""
    try:
        return collect(parse_camt(io.BytesIO(data)))
    except ParseError as refused:
        assert refused.reason
        return refused


@QUICK
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    outcome(data)


@QUICK
@given(st.binary(max_size=200))
def test_arbitrary_bytes_after_an_xml_start(tail: bytes) -> None:
    outcome(VALID[:120] + tail)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = draw(st.sampled_from(b"<>/&;\"'=x0-.9 \n\x00\xff"))
        if kind == "insert" or position == len(data):
            data.insert(position, byte)
        elif kind == "replace":
            data[position] = byte
        else:
            del data[position]
    return bytes(data)


@QUICK
@given(mutated())
def test_a_mutated_document(data: bytes) -> None:
    outcome(data)


VALUES = st.text(max_size=30) | st.sampled_from(
    ["", "1", "1.0", "-1", "1e3", "NaN", "CRDT", "DBIT", "BOOK", "PDNG", "2024-02-30", "2024-03-01",
     "2024-03-01T25:00", "true", "TRY", "try", "ŞŞŞ"]
)  # fmt: skip


@QUICK
@given(
    amount=VALUES,
    indicator=VALUES,
    status=VALUES,
    day=VALUES,
    currency=VALUES,
    reversal=VALUES,
    balance_amount=VALUES,
)
def test_any_value_in_any_field(
    amount: str,
    indicator: str,
    status: str,
    day: str,
    currency: str,
    reversal: str,
    balance_amount: str,
) -> None:
    x = escape
    bad_entry = (
        f'<Ntry><Amt Ccy="{x(currency, {chr(34): "&quot;"})}">{x(amount)}</Amt>'
        f"<CdtDbtInd>{x(indicator)}</CdtDbtInd><RvslInd>{x(reversal)}</RvslInd>"
        f"<Sts>{x(status)}</Sts><BookgDt><Dt>{x(day)}</Dt></BookgDt></Ntry>"
    )
    result = outcome(document(statement(bad_entry, balances=(balance("OPBD", x(balance_amount)),))))
    if isinstance(result, list):
        for movement in result[0].movements:
            assert movement.amount.is_finite() and len(movement.currency) == 3


@QUICK
@given(st.binary(max_size=3000))
def test_detection_of_arbitrary_bytes(data: bytes) -> None:
    try:
        assert detect_format(data) in ("mt940", "camt", "zip", "xlsx")
    except ParseError as refused:
        assert refused.reason


@QUICK
@given(
    st.binary(max_size=64),
    st.sampled_from([b"<?xml version='1.0'?>", b"{1:", b":20:", b"PK\x03\x04"]),
)
def test_detection_of_a_known_start_with_noise_after_it(noise: bytes, start: bytes) -> None:
    try:
        detect_format(start + noise)
    except ParseError as refused:
        assert refused.reason
