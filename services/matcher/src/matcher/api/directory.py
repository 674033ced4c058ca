"""The directory matching reads: what the ERP pushes (ledger accounts, its bank accounts, open
items), the counterparties replicated from reconciliation, and IBANs the operator adds."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from shared.auth import Principal, Role
from shared.errors import NotFound, ValidationFailed
from shared.http.deps import ANY_ROLE, get_uow, require
from shared.http.problems import PROBLEM_RESPONSES

from ..adapters.orm import CounterpartyIban, ErpBankAccount, LedgerAccount, OpenItem
from ..adapters.repository import MatcherUnitOfWork
from ..domain.model import AccountKind
from ..schemas import (
    AccountHit,
    CounterpartyOut,
    ErpBankAccountIn,
    ErpBankAccountOut,
    IbanIn,
    LedgerAccountIn,
    LedgerAccountOut,
    OpenItemIn,
    OpenItemOut,
    UpsertSummary,
)

router = APIRouter(tags=["directory"], responses=PROBLEM_RESPONSES)
ERP_OR_OPERATOR = require(Role.ERP, Role.OPERATOR)
MAX_ROWS = 50_000


class OwnBankAccountOut(BaseModel):
    account_id: uuid.UUID
    iban: str
    currency: str
    name: str
    bank_name: str
    ledger_code: str


@router.get(
    "/own-accounts",
    response_model=list[OwnBankAccountOut],
    summary="The company's own bank accounts, as learned from bank-ingest",
)
async def list_own_accounts(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[OwnBankAccountOut]:
    async with uow:
        accounts = await uow.own_accounts.of_tenant(principal.tenant_id)
    return [OwnBankAccountOut.model_validate(a, from_attributes=True) for a in accounts]


@router.put(
    "/ledger-accounts",
    response_model=UpsertSummary,
    summary="Upsert the chart of accounts (bulk, by code)",
)
async def put_ledger_accounts(
    rows: list[LedgerAccountIn] = Body(max_length=MAX_ROWS),
    principal: Principal = Depends(ERP_OR_OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> UpsertSummary:
    _unique(rows, lambda r: r.code, "code")
    async with uow:
        existing = {a.code: a for a in await uow.directory.ledger_accounts(principal.tenant_id)}
        summary = _upsert(
            uow, rows, existing, key=lambda r: r.code,
            make=lambda r: LedgerAccount(tenant_id=principal.tenant_id, code=r.code),
        )  # fmt: skip
        await _finish(uow, principal.tenant_id, summary)
    return summary


@router.get("/ledger-accounts", response_model=list[LedgerAccountOut], summary="Chart of accounts")
async def list_ledger_accounts(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[LedgerAccountOut]:
    async with uow:
        rows = await uow.directory.ledger_accounts(principal.tenant_id)
    return [LedgerAccountOut.model_validate(r) for r in rows]


@router.put(
    "/bank-accounts",
    response_model=UpsertSummary,
    summary="Upsert the ERP's bank accounts (bulk, by IBAN)",
    description="The ERP's code of each bank account (e.g. 102.01.001) is the bank line of its "
    "vouchers; a movement to or from one of these IBANs is a virman.",
)
async def put_bank_accounts(
    rows: list[ErpBankAccountIn] = Body(max_length=MAX_ROWS),
    principal: Principal = Depends(ERP_OR_OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> UpsertSummary:
    clean = [r.model_copy(update={"iban": _iban(r.iban, row=i)}) for i, r in enumerate(rows, 1)]
    _unique(clean, lambda r: r.iban, "iban")
    async with uow:
        existing = {a.iban: a for a in await uow.directory.erp_bank_accounts(principal.tenant_id)}
        summary = _upsert(
            uow, clean, existing, key=lambda r: r.iban,
            make=lambda r: ErpBankAccount(tenant_id=principal.tenant_id, iban=r.iban),
        )  # fmt: skip
        await _finish(uow, principal.tenant_id, summary)
    return summary


@router.get("/bank-accounts", response_model=list[ErpBankAccountOut], summary="ERP bank accounts")
async def list_bank_accounts(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[ErpBankAccountOut]:
    async with uow:
        rows = await uow.directory.erp_bank_accounts(principal.tenant_id)
    return [ErpBankAccountOut.model_validate(r) for r in rows]


@router.put(
    "/open-items",
    response_model=UpsertSummary,
    summary="Upsert counterparties' open invoices (bulk); amount 0 closes one",
    description="A movement naming an open invoice's number, for its exact amount, is strong "
    "evidence for that counterparty.",
)
async def put_open_items(
    rows: list[OpenItemIn] = Body(max_length=MAX_ROWS),
    principal: Principal = Depends(ERP_OR_OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> UpsertSummary:
    _unique(rows, lambda r: (r.counterparty_code, r.document_number), "document_number")
    async with uow:
        existing = await uow.directory.find_open_items(
            principal.tenant_id, [(r.counterparty_code, r.document_number) for r in rows]
        )
        closed = [r for r in rows if r.amount == 0]
        for row in closed:
            if (
                item := existing.pop((row.counterparty_code, row.document_number), None)
            ) is not None:
                await uow.session.delete(item)
        summary = _upsert(
            uow, [r for r in rows if r.amount != 0], existing,
            key=lambda r: (r.counterparty_code, r.document_number),
            make=lambda r: OpenItem(tenant_id=principal.tenant_id, counterparty_code=r.counterparty_code,
                                    document_number=r.document_number),
        )  # fmt: skip
        summary.removed = sum(1 for r in closed) - 0
        await _finish(uow, principal.tenant_id, summary)
    return summary


@router.get("/open-items", response_model=list[OpenItemOut], summary="Open invoices")
async def list_open_items(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[OpenItemOut]:
    async with uow:
        rows = await uow.directory.open_items(principal.tenant_id)
    return [OpenItemOut.model_validate(r) for r in rows]


@router.get(
    "/counterparties/{code}",
    response_model=CounterpartyOut,
    summary="A counterparty as matching knows it, with every IBAN and where it came from",
)
async def get_counterparty(
    code: str, principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> CounterpartyOut:
    async with uow:
        found = (await uow.directory.counterparties(principal.tenant_id, [code])).get(code)
        if found is None:
            raise NotFound(f"No counterparty {code!r} (counterparties come from reconciliation).")
        extra = await uow.directory.extra_ibans(principal.tenant_id, code)
        learned = [
            r.key
            for r in await uow.rules.learned(principal.tenant_id)
            if r.kind == "iban" and r.target_kind == "counterparty" and r.target_code == code
        ]
    return CounterpartyOut(
        code=found.code, kind=found.kind, title=found.title, tax_id=found.tax_id,
        ibans=found.ibans, operator_ibans=[e.iban for e in extra if e.origin == "operator"],
        learned_ibans=learned, aliases=found.aliases, active=found.active,
    )  # fmt: skip


@router.post(
    "/counterparties/{code}/ibans",
    response_model=CounterpartyOut,
    status_code=201,
    summary="Add an IBAN to a counterparty (operator)",
)
async def add_counterparty_iban(
    code: str,
    body: IbanIn,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> CounterpartyOut:
    iban = _iban(body.iban)
    async with uow:
        if code not in await uow.directory.counterparties(principal.tenant_id, [code]):
            raise NotFound(f"No counterparty {code!r}.")
        if iban not in {e.iban for e in await uow.directory.extra_ibans(principal.tenant_id, code)}:
            uow.directory.add(
                CounterpartyIban(
                    tenant_id=principal.tenant_id,
                    iban=iban,
                    code=code,
                    origin="operator",
                    created_by=principal.user_email or principal.key_id,
                    created_at=datetime.now(UTC),
                )  # fmt: skip
            )
            await uow.settings.bump(principal.tenant_id, directory=True)
        await uow.commit()
    return await get_counterparty(code, principal, uow)


@router.get(
    "/accounts/search",
    response_model=list[AccountHit],
    summary="Find an account by code (prefix) or name (part), to choose it for a movement",
)
async def search_accounts(
    q: str = Query(min_length=1, max_length=100),
    kind: AccountKind | None = None,
    limit: int = Query(20, ge=1, le=100),
    principal: Principal = Depends(ANY_ROLE),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> list[AccountHit]:
    async with uow:
        found = await uow.directory.search(
            principal.tenant_id, kind.value if kind else None, q, limit
        )
    return [AccountHit(kind=AccountKind(k), code=c, name=n) for k, c, n in found]


async def account_name(
    uow: MatcherUnitOfWork, tenant_id: uuid.UUID, kind: AccountKind, code: str
) -> str:
    """The name of an existing account; a clear 422 if there is none."""
    if kind is AccountKind.COUNTERPARTY:
        found = (await uow.directory.counterparties(tenant_id, [code])).get(code)
        name = found.title if found else None
    elif kind is AccountKind.LEDGER:
        rows = await uow.directory.ledger_accounts(tenant_id, [code])
        name = rows[0].name if rows else None
    else:
        banks = {b.code: b for b in await uow.directory.erp_bank_accounts(tenant_id)}
        name = (banks[code].name or banks[code].iban) if code in banks else None
    if name is None:
        raise ValidationFailed(
            f"No {kind.value} account with code {code!r}.",
            errors=[{"field": "code", "value": code, "reason": f"unknown {kind.value} account"}],
        )
    return name


T = TypeVar("T", bound=BaseModel)


def _upsert(
    uow: MatcherUnitOfWork,
    rows: Sequence[T],
    existing: dict[Any, Any],
    *,
    key: Callable[[T], Any],
    make: Callable[[T], Any],
) -> UpsertSummary:
    now = datetime.now(UTC)
    created = updated = unchanged = 0
    for row in rows:
        target = existing.get(key(row))
        values = row.model_dump()
        if target is None:
            target = make(row)
            uow.directory.add(target)
            created += 1
        elif all(getattr(target, k) == v for k, v in values.items()):
            unchanged += 1
            continue
        else:
            updated += 1
        for name, value in values.items():
            setattr(target, name, value)
        target.updated_at = now
    return UpsertSummary(created=created, updated=updated, unchanged=unchanged)


async def _finish(uow: MatcherUnitOfWork, tenant_id: uuid.UUID, summary: UpsertSummary) -> None:
    if summary.created or summary.updated or summary.removed:
        await uow.settings.bump(tenant_id, directory=True)
    await uow.commit()


def _unique(rows: Sequence[T], key: Callable[[T], Any], field: str) -> None:
    seen: dict[Any, int] = {}
    errors = []
    for i, row in enumerate(rows, 1):
        if key(row) in seen:
            errors.append(
                {
                    "row": i,
                    "field": field,
                    "value": str(key(row)),
                    "reason": f"same as row {seen[key(row)]}",
                }  # fmt: skip
            )
        seen.setdefault(key(row), i)
    if errors:
        raise ValidationFailed("Duplicate rows; nothing was stored.", errors=errors)


def _iban(value: str, *, row: int | None = None) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        error: dict[str, Any] = {"field": "iban", "value": value, "reason": str(exc)}
        if row is not None:
            error["row"] = row
        raise ValidationFailed(
            f"Invalid IBAN {value!r}; nothing was stored.", errors=[error]
        ) from exc
