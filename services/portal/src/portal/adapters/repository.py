"""All of portal's queries. A page view is one query (the letter with its attachment's name) plus
one for its page of documents; the first view and the answer are conditional updates, so two
requests at once cannot both count as first."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.uow import UnitOfWork

from .orm import Attachment, Letter, LetterDocument

LETTERS = cast(Table, Letter.__table__)
DOCUMENTS = cast(Table, LetterDocument.__table__)
ATTACHMENTS = cast(Table, Attachment.__table__)

_DOCUMENT_COLUMNS = [
    DOCUMENTS.c[name]
    for name in ("date", "document_no", "description", "currency", "debit", "credit", "form", "net")
]
_ATTACHMENT_INFO = (
    ATTACHMENTS.c.file_name.label("attachment_name"),
    ATTACHMENTS.c.content_type.label("attachment_type"),
    ATTACHMENTS.c.size.label("attachment_size"),
    ATTACHMENTS.c.sha256.label("attachment_sha256"),
)


@dataclass(frozen=True)
class AttachmentInfo:
    file_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class StoredLetter:
    """A letter row and its attachment's description (not its bytes)."""

    letter_id: uuid.UUID
    tenant_id: uuid.UUID
    round_id: uuid.UUID
    content: dict[str, Any]
    valid_until: date
    language: str
    document_count: int
    issued_at: datetime
    viewed_at: datetime | None
    answer: str | None
    reason: str
    answered_by: str
    answered_title: str
    their_balance: Decimal | None
    answered_at: datetime | None
    from_address: str
    user_agent: str
    attachment: AttachmentInfo | None


@dataclass(frozen=True)
class StoredAttachment:
    file_name: str
    content_type: str
    content: bytes


class LetterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self, table: Table):  # noqa: ANN202 - dialect-specific Insert
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    async def known(self, letter_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these letters are stored already."""
        if not letter_ids:
            return set()
        query = select(LETTERS.c.letter_id).where(LETTERS.c.letter_id.in_(letter_ids))
        return set(await self.session.scalars(query))

    async def add(self, letters: list[dict[str, Any]], documents: list[dict[str, Any]]) -> None:
        """Store letters and their documents; a row already there is left as it is."""
        if letters:
            statement = self._insert(LETTERS).on_conflict_do_nothing(index_elements=["letter_id"])
            await self.session.execute(statement, letters)
        if documents:
            statement = self._insert(DOCUMENTS).on_conflict_do_nothing(
                index_elements=["letter_id", "position"]
            )
            await self.session.execute(statement, documents)

    async def by_digest(self, digest: str) -> StoredLetter | None:
        query = (
            select(LETTERS, *_ATTACHMENT_INFO)
            .outerjoin(ATTACHMENTS, ATTACHMENTS.c.letter_id == LETTERS.c.letter_id)
            .where(LETTERS.c.token_digest == digest)
        )
        row = (await self.session.execute(query)).mappings().first()
        return _stored(row) if row else None

    async def of_tenant(self, tenant_id: uuid.UUID, letter_id: uuid.UUID) -> StoredLetter | None:
        query = (
            select(LETTERS, *_ATTACHMENT_INFO)
            .outerjoin(ATTACHMENTS, ATTACHMENTS.c.letter_id == LETTERS.c.letter_id)
            .where(LETTERS.c.letter_id == letter_id, LETTERS.c.tenant_id == tenant_id)
        )
        row = (await self.session.execute(query)).mappings().first()
        return _stored(row) if row else None

    async def documents(
        self, letter_id: uuid.UUID, *, start: int = 0, stop: int | None = None
    ) -> list[Row[Any]]:
        """Documents ``start`` ≤ position < ``stop`` in order (all when ``stop`` is None), as
        plain rows (``.date``, ``.document_no``, ``.debit`` ...): no ORM objects to build."""
        query = select(*_DOCUMENT_COLUMNS).where(
            DOCUMENTS.c.letter_id == letter_id, DOCUMENTS.c.position >= start
        )
        if stop is not None:
            query = query.where(DOCUMENTS.c.position < stop)
        return list(await self.session.execute(query.order_by(DOCUMENTS.c.position)))

    async def mark_viewed(self, letter_id: uuid.UUID, at: datetime) -> bool:
        """True when this is the letter's first view."""
        result = await self.session.execute(
            update(LETTERS)
            .where(LETTERS.c.letter_id == letter_id, LETTERS.c.viewed_at.is_(None))
            .values(viewed_at=at)
        )
        return cast(CursorResult[Any], result).rowcount == 1

    async def record_answer(
        self, letter_id: uuid.UUID, values: dict[str, Any], *, open_on: date
    ) -> bool:
        """Store the answer unless the letter has one, or its validity date is before
        ``open_on``; True when stored. The condition is in the UPDATE itself: of two answers at
        once, exactly one is stored."""
        result = await self.session.execute(
            update(LETTERS)
            .where(
                LETTERS.c.letter_id == letter_id,
                LETTERS.c.answer.is_(None),
                LETTERS.c.valid_until >= open_on,
            )
            .values(**values)
        )
        return cast(CursorResult[Any], result).rowcount == 1

    async def add_attachment(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(ATTACHMENTS).values(**values))

    async def attachment_of(
        self, tenant_id: uuid.UUID, letter_id: uuid.UUID
    ) -> StoredAttachment | None:
        query = select(
            ATTACHMENTS.c.file_name, ATTACHMENTS.c.content_type, ATTACHMENTS.c.content
        ).where(ATTACHMENTS.c.letter_id == letter_id, ATTACHMENTS.c.tenant_id == tenant_id)
        row = (await self.session.execute(query)).first()
        return StoredAttachment(*row) if row else None


def _stored(row: Any) -> StoredLetter:
    values = {name: row[name] for name in StoredLetter.__dataclass_fields__ if name in row}
    if row["attachment_name"] is None:
        values["attachment"] = None
    else:
        values["attachment"] = AttachmentInfo(
            row["attachment_name"],
            row["attachment_type"],
            row["attachment_size"],
            row["attachment_sha256"],
        )
    return StoredLetter(**values)


class PortalUnitOfWork(UnitOfWork):
    letters: LetterRepository

    async def __aenter__(self):
        await super().__aenter__()
        self.letters = LetterRepository(self.session)
        return self
