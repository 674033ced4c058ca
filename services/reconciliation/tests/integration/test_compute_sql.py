"""The SQL of ``adapters/compute.py`` gives what the pure reference gives, on SQLite and PostgreSQL:
the same hand-made books (plus another tenant's, which must never count) for many parameters."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from reconciliation.adapters import compute
from reconciliation.adapters.books import Books
from reconciliation.adapters.compute import Scope
from reconciliation.adapters.orm import AccountMovement, BabsMovement, Counterparty
from reconciliation.domain.babs import BabsRow, CounterpartyInfo, babs_documents, babs_lines
from reconciliation.domain.balances import MovementRow, balances_at
from reconciliation.main import SPEC
from shared.db import make_engine, session_factory
from shared.migrations import upgrade_to_head
from shared.text import fold

TENANT, OTHER = uuid.uuid4(), uuid.uuid4()
D = Decimal
JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


@dataclass(frozen=True)
class Party:
    code: str
    kind: str
    title: str
    tax_id: str
    email: str
    active: bool


PARTIES = [
    Party("120.001", "customer", "Öztürk İnşaat", "4540536920", "ayse@firma.com.tr", True),
    Party("120.002", "customer", "Kaya Gıda", "", "Ayse@Firma.com.tr", False),
    Party("320.001", "supplier", "Öztürk İnşaat Şube", "4540536920", "mehmet@firma.com.tr", True),
    Party("320.002", "supplier", "Ay_Tekstil %50", "1111111111", "", True),
    Party("320.003", "supplier", "Deniz Lojistik", "", "mehmet@firma.com.tr", True),
]
UNKNOWN = ("999.001", "4540536920")  # movements without a counterparty row; one looks like a VKN
CODES = [p.code for p in PARTIES] + list(UNKNOWN)
INFO = {p.code: CounterpartyInfo(p.title, p.tax_id) for p in PARTIES}

SCOPES = [
    Scope(),
    Scope(codes=["120.001"]),
    Scope(codes=["320.001", "999.001", "nobody"]),
    Scope(codes=[]),
    Scope(text="ÖZTÜRK"),
    Scope(text="ay_t"),
    Scope(text="%"),
    Scope(kind="supplier"),
    Scope(active=False),
    Scope(active=True, kind="customer"),
    Scope(responsible_email="AYSE@firma.com.tr"),
    Scope(codes=["120.001", "320.001", "999.001"], kind="supplier"),
]


def in_scope(code: str, scope: Scope) -> bool:
    """The scope, the obvious way round."""
    if scope.codes is not None and code not in scope.codes:
        return False
    attributes = (scope.text, scope.kind, scope.active, scope.responsible_email)
    if not scope.text and all(a is None for a in attributes[1:]):
        return True
    party = next((p for p in PARTIES if p.code == code), None)
    if party is None:
        return False
    searched = fold(" ".join([party.code, party.title, party.tax_id]))
    return (
        (not scope.text or fold(scope.text) in searched)
        and scope.kind in (None, party.kind)
        and scope.active in (None, party.active)
        and (scope.responsible_email or party.email).lower() == party.email.lower()
    )


def movements() -> list[MovementRow]:
    """Hand-made edge cases, then a seeded spread over every code, currency, ÖDK and type."""
    rows = [
        MovementRow("120.001", 12, date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 1),
                    D("1000"), D("1000"), "TRY", "Genel"),
        MovementRow("120.001", 14, date(2024, 6, 1), date(2024, 6, 1), date(2024, 6, 1),
                    D("250.5"), D("250.5"), "TRY", "Genel"),
        MovementRow("120.001", 13, date(2025, 1, 1), date(2024, 12, 31), date(2025, 1, 1),
                    D("1250.5"), D("1250.5"), "TRY", "Genel"),
        MovementRow("120.001", 14, date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 1),
                    D("10"), D("10"), "TRY", "Genel"),
        MovementRow("120.001", 14, date(2025, 1, 2), date(2025, 1, 2), date(2025, 1, 2),
                    D("-10"), D("-10"), "TRY", "Genel", reverses="X1"),
        MovementRow("320.001", 14, date(2025, 3, 3), date(2025, 3, 3), date(2025, 3, 3),
                    D("0"), D("0"), "EUR", "Cek"),
        MovementRow("999.001", 12, date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 1),
                    D("-77.1234"), D("-2800.0001"), "USD", "Cek"),
    ]  # fmt: skip
    rng = random.Random(7)
    for n in range(400):
        day = date(2023, 10, 1) + timedelta(days=rng.randrange(640))
        kind = rng.choice([14] * 8 + [12, 13])
        amount = D(rng.randrange(-500_000, 500_000)) / 100 * (D("1.0001") if n % 9 else 1)
        currency = rng.choice(["TRY", "TRY", "USD", "EUR"])
        rate = 1 if currency == "TRY" else D("38.5")
        rows.append(MovementRow(
            rng.choice(CODES), kind, day, day - timedelta(days=rng.randrange(3)), day,
            amount.quantize(D("0.0001")), (amount * rate).quantize(D("0.0001")), currency,
            rng.choice(["Genel", "Genel", "Cek", "Senet"]),
            reverses=f"S{n - 1}" if n % 11 == 0 else None,
        ))  # fmt: skip
    return rows


def babs_rows() -> list[tuple[date, BabsRow]]:
    def row(period, code, form, amount, doc, *, reverses=None, series="GIB", number=None, day=10):
        system = f"R{doc}-{amount}" if reverses else doc
        document_date = period.replace(day=day)
        return period, BabsRow(code, form, document_date, number or f"{series}{doc}", series,
                               D(amount), system, reverses)  # fmt: skip

    return [
        row(JAN, "320.002", "BA", "3000", "1"),
        row(JAN, "320.002", "BA", "2000.00", "1"),  # a second row of document 1: 5,000.00
        row(JAN, "120.002", "BS", "4999.99", "2"),
        row(JAN, "120.001", "BA", "3000", "3"),
        row(JAN, "320.001", "BA", "2500", "4", series="ABC"),
        row(JAN, "120.001", "BS", "9000", "5", number="GIB005", day=3),
        row(JAN, "120.001", "BS", "-9000", "6", reverses="5", number="IPT006", day=20),
        row(JAN, "120.001", "BS", "6000", "7", series="EAR"),
        row(JAN, "120.001", "BS", "0", "8"),
        row(JAN, "320.003", "BA", "800", "9"),
        row(JAN, "320.003", "BA", "5000", "9b", reverses="77"),  # lone reversal: -5,000
        row(JAN, "320.003", "BA", "12000", "10"),
        row(JAN, "999.001", "BS", "5000.0001", "11"),
        row(JAN, "4540536920", "BA", "7000", "12"),
        row(FEB, "320.002", "BA", "7000", "1"),  # the same system number in another month
        row(FEB, "120.002", "BS", "5000", "13", series="abc"),
        row(FEB, "320.001", "BA", "4000", "14"),
        row(FEB, "320.001", "BS", "6000", "15"),
        row(FEB, "120.001", "BA", "1500", "16"),
    ]


async def load(db_url: str):
    engine = make_engine(db_url)
    await upgrade_to_head(engine, SPEC.migrations)
    now = datetime.now(UTC)
    async with session_factory(engine)() as session:
        for tenant in (TENANT, OTHER):
            await session.execute(insert(Counterparty), [
                dict(id=uuid.uuid4(), tenant_id=tenant, code=p.code, kind=p.kind, title=p.title,
                     tax_id=p.tax_id if tenant == TENANT else "2222222222",
                     reconciliation_email=p.email, active=p.active, fingerprint="f",
                     search_text=fold(" ".join([p.code, p.title, p.tax_id])),
                     created_at=now, updated_at=now)
                for p in PARTIES
            ])  # fmt: skip
            await session.execute(insert(AccountMovement), [
                dict(asdict(m), tenant_id=tenant, control_key=f"K{n}", kind=None, entry_date=None,
                     document_no=f"D{n}", description="", system_document_no=f"S{n}",
                     import_id=tenant)
                for n, m in enumerate(movements() + (extra_movements() if tenant == OTHER else []))
            ])  # fmt: skip
            await session.execute(insert(BabsMovement), [
                dict(asdict(b), tenant_id=tenant, control_key=f"B{n}", kind=None, period=period,
                     record_date=b.document_date, entry_date=None, import_id=tenant)
                for n, (period, b) in enumerate(babs_rows() * (1 if tenant == TENANT else 3))
            ])  # fmt: skip
            # what an import does after storing rows: sum the months' documents
            await Books(session).refresh_documents(tenant, {period for period, _ in babs_rows()})
        await session.commit()
    return engine


def extra_movements() -> list[MovementRow]:
    """The other tenant's opening for everyone: it would supersede our history if it leaked."""
    on = date(2024, 12, 1)
    return [MovementRow(c, 12, on, on, on, D(1), D(1), "TRY", "Genel") for c in CODES]


