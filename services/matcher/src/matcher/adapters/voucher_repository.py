"""The queries of vouchers, their numbering, exchange rates and webhooks."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Select, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from .orm import ErpBankAccount, OwnBankAccount
from .voucher_tables import (
    DocumentSeries,
    ExchangeRate,
    SeriesCounter,
    Voucher,
    VoucherFeed,
    Webhook,
    WebhookDelivery,
)

IN_CHUNK = 500
"""Ids per ``IN (...)``: well under SQLite's limit of bound parameters."""


def upsert(session: AsyncSession, model):
    """``INSERT`` with ``ON CONFLICT`` for the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


class Vouchers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- numbering ----------------------------------------------------------------------------

    async def take_seqs(self, tenant_id: uuid.UUID, count: int) -> list[int]:
        """``count`` feed positions of the tenant. The counter row stays locked until the
        transaction ends, so this is also the tenant's issuing lock: take it before anything else
        (a second counter locked first could deadlock, and SQLite must write before it reads)."""
        await self.session.execute(
            upsert(self.session, VoucherFeed)
            .values(tenant_id=tenant_id, next_seq=1)
            .on_conflict_do_nothing(index_elements=["tenant_id"])
        )
        first = await self.session.scalar(
            update(VoucherFeed)
            .where(VoucherFeed.tenant_id == tenant_id)
            .values(next_seq=VoucherFeed.next_seq + count)
            .returning(VoucherFeed.next_seq - count)
            .execution_options(synchronize_session=False)
        )
        assert first is not None
        return list(range(first, first + count))

    async def next_number(self, tenant_id: uuid.UUID, series: str) -> int:
        """The series' next free number; numbers already taken (explicitly) are skipped."""
        [number] = await self.next_numbers(tenant_id, series, 1)
        return number

    async def next_numbers(self, tenant_id: uuid.UUID, series: str, count: int) -> list[int]:
        """The series' next ``count`` free numbers, in order; numbers already taken (explicitly)
        are skipped. A block at a time: the counter moves by what is still missing and one query
        finds the taken numbers in the block, so the counter ends where taking the numbers one by
        one would have left it. Call it under the tenant's issuing lock (:meth:`take_seqs`)."""
        await self.session.execute(
            upsert(self.session, SeriesCounter)
            .values(tenant_id=tenant_id, series=series, next_number=1)
            .on_conflict_do_nothing(index_elements=["tenant_id", "series"])
        )
        numbers: list[int] = []
        while len(numbers) < count:
            missing = count - len(numbers)
            first = await self.session.scalar(
                update(SeriesCounter)
                .where(SeriesCounter.tenant_id == tenant_id, SeriesCounter.series == series)
                .values(next_number=SeriesCounter.next_number + missing)
                .returning(SeriesCounter.next_number - missing)
                .execution_options(synchronize_session=False)
            )
            assert first is not None
            taken = await self.numbers_taken(tenant_id, series, first, first + missing)
            numbers += [n for n in range(first, first + missing) if n not in taken]
        return numbers

    async def numbers_taken(
        self, tenant_id: uuid.UUID, series: str, first: int, stop: int
    ) -> set[int]:
        """The numbers of the series in ``[first, stop)`` that vouchers already have."""
        return set(
            await self.session.scalars(
                select(Voucher.number).where(
                    Voucher.tenant_id == tenant_id,
                    Voucher.series == series,
                    Voucher.number >= first,
                    Voucher.number < stop,
                )
            )
        )

    async def number_taken(self, tenant_id: uuid.UUID, series: str, number: int) -> bool:
        return bool(
            await self.session.scalar(
                select(
                    exists().where(
                        Voucher.tenant_id == tenant_id,
                        Voucher.series == series,
                        Voucher.number == number,
                    )
                )
            )
        )

    async def series_map(self, tenant_id: uuid.UUID) -> dict[str, str]:
        rows = await self.session.scalars(
            select(DocumentSeries).where(DocumentSeries.tenant_id == tenant_id)
        )
        return {row.document_type: row.series for row in rows}

    async def replace_series_map(
        self, tenant_id: uuid.UUID, mapping: dict[str, str], now: dt.datetime
    ) -> None:
        existing = {
            row.document_type: row
            for row in await self.session.scalars(
                select(DocumentSeries).where(DocumentSeries.tenant_id == tenant_id)
            )
        }
        for document_type, old in existing.items():
            if document_type not in mapping:
                await self.session.delete(old)
        for document_type, series in mapping.items():
            row = existing.get(document_type)
            if row is None:
                self.session.add(
                    DocumentSeries(
                        tenant_id=tenant_id,
                        document_type=document_type,
                        series=series,
                        updated_at=now,
                    )
                )
            elif row.series != series:
                row.series, row.updated_at = series, now

    # -- reading ------------------------------------------------------------------------------

    async def get(
        self, tenant_id: uuid.UUID, voucher_id: uuid.UUID, *, fresh: bool = False
    ) -> Voucher | None:
        query = select(Voucher).where(Voucher.tenant_id == tenant_id, Voucher.id == voucher_id)
        if fresh:
            query = query.execution_options(populate_existing=True)
        return await self.session.scalar(query)

    async def live_of_movement(self, movement_id: uuid.UUID) -> Voucher | None:
        return await self.session.scalar(
            select(Voucher).where(
                Voucher.movement_id == movement_id,
                Voucher.state.in_(("ready", "acknowledged")),
                Voucher.reversal_of.is_(None),
            )
        )

    async def live_of_movements(
        self, movement_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Voucher]:
        """The live (ready or acknowledged) voucher of each of the movements that has one."""
        found: dict[uuid.UUID, Voucher] = {}
        for start in range(0, len(movement_ids), IN_CHUNK):
            rows = await self.session.scalars(
                select(Voucher).where(
                    Voucher.movement_id.in_(movement_ids[start : start + IN_CHUNK]),
                    Voucher.state.in_(("ready", "acknowledged")),
                    Voucher.reversal_of.is_(None),
                )
            )
            found.update((v.movement_id, v) for v in rows)
        return found

    async def page(
        self,
        tenant_id: uuid.UUID,
        *,
        states: Sequence[str] | None,
        movement_id: uuid.UUID | None,
        after_seq: int | None,
        limit: int,
    ) -> list[Voucher]:
        query: Select = select(Voucher).where(Voucher.tenant_id == tenant_id)
        if states:
            query = query.where(Voucher.state.in_(states))
        if movement_id is not None:
            query = query.where(Voucher.movement_id == movement_id)
        if after_seq is not None:
            query = query.where(Voucher.seq > after_seq)
        return list(await self.session.scalars(query.order_by(Voucher.seq).limit(limit)))

    # -- the bank side of a voucher -----------------------------------------------------------

    async def erp_bank_account(self, tenant_id: uuid.UUID, iban: str) -> ErpBankAccount | None:
        if not iban:
            return None
        return await self.session.scalar(
            select(ErpBankAccount).where(
                ErpBankAccount.tenant_id == tenant_id, ErpBankAccount.iban == iban
            )
        )

    async def own_account(self, account_id: uuid.UUID) -> OwnBankAccount | None:
        return await self.session.get(OwnBankAccount, account_id)

    # -- exchange rates -----------------------------------------------------------------------

    async def rate_on(
        self, tenant_id: uuid.UUID, currency: str, day: dt.date
    ) -> ExchangeRate | None:
        """The ERP's rate of ``day``, or the latest one before it."""
        return await self.session.scalar(
            select(ExchangeRate)
            .where(
                ExchangeRate.tenant_id == tenant_id,
                ExchangeRate.currency == currency,
                ExchangeRate.date <= day,
            )
            .order_by(ExchangeRate.date.desc())
            .limit(1)
        )

    async def rates_between(
        self, tenant_id: uuid.UUID, currency: str, first: dt.date, last: dt.date
    ) -> list[ExchangeRate]:
        """The ERP's rates of ``first`` (or the latest one before it) to ``last``, oldest first:
        what :meth:`rate_on` gives for any day of the span."""
        floor = await self.rate_on(tenant_id, currency, first)
        rows = await self.session.scalars(
            select(ExchangeRate)
            .where(
                ExchangeRate.tenant_id == tenant_id,
                ExchangeRate.currency == currency,
                ExchangeRate.date > first,
                ExchangeRate.date <= last,
            )
            .order_by(ExchangeRate.date)
        )
        return [*([floor] if floor is not None else []), *rows]

    async def put_rates(
        self, tenant_id: uuid.UUID, rates: Sequence[tuple[str, dt.date, Decimal]], now: dt.datetime
    ) -> None:
        for currency, day, rate in rates:
            statement = upsert(self.session, ExchangeRate).values(
                tenant_id=tenant_id, currency=currency, date=day, rate=rate, updated_at=now
            )
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["tenant_id", "currency", "date"],
                    set_={"rate": statement.excluded.rate, "updated_at": now},
                )
            )

    async def rates(
        self,
        tenant_id: uuid.UUID,
        *,
        currency: str | None,
        date_from: dt.date | None,
        date_to: dt.date | None,
        limit: int,
    ) -> list[ExchangeRate]:
        query = select(ExchangeRate).where(ExchangeRate.tenant_id == tenant_id)
        if currency:
            query = query.where(ExchangeRate.currency == currency)
        if date_from:
            query = query.where(ExchangeRate.date >= date_from)
        if date_to:
            query = query.where(ExchangeRate.date <= date_to)
        query = query.order_by(ExchangeRate.date.desc(), ExchangeRate.currency).limit(limit)
        return list(await self.session.scalars(query))


