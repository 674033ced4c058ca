"""The queries of rounds and letters: bulk where a round has thousands of letters."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain.letters import OPEN
from .orm import Counterparty, Letter, LetterEmail, LetterEvent, Round
from .scope import code_in

# Core tables: thousands of rows at a time go in and change without ORM objects.
_letters = Letter.__table__
_events = LetterEvent.__table__
_emails = LetterEmail.__table__


class Rounds:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, round_: Round) -> None:
        self.session.add(round_)

    async def get(
        self, tenant_id: uuid.UUID, round_id: uuid.UUID, *, lock: bool = False
    ) -> Round | None:
        query = select(Round).where(Round.tenant_id == tenant_id, Round.id == round_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        since: datetime | None,
        until: datetime | None,
        created_by_email: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Round]:
        """Newest first, by the day sent (created, for a draft)."""
        day = func.coalesce(Round.sent_at, Round.created_at)
        query = select(Round).where(Round.tenant_id == tenant_id)
        if since is not None:
            query = query.where(day >= since)
        if until is not None:
            query = query.where(day < until)
        if created_by_email is not None:
            query = query.where(Round.created_by_email == created_by_email)
        if after is not None:
            query = query.where(
                or_(
                    Round.created_at < after[0],
                    (Round.created_at == after[0]) & (Round.id < after[1]),
                )
            )
        query = query.order_by(Round.created_at.desc(), Round.id.desc()).limit(limit)
        return list(await self.session.scalars(query))

    async def delete(self, round_: Round) -> None:
        """A draft round and its letters (nothing of it left the house)."""
        letters = select(Letter.id).where(Letter.round_id == round_.id)
        await self.session.execute(delete(LetterEvent).where(LetterEvent.letter_id.in_(letters)))
        await self.session.execute(delete(Letter).where(Letter.round_id == round_.id))
        await self.session.delete(round_)

    async def counts(self, round_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
        """Letters per state of each round."""
        query = (
            select(Letter.round_id, Letter.state, func.count())
            .where(Letter.round_id.in_(round_ids))
            .group_by(Letter.round_id, Letter.state)
        )
        counts: dict[uuid.UUID, dict[str, int]] = {round_id: {} for round_id in round_ids}
        for round_id, state, count in await self.session.execute(query):
            counts[round_id][state] = count
        return counts

    async def with_open_letters_past(self, today: date) -> list[Round]:
        """Ongoing rounds whose validity date has passed: their open letters expire."""
        query = select(Round).where(Round.state == "ongoing", Round.validity_date < today)
        return list(await self.session.scalars(query))

    async def due_for_reminder(self, today: date) -> list[Round]:
        query = select(Round).where(
            Round.state == "ongoing",
            Round.reminder_days_before.is_not(None),
            Round.reminded_at.is_(None),
            Round.validity_date >= today,
        )
        rounds = await self.session.scalars(query)
        return [r for r in rounds if (r.validity_date - today).days <= r.reminder_days_before]


class Letters:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 1000):
            await self.session.execute(insert(_letters), rows[start : start + 1000])

    async def get(
        self, tenant_id: uuid.UUID, letter_id: uuid.UUID, *, lock: bool = False
    ) -> Letter | None:
        query = select(Letter).where(Letter.tenant_id == tenant_id, Letter.id == letter_id)
        return await self.session.scalar(query.with_for_update() if lock else query)

    async def by_ids(self, tenant_id: uuid.UUID | None, ids: Iterable[uuid.UUID]) -> list[Letter]:
        ids = list(ids)
        query = select(Letter).where(Letter.id.in_(ids))
        if tenant_id is not None:
            query = query.where(Letter.tenant_id == tenant_id)
        return list(await self.session.scalars(query.with_for_update()))

    async def of_round(
        self,
        round_id: uuid.UUID,
        *,
        states: Iterable[str] | None = None,
        after: str | None = None,
        limit: int | None = None,
        lock: bool = False,
    ) -> list[Letter]:
        """By counterparty code; ``lock``: for changing them (rows locked on PostgreSQL)."""
        query = select(Letter).where(Letter.round_id == round_id)
        if states is not None:
            query = query.where(Letter.state.in_(list(states)))
        if after is not None:
            query = query.where(Letter.code > after)
        query = query.order_by(Letter.code)
        if limit is not None:
            query = query.limit(limit)
        if lock:
            query = query.with_for_update()
        return list(await self.session.scalars(query))

    async def queue_prepared(
        self, round_id: uuid.UUID, at: datetime
    ) -> list[tuple[uuid.UUID, dict, list[dict], list[dict]]]:
        """Every prepared letter of the round queued for its first e-mail: (id, content,
        recipients, documents) of each."""
        prepared = (Letter.round_id == round_id) & (Letter.state == "prepared")
        rows = await self.session.execute(
            select(Letter.id, Letter.content, Letter.recipients, Letter.documents).where(prepared)
        )
        found = [tuple(row) for row in rows]
        await self.session.execute(
            update(Letter).where(prepared).values(state="queued", sends=1, updated_at=at)
        )
        return found

    async def expire_open(self, round_id: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        ids = list(
            await self.session.scalars(
                select(Letter.id).where(Letter.round_id == round_id, Letter.state.in_(OPEN))
            )
        )
        if ids:
            await self.session.execute(
                update(Letter)
                .where(Letter.round_id == round_id, Letter.state.in_(OPEN))
                .values(state="expired", updated_at=at)
            )
        return ids

    async def record(self, events: list[dict[str, Any]]) -> None:
        """Add history entries: ``letter_id``, ``at``, ``event``, ``state``, ``source``, ``detail``."""
        for start in range(0, len(events), 1000):
            await self.session.execute(insert(_events), events[start : start + 1000])

    async def history(self, letter_id: uuid.UUID) -> list[LetterEvent]:
        query = select(LetterEvent).where(LetterEvent.letter_id == letter_id)
        return list(await self.session.scalars(query.order_by(LetterEvent.seq)))

    async def add_emails(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 1000):
            await self.session.execute(insert(_emails), rows[start : start + 1000])

    async def emails(self, letter_id: uuid.UUID) -> list[LetterEmail]:
        query = select(LetterEmail).where(LetterEmail.letter_id == letter_id)
        return list(await self.session.scalars(query.order_by(LetterEmail.send_no)))

    async def for_delivery(
        self, tenant_id: uuid.UUID | None, keys: Collection[tuple[uuid.UUID, int]]
    ) -> tuple[dict[uuid.UUID, Row], set[tuple[uuid.UUID, int]]]:
        """The letters behind ``keys`` (id, state, reason, round_id; locked), and which of the
        e-mails are still waiting for their outcome."""
        ids = list({letter_id for letter_id, _ in keys})
        query = select(_letters.c.id, _letters.c.state, _letters.c.reason, _letters.c.round_id)
        query = query.where(_letters.c.id.in_(ids))
        if tenant_id is not None:
            query = query.where(_letters.c.tenant_id == tenant_id)
        letters = {row.id: row for row in await self.session.execute(query.with_for_update())}
        waiting = select(_emails.c.letter_id, _emails.c.send_no).where(
            _emails.c.letter_id.in_(list(letters)), _emails.c.outcome == "queued"
        )
        wanted = set(keys)
        pending = {tuple(row) for row in await self.session.execute(waiting)} & wanted
        return letters, pending  # type: ignore[return-value]

    async def settle(self, emails: list[dict[str, Any]], letters: list[dict[str, Any]]) -> None:
        """Store e-mails' outcomes (``letter_id``, ``send_no``, ``outcome``, ``reason``,
        ``attempts``, ``finished_at``) and letters' new states (``id``, ``state``, ``reason``,
        ``updated_at``), each as one statement run for many rows."""
        if emails:
            await self.session.execute(
                update(_emails)
                .where(_emails.c.letter_id == bindparam("k_letter"),
                       _emails.c.send_no == bindparam("k_send"))
                .values(outcome=bindparam("outcome"), reason=bindparam("reason"),
                        attempts=bindparam("attempts"), finished_at=bindparam("finished_at")),
                [{"k_letter": e["letter_id"], "k_send": e["send_no"], **e} for e in emails],
            )  # fmt: skip
        if letters:
            await self.session.execute(
                update(_letters)
                .where(_letters.c.id == bindparam("k_id"))
                .values(state=bindparam("state"), reason=bindparam("reason"),
                        updated_at=bindparam("updated_at")),
                [{"k_id": letter["id"], **letter} for letter in letters],
            )  # fmt: skip


async def counterparties_by_code(
    session: AsyncSession, tenant_id: uuid.UUID, codes: Sequence[str]
) -> dict[str, Counterparty]:
    if not codes:
        return {}
    dialect = session.get_bind().dialect.name
    query = select(Counterparty).where(
        Counterparty.tenant_id == tenant_id, code_in(Counterparty.code, codes, dialect)
    )
    return {row.code: row for row in await session.scalars(query)}
