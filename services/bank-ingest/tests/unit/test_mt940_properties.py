"""Properties of parse_mt940: any input reads or is refused with a ParseError, and generated
statements survive a round trip through MT940 text."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bank_ingest.domain.mt940 import parse_mt940
from bank_ingest.domain.statement import ParseError, Statement, collect

VALID = """{1:F01TGBATRISAXXX0000000000}{2:O9401200240102TGBATRISAXXXN}{4:
:20:GAR2401020001
:25:TR330006100519786457841326
:28C:1/1
:60F:C240101TRY125000,00
:61:2401020102C15250,00NTRFNONREF//GB24010200001
:86:GELEN EFT ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ. IBAN TR09000460000
0000012345678 VKN:1234567890 FATURA NO GIB2024000000123
:61:2401020102RC12,50NCHGNONREF
SUPPLEMENTARY
:86:166?00GUTSCHRIFT?20EREF+E2E?31DE89370400440532013000?32MUELLER
:NS:01X
:62F:C240102TRY140237,50
:64:C240102TRY140237,50
:86:/SUM/
-}
:20:MT942
:25:PL29
:34F:PLN0
:13D:1701191815+0100
:61:1701190119CN0,01NTRFNONREF//MB1
:90C:1PLN0,01
-"""
VALID_LINES = VALID.splitlines()
SWIFT_BITS = [":20:", ":25:", ":28C:", ":60F:", ":61:", ":86:", ":62F:", ":90D:", ":NS:", "-}"]


def outcome(lines: list[str]) -> list[Statement] | ParseError:
    try:
        return collect(parse_mt940(lines))
    except ParseError as error:
        assert error.reason
        return error


def test_the_valid_text_is_valid() -> None:
    statements = outcome(VALID_LINES)
    assert isinstance(statements, list) and len(statements) == 2


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    outcome(text.splitlines())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SWIFT_BITS + ["", "{4:", "-"]), st.text(max_size=30))))
def test_any_tag_soup(parts: list[tuple[str, str]]) -> None:
    outcome([tag + value for tag, value in parts])


@st.composite
def mutated(draw: st.DrawFn) -> list[str]:
    lines = list(VALID_LINES)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "duplicate", "truncate", "insert", "replace"]))
        if kind == "drop":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "truncate":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        else:
            pos = draw(st.integers(0, len(lines[at])))
            chars = draw(st.text(min_size=1, max_size=3))
            cut = pos + (1 if kind == "replace" else 0)
            lines[at] = lines[at][:pos] + chars + lines[at][cut:]
        if not lines:
            break
    return lines


@settings(max_examples=200, deadline=None)
@given(mutated())
def test_mutations_of_a_valid_file(lines: list[str]) -> None:
    outcome(lines)


WORD = st.text(alphabet="ABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZabcçdeğıioöşuü0123456789.,/", min_size=1)
DAY = st.dates(date(2000, 1, 1), date(2099, 12, 1))
MOVE = st.tuples(
    st.decimals(Decimal("0.01"), Decimal("999999999.99"), places=2),
    st.sampled_from(["C", "D", "RC", "RD"]),
    # booking this many days after the value date: mt940 (and we) move an entry date (MMDD)
    # into the next or previous year only when that brings it within 35 days of the value date
    st.integers(-30, 30),
    st.lists(WORD, min_size=1, max_size=40).map(" ".join),
    st.text(alphabet="ABCDEFGHIJ0123456789", min_size=1, max_size=16),
)
SIGN = {"C": 1, "D": -1, "RC": -1, "RD": 1}


def write(opening: Decimal, start: date, moves: list[tuple[Decimal, str, int, str, str]]) -> str:
    closing = opening + sum((a * SIGN[m] for a, m, *_ in moves), Decimal(0))
    mark = "C" if opening >= 0 else "D"
    lines = [":20:GEN", ":25:TR330006100519786457841326", ":28C:1/1"]
    lines.append(f":60F:{mark}{start:%y%m%d}TRY{str(abs(opening)).replace('.', ',')}")
    for amount, sign, later, text, reference in moves:
        booking = start + timedelta(days=later)
        lines.append(
            f":61:{start:%y%m%d}{booking:%m%d}{sign}{str(amount).replace('.', ',')}NTRF"
            f"{reference}//BANK"
        )
        chunks = [text[i : i + 65] for i in range(0, len(text), 65)]
        lines += [f":86:{chunks[0]}", *chunks[1:]]
    mark = "C" if closing >= 0 else "D"
    lines.append(f":62F:{mark}{start:%y%m%d}TRY{str(abs(closing)).replace('.', ',')}")
    return "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(Decimal("-9999999.99"), Decimal("9999999.99"), places=2),
    DAY,
    st.lists(MOVE, max_size=5),
)
def test_round_trip(
    opening: Decimal, start: date, moves: list[tuple[Decimal, str, int, str, str]]
) -> None:
    (statement,) = collect(parse_mt940(write(opening, start, moves).splitlines()))
    assert statement.header.opening and statement.header.opening.amount == opening
    assert statement.header.opening.date == start
    assert len(statement.movements) == len(moves)
    for movement, (amount, sign, later, text, reference) in zip(
        statement.movements, moves, strict=True
    ):
        assert movement.amount == amount * SIGN[sign]
        assert movement.value_date == start
        assert movement.booking_date == start + timedelta(days=later)
        assert movement.description == text
        assert (movement.customer_reference, movement.bank_reference) == (reference, "BANK")
    total = opening + sum((m.amount for m in statement.movements), Decimal(0))
    assert statement.footer.closing and statement.footer.closing.amount == total
