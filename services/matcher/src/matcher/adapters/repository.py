"""All of matcher's queries (vouchers have theirs in ``voucher_repository``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.uow import UnitOfWork

from .orm import (
    Counterparty,
    CounterpartyIban,
    Decision,
    ErpBankAccount,
    LearnedRule,
    LedgerAccount,
    MatchRule,
    Movement,
    OpenItem,
    OwnBankAccount,
    TenantSettings,
    TransactionCode,
)


class OwnBankAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: uuid.UUID) -> OwnBankAccount | None:
        return await self.session.get(OwnBankAccount, account_id)

    def add(self, account: OwnBankAccount) -> None:
        self.session.add(account)

    async def of_tenant(self, tenant_id: uuid.UUID) -> list[OwnBankAccount]:
        query = (
            select(OwnBankAccount)
            .where(OwnBankAccount.tenant_id == tenant_id)
            .order_by(OwnBankAccount.iban)
        )
        return list(await self.session.scalars(query))


class Directory:
    """Counterparties, ledger accounts, the ERP's bank accounts and open items of a tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counterparties(
        self, tenant_id: uuid.UUID, codes: Sequence[str]
    ) -> dict[str, Counterparty]:
        query = select(Counterparty).where(
            Counterparty.tenant_id == tenant_id, Counterparty.code.in_(codes)
        )
        return {c.code: c for c in await self.session.scalars(query)}

    async def all_counterparties(self, tenant_id: uuid.UUID) -> list[Counterparty]:
        query = select(Counterparty).where(Counterparty.tenant_id == tenant_id)
        return list(await self.session.scalars(query))

    async def extra_ibans(
        self, tenant_id: uuid.UUID, code: str | None = None
    ) -> list[CounterpartyIban]:
        query = select(CounterpartyIban).where(CounterpartyIban.tenant_id == tenant_id)
        if code is not None:
            query = query.where(CounterpartyIban.code == code)
        return list(await self.session.scalars(query.order_by(CounterpartyIban.id)))

    async def ledger_accounts(
        self, tenant_id: uuid.UUID, codes: Sequence[str] | None = None
    ) -> list[LedgerAccount]:
        query = select(LedgerAccount).where(LedgerAccount.tenant_id == tenant_id)
        if codes is not None:
            query = query.where(LedgerAccount.code.in_(codes))
        return list(await self.session.scalars(query.order_by(LedgerAccount.code)))

    async def erp_bank_accounts(self, tenant_id: uuid.UUID) -> list[ErpBankAccount]:
        query = select(ErpBankAccount).where(ErpBankAccount.tenant_id == tenant_id)
        return list(await self.session.scalars(query.order_by(ErpBankAccount.code)))

    async def open_items(self, tenant_id: uuid.UUID) -> list[OpenItem]:
        query = select(OpenItem).where(OpenItem.tenant_id == tenant_id)
        return list(await self.session.scalars(query.order_by(OpenItem.id)))

    async def find_open_items(
        self, tenant_id: uuid.UUID, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], OpenItem]:
        if not keys:
            return {}
        codes = {code for code, _ in keys}
        query = select(OpenItem).where(
            OpenItem.tenant_id == tenant_id, OpenItem.counterparty_code.in_(codes)
        )
        wanted = set(keys)
        return {
            (i.counterparty_code, i.document_number): i
            for i in await self.session.scalars(query)
            if (i.counterparty_code, i.document_number) in wanted
        }

    async def search(
        self, tenant_id: uuid.UUID, kind: str | None, text: str, limit: int
    ) -> list[tuple[str, str, str]]:
        """(kind, code, name) of accounts whose code starts with, or name contains, ``text``."""
        like = f"%{text.lower()}%"
        found: list[tuple[str, str, str]] = []
        sources = (
            ("counterparty", Counterparty.tenant_id, Counterparty.code, Counterparty.title),
            ("ledger", LedgerAccount.tenant_id, LedgerAccount.code, LedgerAccount.name),
            ("bank", ErpBankAccount.tenant_id, ErpBankAccount.code, ErpBankAccount.name),
        )
        for source, tenant, code, name in sources:
            if kind not in (None, source):
                continue
            query = (
                select(code, name)
                .where(tenant == tenant_id, or_(code.startswith(text), func.lower(name).like(like)))
                .order_by(code)
                .limit(limit)
            )
            found += [(source, c, n) for c, n in await self.session.execute(query)]
        return found[:limit]

    def add(self, row: object) -> None:
        self.session.add(row)


class Rules:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def operator(self, tenant_id: uuid.UUID, *, active_only: bool = True) -> list[MatchRule]:
        query = select(MatchRule).where(MatchRule.tenant_id == tenant_id)
        if active_only:
            query = query.where(MatchRule.active.is_(True))
        return list(await self.session.scalars(query.order_by(MatchRule.id)))

    async def get(self, tenant_id: uuid.UUID, rule_id: int) -> MatchRule | None:
        rule = await self.session.get(MatchRule, rule_id)
        return rule if rule is not None and rule.tenant_id == tenant_id else None

    async def learned(self, tenant_id: uuid.UUID) -> list[LearnedRule]:
        query = select(LearnedRule).where(LearnedRule.tenant_id == tenant_id)
        return list(await self.session.scalars(query.order_by(LearnedRule.id)))

    async def learned_for(self, tenant_id: uuid.UUID, kind: str, key: str) -> LearnedRule | None:
        query = select(LearnedRule).where(
            LearnedRule.tenant_id == tenant_id, LearnedRule.kind == kind, LearnedRule.key == key
        )
        return await self.session.scalar(query)

    async def transaction_codes(self, tenant_id: uuid.UUID) -> list[TransactionCode]:
        query = select(TransactionCode).where(TransactionCode.tenant_id == tenant_id)
        return list(await self.session.scalars(query.order_by(TransactionCode.code)))

    def add(self, row: object) -> None:
        self.session.add(row)


