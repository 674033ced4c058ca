"""Tenant administration over HTTP: the tenant's users and API keys (admin only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.http.deps import ADMIN, ANY_ROLE, get_uow
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES
from shared.idempotency import create_once

from .. import identity
from ..adapters.repository import ReconciliationUnitOfWork
from ..domain import identifiers

router = APIRouter(tags=["tenant administration"], responses=PROBLEM_RESPONSES)


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    created_at: datetime
    legal_name: str = Field(description="The firm's title on its letters; empty: `name`")
    tax_office: str
    tax_id: str


class TenantProfileIn(BaseModel):
    """The sender firm as the counterparties read it on every letter."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"legal_name": "Demo Gıda San. ve Tic. A.Ş.", "tax_office": "Kozyatağı",
                 "tax_id": "1234567890"}
            ]
        },
    )  # fmt: skip
    legal_name: str = Field("", max_length=250)
    tax_office: str = Field("", max_length=100)
    tax_id: str = Field("", max_length=20, description="VKN or TCKN, check digits held")

    @field_validator("tax_id")
    @classmethod
    def _tax_id(cls, value: str) -> str:
        return identifiers.tax_id(value)


@router.put(
    "/tenant/profile",
    response_model=TenantOut,
    summary="Set the firm's title, tax office and tax number (shown on letters)",
)
async def set_tenant_profile(
    body: TenantProfileIn,
    principal: Principal = Depends(ADMIN),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> TenantOut:
    async with uow:
        tenant = await uow.identity.tenant(principal.tenant_id)
        if tenant is None:
            raise NotFound("Tenant not found.")
        tenant.legal_name, tenant.tax_office, tenant.tax_id = (
            body.legal_name, body.tax_office, body.tax_id,
        )  # fmt: skip
        out = TenantOut.model_validate(tenant)
        await uow.commit()
    return out


@router.get("/tenant", response_model=TenantOut, summary="The caller's tenant")
async def get_tenant(
    principal: Principal = Depends(ANY_ROLE), uow: ReconciliationUnitOfWork = Depends(get_uow)
) -> TenantOut:
    async with uow:
        tenant = await uow.identity.tenant(principal.tenant_id)
    if tenant is None:
        raise NotFound("Tenant not found.")
    return TenantOut.model_validate(tenant)


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "erp", "label": "Logo Tiger"}]}
    )
    role: Role
    label: str = Field("", max_length=200)
    user_email: EmailStr | None = Field(None, description="The user this key acts for, if any")


class ApiKeyOut(BaseModel):
    key_id: str
    role: Role
    label: str
    user_email: str | None
    issued_at: datetime
    revoked_at: datetime | None = None


class IssuedApiKeyOut(ApiKeyOut):
    api_key: str | None = Field(
        description="The whole key. Shown once, in the first response only."
    )


@router.post(
    "/api-keys",
    status_code=201,
    response_model=IssuedApiKeyOut,
    summary="Issue an API key",
    responses=CONFLICT,
)
async def issue_api_key(
    body: ApiKeyIn,
    request: Request,
    principal: Principal = Depends(ADMIN),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
):
    async def create() -> IssuedApiKeyOut:
        issued = await identity.issue_api_key(
            principal.tenant_id, body.role, label=body.label, user_email=body.user_email, uow=uow
        )
        return IssuedApiKeyOut(**issued.__dict__)

    return await create_once(
        request, principal, uow, body, create, stored=lambda out: {**out, "api_key": None}
    )


@router.get(
    "/api-keys", response_model=list[ApiKeyOut], summary="The tenant's API keys (no secrets)"
)
async def list_api_keys(
    principal: Principal = Depends(ADMIN), uow: ReconciliationUnitOfWork = Depends(get_uow)
) -> list[ApiKeyOut]:
    async with uow:
        rows = await uow.identity.keys(principal.tenant_id)
    return [
        ApiKeyOut(
            key_id=r.key_id,
            role=Role(r.role),
            label=r.label,
            user_email=r.user_email,
            issued_at=r.issued_at,
            revoked_at=r.revoked_at,
        )
        for r in rows
    ]


@router.delete("/api-keys/{key_id}", status_code=204, summary="Revoke an API key")
async def revoke_api_key(
    key_id: str,
    principal: Principal = Depends(ADMIN),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
) -> Response:
    async with uow:
        await identity.revoke_api_key(principal.tenant_id, key_id, uow=uow)
        await uow.commit()
    return Response(status_code=204)


class UserIn(BaseModel):
    email: EmailStr
    name: str = Field("", max_length=200)
    role: Role


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    email: str
    name: str
    role: Role
    created_at: datetime


@router.post(
    "/users", status_code=201, response_model=UserOut, summary="Add a user", responses=CONFLICT
)
async def add_user(
    body: UserIn,
    request: Request,
    principal: Principal = Depends(ADMIN),
    uow: ReconciliationUnitOfWork = Depends(get_uow),
):
    async def create() -> UserOut:
        user = await identity.add_user(
            principal.tenant_id, body.email, body.role, name=body.name, uow=uow
        )
        return UserOut.model_validate(user)

    return await create_once(request, principal, uow, body, create)


@router.get("/users", response_model=list[UserOut], summary="The tenant's users")
async def list_users(
    principal: Principal = Depends(ADMIN), uow: ReconciliationUnitOfWork = Depends(get_uow)
) -> list[UserOut]:
    async with uow:
        return [UserOut.model_validate(u) for u in await uow.identity.users(principal.tenant_id)]