class Webhooks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook | None:
        return await self.session.scalar(
            select(Webhook).where(Webhook.tenant_id == tenant_id, Webhook.id == webhook_id)
        )

    async def of_tenant(self, tenant_id: uuid.UUID) -> list[Webhook]:
        return list(
            await self.session.scalars(
                select(Webhook)
                .where(Webhook.tenant_id == tenant_id, Webhook.deleted_at.is_(None))
                .order_by(Webhook.created_at, Webhook.id)
            )
        )

    async def deliveries(
        self,
        tenant_id: uuid.UUID,
        *,
        webhook_id: uuid.UUID | None = None,
        voucher_id: uuid.UUID | None = None,
        after: tuple[dt.datetime, uuid.UUID] | None = None,
        limit: int = 100,
    ) -> list[WebhookDelivery]:
        query = select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant_id)
        if webhook_id is not None:
            query = query.where(WebhookDelivery.webhook_id == webhook_id)
        if voucher_id is not None:
            query = query.where(WebhookDelivery.voucher_id == voucher_id)
        if after is not None:
            at, last_id = after
            query = query.where(
                (WebhookDelivery.created_at > at)
                | ((WebhookDelivery.created_at == at) & (WebhookDelivery.id > last_id))
            )
        query = query.order_by(WebhookDelivery.created_at, WebhookDelivery.id).limit(limit)
        return list(await self.session.scalars(query))
