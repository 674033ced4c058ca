"""All of bank-ingest's queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared import outbox
from shared.events import Envelope, Event
from shared.logging import current_correlation_id
from shared.uow import UnitOfWork

from ..domain.prepared import ROW_COLUMNS, SEPARATOR, MovementBlock
from .movement_queries import MovementQueries
from .orm import BankAccount, Connection, FetchedFile, Job, Movement, Statement, StatementImport


class BankAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, account: BankAccount) -> None:
        self.session.add(account)

    async def get(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> BankAccount | None:
        return await self.session.scalar(
            select(BankAccount).where(
                BankAccount.tenant_id == tenant_id, BankAccount.id == account_id
            )
        )

    async def by_identifier(
        self, tenant_id: uuid.UUID, *, iban: str | None, number: str | None
    ) -> BankAccount | None:
        """The account a statement names, by IBAN or by the bank's local number."""
        matches = []
        if iban:
            matches.append(BankAccount.iban == iban)
        if number:
            matches.append(BankAccount.account_number == number)
        if not matches:
            return None
        return await self.session.scalar(
            select(BankAccount).where(BankAccount.tenant_id == tenant_id, or_(*matches)).limit(1)
        )

    async def page(
        self, tenant_id: uuid.UUID, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[BankAccount]:
        query = select(BankAccount).where(BankAccount.tenant_id == tenant_id)
        if after is not None:
            query = query.where(tuple_(BankAccount.created_at, BankAccount.id) > tuple_(*after))
        query = query.order_by(BankAccount.created_at, BankAccount.id).limit(limit)
        return list(await self.session.scalars(query))


class Statements:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, statement: Statement) -> None:
        self.session.add(statement)

    async def get(self, tenant_id: uuid.UUID, statement_id: uuid.UUID) -> Statement | None:
        return await self.session.scalar(
            select(Statement).where(Statement.tenant_id == tenant_id, Statement.id == statement_id)
        )

    async def previous(self, statement: Statement) -> Statement | None:
        """The stored statement this one should continue: the latest closing on or before its
        opening date (MT942 intraday statements have no closing and are not in the chain)."""
        if statement.opening_date is None:
            return None
        return await self.session.scalar(
            select(Statement)
            .where(
                Statement.account_id == statement.account_id,
                Statement.id != statement.id,
                Statement.closing_date.is_not(None),
                Statement.closing_date <= statement.opening_date,
            )
            .order_by(Statement.closing_date.desc(), Statement.created_at.desc())
            .limit(1)
        )

    async def same_as(self, statement: Statement) -> Statement | None:
        """An earlier import of the very same statement (number, page and both balances)."""
        return await self.session.scalar(
            select(Statement)
            .where(
                Statement.account_id == statement.account_id,
                Statement.id != statement.id,
                Statement.format == statement.format,
                Statement.reference == statement.reference,
                Statement.statement_number == statement.statement_number,
                Statement.page == statement.page,
                Statement.opening_date == statement.opening_date,
                Statement.opening_amount == statement.opening_amount,
                Statement.closing_date == statement.closing_date,
                Statement.closing_amount == statement.closing_amount,
            )
            .limit(1)
        )

    async def delete(self, statement: Statement) -> None:
        await self.session.delete(statement)

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        account_id: uuid.UUID | None,
        import_id: uuid.UUID | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Statement]:
        query = select(Statement).where(Statement.tenant_id == tenant_id)
        if account_id:
            query = query.where(Statement.account_id == account_id)
        if import_id:
            query = query.where(Statement.import_id == import_id)
        if after is not None:
            query = query.where(tuple_(Statement.created_at, Statement.id) > tuple_(*after))
        query = query.order_by(Statement.created_at, Statement.id).limit(limit)
        return list(await self.session.scalars(query))


_PG_TYPES = {
    column.name: column.type.compile(dialect=postgresql.dialect())
    for column in Movement.__table__.columns
}
_PER_ROW = ("id", "account_id", "statement_id", *ROW_COLUMNS)
"""Columns that vary by row, sent as text; the rest of the columns are the same for a whole
batch and sent once."""
_PER_BATCH = ("tenant_id", "processed", "processing_state", "created_at")


def _insert_sql(*, packed: bool) -> str:
    if packed:  # each column one text value, cut into an array by the server
        arrays = [f"string_to_array(${n}, E'\\x1f')" for n in range(1, len(_PER_ROW) + 1)]
    else:
        arrays = [f"${n}::text[]" for n in range(1, len(_PER_ROW) + 1)]
    per_row = [f"m.{c}::{_PG_TYPES[c]}" for c in _PER_ROW]
    constants = [f"${n}::{_PG_TYPES[c]}" for n, c in enumerate(_PER_BATCH, len(_PER_ROW) + 1)]
    return (
        f"INSERT INTO movements ({', '.join(_PER_ROW + _PER_BATCH)}) "
        f"SELECT {', '.join(per_row + constants)} "
        f"FROM unnest({', '.join(arrays)}) AS m({', '.join(_PER_ROW)}) "
        "ON CONFLICT (id) DO NOTHING RETURNING id::text"
    )


