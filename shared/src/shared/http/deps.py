"""FastAPI dependencies: the runtime, a unit of work, the caller and their role."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ..auth import Principal, Role, authenticate
from ..errors import Forbidden, Unauthorized
from ..runtime import Runtime
from ..uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer mtk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key, alternatively")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_uow(request: Request) -> UnitOfWork:
    return get_runtime(request).new_uow()


async def get_principal(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),
    header_key: str | None = Depends(_header),
) -> Principal:
    presented = bearer.credentials if bearer else header_key
    if not presented:
        raise Unauthorized("An API key is required: send `Authorization: Bearer <key>`.")
    runtime = get_runtime(request)
    async with runtime.sessions() as session:
        return await authenticate(session, presented)


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only the given roles (admin is always admitted)."""
    allowed = {Role.ADMIN, *roles}

    async def check(principal: Principal = Depends(get_principal)) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"Role '{principal.role}' may not do this; allowed: " + ", ".join(sorted(allowed))
            )
        return principal

    return check


ANY_ROLE = require(Role.OPERATOR, Role.ERP)
OPERATOR = require(Role.OPERATOR)
ADMIN = require()
