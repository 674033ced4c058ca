"""A tenant's Matcher, built from the database and kept while nothing it reads has changed.

Building one over 50k counterparties takes about a second, so it is cached per tenant and
rebuilt only when the tenant's ``directory_version`` moves; rules (which every confirmation may
teach) are swapped in cheaply on their own ``rules_version``.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import async_sessionmaker

from .adapters.orm import LearnedRule, MatchRule
from .adapters.repository import MatcherUnitOfWork
from .domain.matching import Matcher
from .domain.model import AccountKind, MatchInput, OpenItem, Party, Rule, RuleKind, Thresholds


@dataclass
class _Cached:
    directory_version: int
    rules_version: int
    thresholds: Thresholds
    base: Matcher
    ready: Matcher


_CACHES: weakref.WeakKeyDictionary[async_sessionmaker, dict[uuid.UUID, _Cached]] = (
    weakref.WeakKeyDictionary()
)


async def matcher_for(uow: MatcherUnitOfWork, tenant_id: uuid.UUID) -> Matcher:
    settings = await uow.settings.of(tenant_id)
    cache = _CACHES.setdefault(uow.sessions, {})
    thresholds = Thresholds(
        auto_confirm=settings.auto_confirm_threshold, ambiguity_margin=settings.ambiguity_margin
    )
    cached = cache.get(tenant_id)
    if cached is None or cached.directory_version != settings.directory_version:
        base = Matcher(await load_directory(uow, tenant_id), [], thresholds)
        cached = _Cached(-1, -1, thresholds, base, base)
    if cached.rules_version != settings.rules_version or cached.thresholds != thresholds:
        rules = await load_rules(uow, tenant_id)
        cached.ready = cached.base.with_rules(rules, thresholds)
    cached.directory_version = settings.directory_version
    cached.rules_version = settings.rules_version
    cached.thresholds = thresholds
    cache[tenant_id] = cached
    return cached.ready


async def load_directory(uow: MatcherUnitOfWork, tenant_id: uuid.UUID) -> MatchInput:
    directory = uow.directory
    extra: dict[str, list[str]] = {}
    for row in await directory.extra_ibans(tenant_id):
        if row.origin == "operator":
            extra.setdefault(row.code, []).append(row.iban)
    parties = [
        Party(
            AccountKind.COUNTERPARTY,
            c.code,
            c.title,
            tax_id=c.tax_id,
            ibans=(*c.ibans, *extra.get(c.code, ())),
            aliases=tuple(c.aliases),
        )
        for c in await directory.all_counterparties(tenant_id)
        if c.active
    ]
    parties += [
        Party(AccountKind.LEDGER, a.code, a.name)
        for a in await directory.ledger_accounts(tenant_id)
        if a.active
    ]
    erp_banks = await directory.erp_bank_accounts(tenant_id)
    parties += [Party(AccountKind.BANK, b.code, b.name or b.iban) for b in erp_banks]
    own_ibans = {b.iban: b.code for b in erp_banks}
    for own in await uow.own_accounts.of_tenant(tenant_id):
        if own.iban:
            own_ibans.setdefault(own.iban, own.ledger_code or own.iban)
    open_items = [
        OpenItem(i.counterparty_code, i.document_number, i.amount, i.currency)
        for i in await directory.open_items(tenant_id)
    ]
    return MatchInput(parties=parties, own_ibans=own_ibans, open_items=open_items)


async def load_rules(uow: MatcherUnitOfWork, tenant_id: uuid.UUID) -> list[Rule]:
    rules = [_operator_rule(r) for r in await uow.rules.operator(tenant_id)]
    rules += [_learned_rule(r) for r in await uow.rules.learned(tenant_id)]
    return rules


def _operator_rule(rule: MatchRule) -> Rule:
    return Rule(
        id=rule.id, kind=RuleKind(rule.kind), pattern=rule.pattern,
        target=AccountKind(rule.target_kind), code=rule.target_code, name=rule.target_name,
        document_type=rule.document_type, direction=rule.direction,
        amount_min=rule.amount_min, amount_max=rule.amount_max,
    )  # fmt: skip


def _learned_rule(rule: LearnedRule) -> Rule:
    return Rule(
        id=rule.id, kind=RuleKind(rule.kind), pattern=rule.key,
        target=AccountKind(rule.target_kind), code=rule.target_code, name=rule.target_name,
        document_type=rule.document_type, learned=True,
    )  # fmt: skip
