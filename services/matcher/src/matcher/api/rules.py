"""What steers matching: operator rules, learned rules, transaction codes → document types, and
the tenant's auto-confirmation settings."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Path, Request

from shared.auth import Principal, Role
from shared.errors import NotFound, ValidationFailed
from shared.http.deps import ANY_ROLE, get_uow, require
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES
from shared.idempotency import create_once

from ..adapters.orm import MatchRule, TransactionCode
from ..adapters.repository import MatcherUnitOfWork
from ..domain.documents import DEFAULT_CODES, TITLES, DocumentType
from ..domain.model import RuleKind
from ..domain.rules import validate_pattern
from ..schemas import (
    DocumentTypeOut,
    LearnedRuleOut,
    RuleIn,
    RuleOut,
    SettingsIO,
    TransactionCodeIn,
    TransactionCodeOut,
)
from .directory import account_name
from .worklist import actor_of

router = APIRouter(tags=["rules and settings"], responses=PROBLEM_RESPONSES)
OPERATOR = require(Role.OPERATOR)


@router.post(
    "/rules",
    status_code=201,
    response_model=RuleOut,
    summary="Add an operator rule",
    responses=CONFLICT,
)
async def add_rule(
    body: RuleIn,
    request: Request,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
):
    _check_rule(body)

    async def create() -> RuleOut:
        name = await account_name(uow, principal.tenant_id, body.target_kind, body.target_code)
        pattern = (
            body.pattern.replace(" ", "").upper() if body.kind is RuleKind.IBAN else body.pattern
        )
        rule = MatchRule(
            tenant_id=principal.tenant_id, kind=body.kind.value, pattern=pattern,
            target_kind=body.target_kind.value, target_code=body.target_code, target_name=name,
            document_type=body.document_type.value if body.document_type else None,
            direction=body.direction, amount_min=body.amount_min, amount_max=body.amount_max,
            active=True, created_by=actor_of(principal), created_at=datetime.now(UTC),
        )  # fmt: skip
        uow.rules.add(rule)
        await uow.settings.bump(principal.tenant_id, rules=True)
        await uow.session.flush()
        return RuleOut.model_validate(rule)

    return await create_once(request, principal, uow, body, create)


@router.get("/rules", response_model=list[RuleOut], summary="Operator rules, in the order tried")
async def list_rules(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[RuleOut]:
    async with uow:
        rules = await uow.rules.operator(principal.tenant_id, active_only=False)
    return [RuleOut.model_validate(r) for r in rules]


@router.delete("/rules/{rule_id}", status_code=204, summary="Switch a rule off")
async def delete_rule(
    rule_id: int = Path(ge=1, le=2**63 - 1),
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> None:
    async with uow:
        rule = await uow.rules.get(principal.tenant_id, rule_id)
        if rule is None:
            raise NotFound(f"No rule #{rule_id}.")
        if rule.active:
            rule.active = False
            await uow.settings.bump(principal.tenant_id, rules=True)
        await uow.commit()


@router.get(
    "/learned-rules",
    response_model=list[LearnedRuleOut],
    summary="What matching learned from the operator's confirmations",
)
async def list_learned_rules(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[LearnedRuleOut]:
    async with uow:
        rules = await uow.rules.learned(principal.tenant_id)
    return [LearnedRuleOut.model_validate(r) for r in rules]


@router.get("/document-types", response_model=list[DocumentTypeOut], summary="Document types")
async def list_document_types(principal: Principal = Depends(ANY_ROLE)) -> list[DocumentTypeOut]:
    return [DocumentTypeOut(code=t, title=TITLES[t]) for t in DocumentType]


@router.get(
    "/transaction-codes",
    response_model=list[TransactionCodeOut],
    summary="Bank transaction code → default document type (built-in defaults and yours)",
)
async def list_transaction_codes(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> list[TransactionCodeOut]:
    async with uow:
        own = await uow.rules.transaction_codes(principal.tenant_id)
    return _effective_codes(own)


@router.put(
    "/transaction-codes/{code}",
    response_model=list[TransactionCodeOut],
    summary="Set the document type of a bank transaction code (per direction, or any)",
)
async def put_transaction_code(
    code: str,
    body: TransactionCodeIn,
    principal: Principal = Depends(OPERATOR),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> list[TransactionCodeOut]:
    code = code.strip().upper()
    if not code or len(code) > 20:
        raise ValidationFailed("A transaction code is 1 to 20 characters.")
    async with uow:
        own = {
            (c.code, c.direction): c for c in await uow.rules.transaction_codes(principal.tenant_id)
        }
        row = own.get((code, body.direction))
        if row is None:
            row = TransactionCode(
                tenant_id=principal.tenant_id, code=code, direction=body.direction
            )
            uow.rules.add(row)
        row.document_type, row.updated_at = body.document_type.value, datetime.now(UTC)
        await uow.commit()
        return _effective_codes(await uow.rules.transaction_codes(principal.tenant_id))


@router.get("/settings", response_model=SettingsIO, summary="Auto-confirmation settings")
async def get_settings(
    principal: Principal = Depends(ANY_ROLE), uow: MatcherUnitOfWork = Depends(get_uow)
) -> SettingsIO:
    async with uow:
        settings = await uow.settings.of(principal.tenant_id)
        await uow.commit()
    return SettingsIO.model_validate(settings, from_attributes=True)


@router.put("/settings", response_model=SettingsIO, summary="Change auto-confirmation settings")
async def put_settings(
    body: SettingsIO,
    principal: Principal = Depends(require()),
    uow: MatcherUnitOfWork = Depends(get_uow),
) -> SettingsIO:
    async with uow:
        settings = await uow.settings.of(principal.tenant_id)
        settings.auto_confirm = body.auto_confirm
        settings.auto_confirm_threshold = body.auto_confirm_threshold
        settings.ambiguity_margin = body.ambiguity_margin
        await uow.commit()
    return body


def _check_rule(body: RuleIn) -> None:
    errors = []
    if reason := validate_pattern(body.kind, body.pattern):
        errors.append({"field": "pattern", "value": body.pattern, "reason": reason})
    if body.kind is RuleKind.AMOUNT and body.amount_min is None and body.amount_max is None:
        errors.append({"field": "amount_min", "reason": "an amount rule needs a bound"})
    if (
        body.amount_min is not None
        and body.amount_max is not None
        and body.amount_min > body.amount_max
    ):
        errors.append({"field": "amount_max", "reason": "below amount_min"})
    if errors:
        raise ValidationFailed("The rule can't be used; nothing was stored.", errors=errors)


def _effective_codes(own: list[TransactionCode]) -> list[TransactionCodeOut]:
    overridden = {(c.code, c.direction) for c in own}
    found = [
        TransactionCodeOut(
            code=c.code, direction=c.direction, document_type=c.document_type, source="tenant"
        )  # fmt: skip
        for c in own
    ]
    for code, (incoming, outgoing) in DEFAULT_CODES.items():
        pairs = [("any", incoming)] if incoming == outgoing else [
            ("incoming", incoming), ("outgoing", outgoing)
        ]  # fmt: skip
        for direction, document in pairs:
            if (code, direction) not in overridden:
                found.append(
                    TransactionCodeOut(
                        code=code,
                        direction=direction,
                        document_type=document.value,
                        source="default",
                    )  # fmt: skip
                )
    return sorted(found, key=lambda c: (c.code, c.direction))