class Settings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, tenant_id: uuid.UUID) -> TenantSettings:
        settings = await self.session.get(TenantSettings, tenant_id)
        if settings is None:
            # A tenant's first request and first event may both get here at once: the one
            # that inserts second waits for the first's commit and takes its row (a plain
            # INSERT failed the request with a unique violation: a 500).
            dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
            defaults = {"auto_confirm": True, "auto_confirm_threshold": 0.95,
                        "ambiguity_margin": 0.05, "directory_version": 0, "rules_version": 0}  # fmt: skip
            await self.session.execute(
                dialect.insert(TenantSettings)
                .values(tenant_id=tenant_id, **defaults)
                .on_conflict_do_nothing()
            )
            settings = await self.session.get_one(TenantSettings, tenant_id)
        return settings

    async def bump(
        self, tenant_id: uuid.UUID, *, directory: bool = False, rules: bool = False
    ) -> None:
        """Tell cached matchers that what they read has changed."""
        await self.of(tenant_id)
        values = {}
        if directory:
            values["directory_version"] = TenantSettings.directory_version + 1
        if rules:
            values["rules_version"] = TenantSettings.rules_version + 1
        await self.session.execute(
            update(TenantSettings).where(TenantSettings.tenant_id == tenant_id).values(**values)
        )


@dataclass(frozen=True)
class WorklistFilter:
    state: str | None = None
    states: tuple[str, ...] | None = None
    account_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    direction: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    def apply(self, query: Select, tenant_id: uuid.UUID) -> Select:
        conditions = [Movement.tenant_id == tenant_id]
        if self.state:
            conditions.append(Movement.state == self.state)
        elif self.states:
            conditions.append(Movement.state.in_(self.states))
        if self.account_id:
            conditions.append(Movement.account_id == self.account_id)
        if self.date_from:
            conditions.append(Movement.booking_date >= self.date_from)
        if self.date_to:
            conditions.append(Movement.booking_date <= self.date_to)
        if self.direction == "incoming":
            conditions.append(Movement.amount > 0)
        elif self.direction == "outgoing":
            conditions.append(Movement.amount < 0)
        if self.amount_min is not None:
            conditions.append(
                or_(Movement.amount >= self.amount_min, Movement.amount <= -self.amount_min)
            )
        if self.amount_max is not None:
            conditions.append(
                and_(Movement.amount <= self.amount_max, Movement.amount >= -self.amount_max)
            )
        return query.where(*conditions)


class Movements:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def existing_ids(self, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        return set(await self.session.scalars(select(Movement.id).where(Movement.id.in_(ids))))

    def add_all(self, movements: Sequence[Movement]) -> None:
        self.session.add_all(movements)

    async def get(
        self, tenant_id: uuid.UUID, movement_id: uuid.UUID, *, lock: bool = False
    ) -> Movement | None:
        query = select(Movement).where(Movement.id == movement_id, Movement.tenant_id == tenant_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def many(
        self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID], *, lock: bool = False
    ) -> list[Movement]:
        query = (
            select(Movement)
            .where(Movement.tenant_id == tenant_id, Movement.id.in_(ids))
            .order_by(Movement.booking_date, Movement.id)
        )
        if lock:
            query = query.with_for_update()
        return list(await self.session.scalars(query))

    async def page(
        self,
        tenant_id: uuid.UUID,
        where: WorklistFilter,
        *,
        after: tuple[date, uuid.UUID] | None,
        limit: int,
    ) -> list[Movement]:
        query = where.apply(select(Movement), tenant_id)
        if after:
            day, last_id = after
            query = query.where(
                or_(
                    Movement.booking_date > day,
                    and_(Movement.booking_date == day, Movement.id > last_id),
                )
            )
        query = query.order_by(Movement.booking_date, Movement.id).limit(limit)
        return list(await self.session.scalars(query))

    async def counts(self, tenant_id: uuid.UUID, where: WorklistFilter) -> dict[str, int]:
        query = where.apply(select(Movement.state, func.count()), tenant_id).group_by(
            Movement.state
        )
        return {state: count for state, count in await self.session.execute(query)}

    async def decisions(self, tenant_id: uuid.UUID, movement_id: uuid.UUID) -> list[Decision]:
        query = (
            select(Decision)
            .where(Decision.tenant_id == tenant_id, Decision.movement_id == movement_id)
            .order_by(Decision.id)
        )
        return list(await self.session.scalars(query))

    def record(self, decision: Decision) -> None:
        self.session.add(decision)


class MatcherUnitOfWork(UnitOfWork):
    own_accounts: OwnBankAccounts
    directory: Directory
    rules: Rules
    settings: Settings
    movements: Movements

    async def __aenter__(self):
        await super().__aenter__()
        self.own_accounts = OwnBankAccounts(self.session)
        self.directory = Directory(self.session)
        self.rules = Rules(self.session)
        self.settings = Settings(self.session)
        self.movements = Movements(self.session)
        return self
