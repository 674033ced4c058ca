"""Which counterparties a computation covers, as conditions on a movement table's code column."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, any_, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from shared.text import fold

from .orm import Counterparty

_parties = Counterparty.__table__


@dataclass(frozen=True)
class Scope:
    """Which counterparties a query covers. All fields combine; None = no restriction."""

    codes: Sequence[str] | None = None
    """One counterparty, or a list."""
    text: str | None = None
    """Anywhere in code, title, tax number or aliases; case and Turkish letters folded."""
    kind: str | None = None
    active: bool | None = None
    responsible_email: str | None = None
    """Row-level access: only counterparties whose reconciliation_email is this (any case)."""


def attribute_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """The scope's conditions on the counterparty row itself (none: any code goes)."""
    conditions: list[ColumnElement[bool]] = []
    if scope.text:
        pattern = fold(scope.text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(_parties.c.search_text.like(f"%{pattern}%", escape="\\"))
    if scope.kind is not None:
        conditions.append(_parties.c.kind == scope.kind)
    if scope.active is not None:
        conditions.append(_parties.c.active == scope.active)
    if scope.responsible_email is not None:
        email = scope.responsible_email.lower()
        conditions.append(func.lower(_parties.c.reconciliation_email) == email)
    return conditions


def in_scope(code: Any, tenant_id: uuid.UUID, scope: Scope, dialect: str) -> list[Any]:
    """Conditions on a movement table's code column. Movements of codes without a counterparty
    row stay in unless a counterparty attribute is asked for."""
    conditions = []
    if scope.codes is not None:
        conditions.append(code_in(code, scope.codes, dialect))
    if attributes := attribute_conditions(scope):
        matching = select(_parties.c.code).where(_parties.c.tenant_id == tenant_id, *attributes)
        conditions.append(code.in_(matching))
    return conditions


def code_in(code: Any, codes: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """``code`` is one of ``codes``, as one parameter however many codes there are: asyncpg
    and SQLite both cap the number of parameters of a statement."""
    if dialect == "postgresql":
        return code == any_(literal(list(codes), ARRAY(String)))
    listed = func.json_each(json.dumps(list(codes))).table_valued("value")
    return code.in_(select(listed.c.value))
