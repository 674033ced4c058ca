"""The ERP's books: account movements and BA/BS movements, upserted by KontrolKey in blocks.

A checked row (see ``domain/datasets.py``) is a tuple in the data set's field order. A row sent
again unchanged is left alone: PostgreSQL takes a block as one ``INSERT … SELECT FROM unnest(…)
ON CONFLICT … DO UPDATE … WHERE (columns) IS DISTINCT FROM (sent columns)`` that counts what it
created and updated; SQLite, which has no ``xmax`` to tell the two apart, reads the block's stored
rows first and compares them in Python.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.datasets import BABS_FIELDS, MOVEMENT_FIELDS
from ..domain.packed import Packed, pack
from .orm import AccountMovement, BabsDocumentRow, BabsMovement, Counterparty

_SQLITE_CHUNK = 900
"""Keys per SQLite IN list."""


@dataclass
class Stored:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Stored) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(frozen=True)
class _Book:
    entity: type[AccountMovement] | type[BabsMovement]
    fields: tuple[str, ...]
    extra: tuple[str, ...]
    """Columns derived from the checked row and appended after ``fields``."""
    pg_types: dict[str, str]
    nullable: frozenset[str]
    """Columns whose None goes to PostgreSQL as an empty string read back as NULL."""


MOVEMENTS = _Book(
    AccountMovement,
    MOVEMENT_FIELDS,
    (),
    {"balance_date": "date", "document_date": "date", "record_date": "date",
     "entry_date": "date", "amount": "numeric", "local_amount": "numeric",
     "movement_type": "smallint"},
    frozenset({"kind", "entry_date", "reverses"}),
)  # fmt: skip
BABS = _Book(
    BabsMovement,
    BABS_FIELDS,
    ("series",),
    {"period": "date", "document_date": "date", "record_date": "date", "entry_date": "date",
     "base_amount": "numeric"},
    frozenset({"kind", "entry_date", "reverses"}),
)  # fmt: skip


class Books:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def periods_of(self, tenant_id: uuid.UUID, keys: list[str]) -> set[date]:
        """The months the stored BA/BS rows of ``keys`` are in (before an update moves them)."""
        found: set[date] = set()
        for start in range(0, len(keys), _SQLITE_CHUNK):
            query = (
                select(BabsMovement.period)
                .distinct()
                .where(
                    BabsMovement.tenant_id == tenant_id,
                    BabsMovement.control_key.in_(keys[start : start + _SQLITE_CHUNK]),
                )
            )
            found.update(await self.session.scalars(query))
        return found

    async def refresh_documents(self, tenant_id: uuid.UUID, periods: set[date]) -> None:
        """Rebuild ``babs_documents`` of ``periods`` from the rows: one row per document, its net
        (reversal rows subtract), and its number, date and series — the smallest of its ordinary
        rows, or of its reversal rows when the month has only those."""
        if not periods:
            return
        months = sorted(periods)
        documents = BabsDocumentRow.__table__
        await self.session.execute(
            delete(documents).where(
                documents.c.tenant_id == tenant_id, documents.c.period.in_(months)
            )
        )
        b = BabsMovement.__table__
        ordinary = b.c.reverses.is_(None)
        key = func.coalesce(b.c.reverses, b.c.system_document_no)
        net = case((ordinary, b.c.base_amount), else_=-func.abs(b.c.base_amount))
        first = [
            func.coalesce(func.min(column).filter(ordinary), func.min(column))
            for column in (b.c.document_no, b.c.document_date, b.c.series)
        ]
        summed = (
            select(
                b.c.tenant_id,
                b.c.period,
                b.c.code,
                b.c.form,
                key,
                *first,
                func.sum(net),
                func.count(),
                func.count(b.c.reverses) > 0,
            )  # fmt: skip
            .where(b.c.tenant_id == tenant_id, b.c.period.in_(months))
            .group_by(b.c.tenant_id, b.c.period, b.c.code, b.c.form, key)
        )
        names = ("tenant_id", "period", "code", "form", "document_key", "document_no",
                 "document_date", "series", "net", "rows", "reversed")  # fmt: skip
        await self.session.execute(insert(documents).from_select(names, summed))

    async def known_codes(self, tenant_id: uuid.UUID) -> set[str]:
        """Every counterparty code of the tenant (tens of thousands at most)."""
        query = select(Counterparty.code).where(Counterparty.tenant_id == tenant_id)
        return set(await self.session.scalars(query))

    async def upsert(
        self,
        book: _Book,
        tenant_id: uuid.UUID,
        import_id: uuid.UUID,
        rows: Sequence[tuple],
    ) -> Stored:
        """Insert the keys not stored yet, update those whose content differs."""
        if not rows:
            return Stored()
        if self.session.bind.dialect.name == "postgresql":
            return await self.upsert_packed(book, tenant_id, import_id, pack(rows))
        return await self._upsert_sqlite(book, tenant_id, import_id, rows)

    async def upsert_packed(
        self, book: _Book, tenant_id: uuid.UUID, import_id: uuid.UUID, block: Packed
    ) -> Stored:
        """PostgreSQL: one statement per block; on conflict the row is updated only when some
        column differs."""
        if not block.count:
            return Stored()
        names = (*book.fields, *book.extra)
        params: dict[str, Any] = {"tenant": tenant_id, "import_id": import_id}
        arrays = []
        for i, (name, column) in enumerate(zip(names, block.columns, strict=True)):
            type_ = book.pg_types.get(name, "text")
            params[f"c{i}"] = column
            if isinstance(column, str):
                nulls = ", ''" if name in book.nullable else ""
                arrays.append(f"CAST(string_to_array(:c{i}, E'\\x1f'{nulls}) AS {type_}[])")
            else:
                arrays.append(f"CAST(:c{i} AS {type_}[])")
        created, updated = (await self.session.execute(_upsert_sql(book, arrays), params)).one()
        return Stored(created, updated, block.count - created - updated)

    async def _upsert_sqlite(self, book, tenant_id, import_id, rows) -> Stored:
        entity = book.entity
        names = (*book.fields, *book.extra)
        stored = await self._stored_rows(book, tenant_id, [row[0] for row in rows])
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for row in rows:
            before = stored.get(row[0])
            if before == row:  # Decimal("1.5") == Decimal("1.5000"): compared as numbers
                continue
            values = dict(zip(names, row, strict=True))
            values.update(tenant_id=tenant_id, import_id=import_id)
            (new if before is None else changed).append(values)
        if new:
            await self.session.execute(insert(entity), new)
        if changed:
            await self.session.execute(update(entity), changed)
        return Stored(len(new), len(changed), len(rows) - len(new) - len(changed))

    async def _stored_rows(
        self, book: _Book, tenant_id: uuid.UUID, keys: list[str]
    ) -> dict[str, tuple]:
        entity = book.entity
        columns = [getattr(entity, name) for name in (*book.fields, *book.extra)]
        found: dict[str, tuple] = {}
        for start in range(0, len(keys), _SQLITE_CHUNK):
            query = select(*columns).where(
                entity.tenant_id == tenant_id,
                entity.control_key.in_(keys[start : start + _SQLITE_CHUNK]),
            )
            found.update({row[0]: tuple(row) for row in await self.session.execute(query)})
        return found


def _upsert_sql(book: _Book, arrays: list[str]) -> Any:
    names = (*book.fields, *book.extra)
    changing = [name for name in names if name != "control_key"]
    assignments = ", ".join(f"{name} = excluded.{name}" for name in (*changing, "import_id"))
    table = book.entity.__tablename__
    stored = ", ".join(f"{table}.{name}" for name in changing)
    sent = ", ".join(f"excluded.{name}" for name in changing)
    return text(
        f"WITH written AS ("
        f" INSERT INTO {table} (tenant_id, import_id, {', '.join(names)})"
        f" SELECT CAST(:tenant AS uuid), CAST(:import_id AS uuid), t.*"
        f" FROM unnest({', '.join(arrays)}) AS t({', '.join(names)})"
        f" ON CONFLICT (tenant_id, control_key) DO UPDATE SET {assignments}"
        f" WHERE ({stored}) IS DISTINCT FROM ({sent})"
        f" RETURNING (xmax = 0) AS created)"
        f" SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created)"
        f" FROM written"
    )