@pytest.fixture
async def sessions(db_url: str):
    engine = await load(db_url)
    yield session_factory(engine)
    await engine.dispose()


AT_DATES = [date(2023, 12, 31), date(2024, 1, 1), date(2024, 12, 31), date(2025, 1, 1),
            date(2025, 1, 2), date(2025, 3, 3), date(2026, 1, 1)]  # fmt: skip
ODKS = [
    (None, None),
    ({"Genel"}, None),
    (None, {"Cek"}),
    ({"Cek", "Senet"}, {"Senet"}),
    (set(), None),
]


async def test_balances_match_the_reference(sessions) -> None:
    rows = movements()
    async with sessions() as session:
        for at, (odk_in, odk_not_in), scope in itertools.product(AT_DATES, ODKS, SCOPES):
            mine = [r for r in rows if in_scope(r.code, scope)]
            expected = balances_at(mine, at, odk_in=odk_in, odk_not_in=odk_not_in)
            got = await compute.balances(
                session, TENANT, at, scope, odk_in=odk_in, odk_not_in=odk_not_in
            )
            assert got == expected, (at, odk_in, odk_not_in, scope)
        everyone = await compute.balances(session, TENANT, date(2026, 1, 1), Scope())
    assert {b.code for b in everyone} == set(CODES)
    assert {b.currency for b in everyone} == {"TRY", "USD", "EUR"}