# One INSERT of whole columns: no per-row statement, staging table or round trip, and
# PostgreSQL casts the text (dates, amounts, uuids). Each column goes as one string joined with
# SEPARATOR (U+001F), as the parser's blocks already hold it, and the server cuts it with
# string_to_array: asyncpg would otherwise check every element of a text array for being a
# nested array, most of the client's time. A batch with a block that could not be joined (a
# value holds the separator), or of one row (string_to_array('') is empty), goes as arrays.
# ON CONFLICT keeps the rows already stored.
_INSERT_PACKED = _insert_sql(packed=True)
_INSERT_ARRAYS = _insert_sql(packed=False)


class StoredBlock(NamedTuple):
    """A block of movements as the insert takes it: their ids and (account id, statement id),
    as text. ``statement`` is the caller's, handed back untouched."""

    block: MovementBlock
    ids: list[str]
    owner: tuple[str, str]
    statement: Any = None


def _joined(blocks: Sequence[StoredBlock]) -> list[str]:
    """The batch's columns, each one string (every block has ``columns``)."""
    ids = SEPARATOR.join([SEPARATOR.join(stored.ids) for stored in blocks])
    accounts = SEPARATOR.join([SEPARATOR.join([s.owner[0]] * len(s.ids)) for s in blocks])
    statements = SEPARATOR.join([SEPARATOR.join([s.owner[1]] * len(s.ids)) for s in blocks])
    columns = zip(*(stored.block.columns for stored in blocks), strict=True)
    return [ids, accounts, statements, *(SEPARATOR.join(column) for column in columns)]


def _listed(blocks: Sequence[StoredBlock]) -> list[list[Any]]:
    """The batch's columns as lists of values."""
    columns: list[list[Any]] = [[] for _ in _PER_ROW]
    for stored in blocks:
        count = len(stored.ids)
        columns[0] += stored.ids
        columns[1] += [stored.owner[0]] * count
        columns[2] += [stored.owner[1]] * count
        for column, values in zip(columns[3:], stored.block.values(), strict=True):
            column += values
    return columns


class Movements(MovementQueries):
    async def insert_new(
        self, blocks: Sequence[StoredBlock], *, tenant_id: uuid.UUID, now: datetime
    ) -> set[str]:
        """Insert the blocks' movements whose id is not stored yet; return the ids that were
        new. Amounts have been checked to fit the Money column (:mod:`..domain.prepared`)."""
        if not blocks:
            return set()
        if self.session.bind.dialect.name == "postgresql":
            # The driver connection is looked up before the columns are joined, so that the
            # caller's few yields to the loop are enough for the query to be on its way
            # (see ingest._Writer).
            connection = await (await self.session.connection()).get_raw_connection()
            packed = sum(len(s.ids) for s in blocks) > 1 and all(
                stored.block.columns is not None for stored in blocks
            )
            if packed:
                query, values = _INSERT_PACKED, _joined(blocks)
            else:
                columns = _listed(blocks)
                columns[-1] = [str(line) for line in columns[-1]]
                query, values = _INSERT_ARRAYS, columns
            inserted = await connection.driver_connection.fetch(
                query, *values, tenant_id, False, "recorded", now
            )
            return {record[0] for record in inserted}
        columns = _listed(blocks)
        rows = [dict(zip(_PER_ROW, values, strict=True)) for values in zip(*columns, strict=True)]
        for row in rows:
            row.update(
                id=uuid.UUID(row["id"]),
                account_id=uuid.UUID(row["account_id"]),
                statement_id=uuid.UUID(row["statement_id"]),
                booking_date=date.fromisoformat(row["booking_date"]),
                value_date=date.fromisoformat(row["value_date"]),
                amount=Decimal(row["amount"]),
                line=int(row["line"]),
                tenant_id=tenant_id,
                processed=False,
                processing_state="recorded",
                created_at=now,
            )
        statement = (
            sqlite.insert(Movement)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(Movement.id)
        )
        result = await self.session.execute(statement, rows)
        return {str(id_) for id_ in result.scalars().all()}

    async def mark_processed(
        self, tenant_id: uuid.UUID, ids: list[uuid.UUID], *, processed: bool, state: str
    ) -> int:
        result = await self.session.execute(
            update(Movement)
            .where(Movement.tenant_id == tenant_id, Movement.id.in_(ids))
            .values(processed=processed, processing_state=state)
        )
        return result.rowcount or 0


