"""All of reconciliation's queries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String, bindparam, func, insert, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from shared.tables import api_keys
from shared.text import fold
from shared.uow import UnitOfWork

from .books import Books
from .orm import Counterparty, ImportJob, Tenant, User
from .rounds import Letters, Rounds

_CHUNK = 2000
"""Codes per IN list and rows per INSERT: well inside SQLite's and asyncpg's parameter limits."""


class Identity:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, item: Tenant | User) -> None:
        self.session.add(item)

    async def tenant(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def tenant_named(self, name: str) -> Tenant | None:
        return await self.session.scalar(select(Tenant).where(Tenant.name == name))

    async def tenants(self) -> list[Tenant]:
        return list(await self.session.scalars(select(Tenant).order_by(Tenant.created_at)))

    async def user(self, tenant_id: uuid.UUID, email: str) -> User | None:
        return await self.session.scalar(
            select(User).where(User.tenant_id == tenant_id, User.email == email)
        )

    async def users(self, tenant_id: uuid.UUID) -> list[User]:
        query = select(User).where(User.tenant_id == tenant_id).order_by(User.email)
        return list(await self.session.scalars(query))

    async def keys(self, tenant_id: uuid.UUID):
        query = (
            select(api_keys).where(api_keys.c.tenant_id == tenant_id).order_by(api_keys.c.issued_at)
        )
        return (await self.session.execute(query)).all()

    async def key_counts(self) -> dict[uuid.UUID, int]:
        query = (
            select(api_keys.c.tenant_id, func.count())
            .where(api_keys.c.revoked_at.is_(None))
            .group_by(api_keys.c.tenant_id)
        )
        return {tenant_id: count for tenant_id, count in (await self.session.execute(query)).all()}


@dataclass(frozen=True)
class CounterpartyFilter:
    text: str | None = None
    """Anywhere in code, title, tax number or aliases; case and Turkish letters folded."""
    active: bool | None = None
    kind: Literal["customer", "supplier"] | None = None
    responsible_email: str | None = None
    """Row-level access: only counterparties whose MutabakatSorumluEmail is this (lower case)."""


class Counterparties:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, tenant_id: uuid.UUID) -> None:
        """Serialise imports of one tenant's directory until the transaction ends (PostgreSQL;
        SQLite has one writer at a time anyway, and the unique code catches the rest)."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"counterparties:{tenant_id}"},
            )

    async def fingerprints(
        self, tenant_id: uuid.UUID, codes: list[str]
    ) -> dict[str, tuple[uuid.UUID, str, bool]]:
        """The id, fingerprint and active flag of those of ``codes`` that are stored, by code."""
        columns = (
            Counterparty.code,
            Counterparty.id,
            Counterparty.fingerprint,
            Counterparty.active,
        )
        if self.session.bind.dialect.name == "postgresql":
            # A join with the array, not ``code IN (...)``: right after a large import the table
            # has no statistics yet, and the planner would filter the tenant's rows against a
            # long IN list one by one (over a minute for 50,000 codes) instead of looking them up.
            wanted = (
                func.unnest(bindparam("codes", type_=ARRAY(String)))
                .table_valued("code")
                .render_derived(name="wanted")
            )
            query = (
                select(*columns)
                .join(wanted, Counterparty.code == wanted.c.code)
                .where(Counterparty.tenant_id == tenant_id)
            )
            rows = await self.session.execute(query, {"codes": codes})
            return {code: (id_, fingerprint, active) for code, id_, fingerprint, active in rows}
        found: dict[str, tuple[uuid.UUID, str, bool]] = {}
        for start in range(0, len(codes), _CHUNK):
            query = select(*columns).where(
                Counterparty.tenant_id == tenant_id,
                Counterparty.code.in_(codes[start : start + _CHUNK]),
            )
            for code, id_, fingerprint, active in await self.session.execute(query):
                found[code] = (id_, fingerprint, active)
        return found

    async def insert(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), _CHUNK):
            await self.session.execute(insert(Counterparty), rows[start : start + _CHUNK])

    async def update(self, rows: list[dict[str, Any]]) -> None:
        """Each row by its ``id`` (bulk UPDATE by primary key)."""
        for start in range(0, len(rows), _CHUNK):
            await self.session.execute(update(Counterparty), rows[start : start + _CHUNK])

    async def get(
        self, tenant_id: uuid.UUID, code: str, *, responsible_email: str | None = None
    ) -> Counterparty | None:
        query = select(Counterparty).where(
            Counterparty.tenant_id == tenant_id, Counterparty.code == code
        )
        if responsible_email is not None:
            query = query.where(func.lower(Counterparty.reconciliation_email) == responsible_email)
        return await self.session.scalar(query)

    async def codes_of(
        self, tenant_id: uuid.UUID, codes: list[str], *, responsible_email: str
    ) -> list[str]:
        """Those of ``codes`` whose MutabakatSorumluEmail is ``responsible_email``."""
        query = select(Counterparty.code).where(
            Counterparty.tenant_id == tenant_id,
            Counterparty.code.in_(codes),
            func.lower(Counterparty.reconciliation_email) == responsible_email,
        )
        return list(await self.session.scalars(query))

    async def titles(self, tenant_id: uuid.UUID, codes: list[str]) -> dict[str, str]:
        query = select(Counterparty.code, Counterparty.title).where(
            Counterparty.tenant_id == tenant_id, Counterparty.code.in_(codes)
        )
        return {code: title for code, title in await self.session.execute(query)}

    async def page(
        self, tenant_id: uuid.UUID, where: CounterpartyFilter, *, after: str | None, limit: int
    ) -> list[Counterparty]:
        """By code."""
        query = select(Counterparty).where(Counterparty.tenant_id == tenant_id)
        if where.text:
            pattern = fold(where.text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(Counterparty.search_text.like(f"%{pattern}%", escape="\\"))
        if where.active is not None:
            query = query.where(Counterparty.active == where.active)
        if where.kind is not None:
            query = query.where(Counterparty.kind == where.kind)
        if where.responsible_email is not None:
            email = where.responsible_email
            query = query.where(func.lower(Counterparty.reconciliation_email) == email)
        if after is not None:
            query = query.where(Counterparty.code > after)
        query = query.order_by(Counterparty.code).limit(limit)
        return list(await self.session.scalars(query))


class Imports:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, job: ImportJob) -> None:
        self.session.add(job)

    async def get(self, tenant_id: uuid.UUID, import_id: uuid.UUID) -> ImportJob | None:
        job = await self.session.get(ImportJob, import_id)
        return job if job is not None and job.tenant_id == tenant_id else None

    async def page(
        self, tenant_id: uuid.UUID, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[ImportJob]:
        """Newest first."""
        query = select(ImportJob).where(ImportJob.tenant_id == tenant_id)
        if after is not None:
            query = query.where(tuple_(ImportJob.created_at, ImportJob.id) < after)
        query = query.order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit)
        return list(await self.session.scalars(query))

    async def unfinished(self) -> list[ImportJob]:
        query = select(ImportJob).where(ImportJob.state.in_(("queued", "running")))
        return list(await self.session.scalars(query))


class ReconciliationUnitOfWork(UnitOfWork):
    identity: Identity
    counterparties: Counterparties
    books: Books
    imports: Imports
    rounds: Rounds
    letters: Letters

    async def __aenter__(self):
        await super().__aenter__()
        self.identity = Identity(self.session)
        self.counterparties = Counterparties(self.session)
        self.books = Books(self.session)
        self.imports = Imports(self.session)
        self.rounds = Rounds(self.session)
        self.letters = Letters(self.session)
        return self