async def test_balances_page_by_code(sessions) -> None:
    at = date(2025, 6, 30)
    async with sessions() as session:
        for scope, limit in itertools.product([Scope(), Scope(kind="supplier")], [1, 2, 3, 50]):
            whole = await compute.balances(session, TENANT, at, scope)
            pages, after = [], None
            while page := await compute.balances(
                session, TENANT, at, scope, after_code=after, limit=limit
            ):
                assert len({b.code for b in page}) <= limit
                pages += page
                after = page[-1].code
            assert pages == whole, (scope, limit)
        tail = await compute.balances(session, TENANT, at, Scope(), after_code="320.001", limit=2)
        assert sorted({b.code for b in tail}) == ["320.002", "320.003"]


THRESHOLDS = [D(0), D("4999.99"), D(5000), D("5000.0001"), D("5000.01"), D(100_000)]
EXCLUDED = [frozenset(), frozenset({"ABC"}), frozenset({"abc", "EAR"})]


async def test_babs_lines_match_the_reference(sessions) -> None:
    rows = babs_rows()
    seen_merged = seen_both_sides = False
    async with sessions() as session:
        for period, threshold, merge, excluded, scope in itertools.product(
            [JAN, FEB, MAR], THRESHOLDS, [False, True], EXCLUDED, SCOPES
        ):
            mine = [r for p, r in rows if p == period and in_scope(r.code, scope)]
            expected = babs_lines(
                mine, INFO, threshold=threshold, merge_by_tax_id=merge, excluded_series=excluded
            )
            got = await compute.babs(
                session, TENANT, period, scope,
                threshold=threshold, merge_by_tax_id=merge, excluded_series=excluded,
            )  # fmt: skip
            assert got == expected, (period, threshold, merge, excluded, scope)
            seen_merged |= any(len(line.codes) > 1 for line in got)
            seen_both_sides |= any(line.ba and line.bs for line in got)
    assert seen_merged and seen_both_sides


async def test_babs_edges_by_hand(sessions) -> None:
    async with sessions() as session:
        lines = await compute.babs(session, TENANT, JAN, Scope())
        by_key = {line.key: line for line in lines}
        assert by_key["320.002"].ba == compute.BabsSide(1, D(5000))  # two rows of one invoice
        assert "120.002" not in by_key  # 4,999.99
        assert by_key["120.001"].bs == compute.BabsSide(1, D(6000))  # reversed and zero: out
        assert by_key["320.003"].ba == compute.BabsSide(3, D(7800))  # lone reversal counts
        assert by_key["999.001"].title is None
        merged = await compute.babs(session, TENANT, JAN, Scope(), merge_by_tax_id=True)
        assert [(m.key, m.codes) for m in merged if m.key == "4540536920"] == [
            ("4540536920", ("120.001", "320.001")),
            ("4540536920", ("4540536920",)),
        ]
        nobody = uuid.uuid4()  # a tenant of its own sees nothing of the two loaded
        assert await compute.babs(session, nobody, JAN, Scope(), threshold=D(0)) == []
        assert await compute.balances(session, nobody, date(2026, 1, 1), Scope()) == []


async def test_babs_documents_match_the_reference(sessions) -> None:
    rows = babs_rows()
    code_sets = [["120.001"], ["120.001", "320.001"], ["320.003", "999.001"], CODES, []]
    async with sessions() as session:
        for period, codes, form, excluded in itertools.product(
            [JAN, FEB], code_sets, ["BA", "BS"], EXCLUDED
        ):
            mine = [r for p, r in rows if p == period]
            expected = babs_documents(mine, codes, form, excluded_series=excluded)
            got = await compute.babs_documents(
                session, TENANT, period, codes, form, excluded_series=excluded
            )
            assert got == expected, (period, codes, form, excluded)
        documents = await compute.babs_documents(session, TENANT, JAN, ["120.001"], "BS")
        assert [(d.document_key, d.document_no, d.net, d.rows, d.reversed) for d in documents] == [
            ("5", "GIB005", D(0), 2, True),
            ("7", "EAR7", D(6000), 1, False),
            ("8", "GIB8", D(0), 1, False),
        ]