class Imports:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, record: StatementImport) -> None:
        self.session.add(record)

    async def get(self, tenant_id: uuid.UUID, import_id: uuid.UUID) -> StatementImport | None:
        return await self.session.scalar(
            select(StatementImport).where(
                StatementImport.tenant_id == tenant_id, StatementImport.id == import_id
            )
        )

    async def page(
        self, tenant_id: uuid.UUID, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[StatementImport]:
        query = select(StatementImport).where(StatementImport.tenant_id == tenant_id)
        if after is not None:
            query = query.where(
                tuple_(StatementImport.created_at, StatementImport.id) < tuple_(*after)
            )
        query = query.order_by(StatementImport.created_at.desc(), StatementImport.id.desc())
        return list(await self.session.scalars(query.limit(limit)))


class Connections:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, connection: Connection) -> None:
        self.session.add(connection)

    async def get(self, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> Connection | None:
        return await self.session.scalar(
            select(Connection).where(
                Connection.tenant_id == tenant_id, Connection.id == connection_id
            )
        )

    async def by_name(self, tenant_id: uuid.UUID, name: str) -> Connection | None:
        return await self.session.scalar(
            select(Connection).where(Connection.tenant_id == tenant_id, Connection.name == name)
        )

    async def all(self, tenant_id: uuid.UUID) -> list[Connection]:
        query = select(Connection).where(Connection.tenant_id == tenant_id)
        return list(await self.session.scalars(query.order_by(Connection.name)))

    async def due(self, now: datetime) -> list[Connection]:
        """Polling connections whose next fetch time has come."""
        query = select(Connection).where(
            Connection.poll_minutes.is_not(None), Connection.next_fetch_at <= now
        )
        return list(await self.session.scalars(query))

    async def seen_keys(self, connection_id: uuid.UUID) -> set[str]:
        query = select(FetchedFile.key).where(FetchedFile.connection_id == connection_id)
        return set((await self.session.scalars(query)).all())

    def remember(self, fetched: FetchedFile) -> None:
        self.session.add(fetched)


class Jobs:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, job: Job) -> None:
        self.session.add(job)

    async def get(self, tenant_id: uuid.UUID, job_id: uuid.UUID) -> Job | None:
        return await self.session.scalar(
            select(Job).where(Job.tenant_id == tenant_id, Job.id == job_id)
        )

    async def by_id(self, job_id: uuid.UUID) -> Job | None:
        return await self.session.get(Job, job_id)

    async def open_for(self, connection_id: uuid.UUID) -> Job | None:
        """A job of this connection that is queued or running."""
        return await self.session.scalar(
            select(Job)
            .where(Job.connection_id == connection_id, Job.state.in_(("queued", "running")))
            .limit(1)
        )

    async def next_queued(self) -> uuid.UUID | None:
        return await self.session.scalar(
            select(Job.id).where(Job.state == "queued").order_by(Job.requested_at).limit(1)
        )

    async def claim(self, job_id: uuid.UUID, now: datetime) -> bool:
        """Move a queued job to running; False when another worker took it first."""
        result = await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(state="running", started_at=now)
        )
        return result.rowcount == 1

    async def requeue_running(self) -> None:
        await self.session.execute(
            update(Job).where(Job.state == "running").values(state="queued", started_at=None)
        )

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        connection_id: uuid.UUID | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Job]:
        query = select(Job).where(Job.tenant_id == tenant_id)
        if connection_id:
            query = query.where(Job.connection_id == connection_id)
        if after is not None:
            query = query.where(tuple_(Job.requested_at, Job.id) < tuple_(*after))
        query = query.order_by(Job.requested_at.desc(), Job.id.desc()).limit(limit)
        return list(await self.session.scalars(query))


class BankIngestUnitOfWork(UnitOfWork):
    """bank-ingest's repositories on one transaction."""

    accounts: BankAccounts
    statements: Statements
    movements: Movements
    imports: Imports
    connections: Connections
    jobs: Jobs

    async def __aenter__(self):
        await super().__aenter__()
        self.accounts = BankAccounts(self.session)
        self.statements = Statements(self.session)
        self.movements = Movements(self.session)
        self.imports = Imports(self.session)
        self.connections = Connections(self.session)
        self.jobs = Jobs(self.session)
        return self

    async def emit_batch(
        self,
        event: type[Event],
        payload: dict[str, Any],
        items: Sequence[str],
        *,
        tenant: uuid.UUID | None,
        key: str = "movements",
    ) -> Envelope:
        """Like :meth:`emit_payload`, with ``payload[key]`` given as JSON-encoded ``items`` (a
        batch event's movements, encoded where they were parsed). Consumers still validate the
        event against ``event``."""
        envelope = Envelope(
            type=event.type,
            version=event.version,
            tenant=tenant,
            correlation_id=current_correlation_id(),
            payload=payload,
        )
        await outbox.add_encoded(self.session, envelope, outbox.spliced(envelope, key, items))
        self._emitted += 1
        return envelope
