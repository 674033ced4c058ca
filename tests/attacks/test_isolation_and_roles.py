"""Tenant isolation and roles, generated from every service's own routes and OpenAPI document.

The rule, written down: **another tenant's resource answers exactly what a resource that never
existed answers — 404, the same problem type and title** — for every method, reading or writing.
A 403 is only ever about the caller's role on the route as a whole (the same for every id), so it
tells nothing about what exists; it comes before the lookup. No key at all is 401.

Two tenants, A and B, each with one of everything (``world.py``). For every operation with a path
parameter, B's admin key is sent A's ids (with a valid body) and must get that 404; A's own key on
the same request must not (so the id was real); afterwards A's data reads as before. A new route
whose path parameter the map below does not know fails the test, and so does a route missing
from the role table."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.tenants import new_key, new_tenant_with_key
from shared.auth import Role

from .routes import DOCS, OPS_PUBLIC, PORTAL_PUBLIC, Operation, guards, operations
from .world import World, build_world, tr_iban

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROBLEM_JSON = "application/problem+json"
ALL = frozenset(Role)
OPERATOR = frozenset({Role.ADMIN, Role.OPERATOR})
ADMIN = frozenset({Role.ADMIN})
PUBLIC = None

COMMON = {
    **dict.fromkeys(OPS_PUBLIC | DOCS, PUBLIC),
    "GET /me": ALL, "GET /dead-letters": ADMIN, "POST /dead-letters/replay": ADMIN,
}  # fmt: skip
POLICY: dict[str, dict[str, frozenset[Role] | None]] = {
    "bank-ingest": {
        **COMMON,
        "POST /accounts": OPERATOR, "GET /accounts": ALL, "GET /accounts/{account_id}": ALL,
        "POST /statements": ALL, "GET /statements": ALL, "GET /statements/{statement_id}": ALL,
        "GET /imports": ALL, "GET /imports/{import_id}": ALL,
        "GET /movements": ALL, "GET /movements/{movement_id}": ALL,
        "POST /connections": OPERATOR, "GET /connections": ALL,
        "GET /connections/{connection_id}": ALL,
        "POST /connections/{connection_id}/refresh": OPERATOR,
        "GET /jobs": ALL, "GET /jobs/{job_id}": ALL,
    },
    "matcher": {
        **COMMON,
        "GET /own-accounts": ALL,
        "PUT /ledger-accounts": ALL, "GET /ledger-accounts": ALL,
        "PUT /bank-accounts": ALL, "GET /bank-accounts": ALL,
        "PUT /open-items": ALL, "GET /open-items": ALL,
        "GET /counterparties/{code}": ALL, "POST /counterparties/{code}/ibans": OPERATOR,
        "GET /accounts/search": ALL,
        "GET /movements": ALL, "GET /movements/{movement_id}": ALL,
        "POST /movements/{movement_id}/confirm": OPERATOR,
        "POST /movements/{movement_id}/choose": OPERATOR,
        "POST /movements/confirm": OPERATOR, "POST /movements/choose": OPERATOR,
        "POST /movements/drop": OPERATOR, "POST /movements/restore": OPERATOR,
        "POST /rules": OPERATOR, "GET /rules": ALL, "DELETE /rules/{rule_id}": OPERATOR,
        "GET /learned-rules": ALL, "GET /document-types": ALL,
        "GET /transaction-codes": ALL, "PUT /transaction-codes/{code}": OPERATOR,
        "GET /settings": ALL, "PUT /settings": ADMIN,
        "GET /vouchers": ALL, "GET /vouchers/{voucher_id}": ALL,
        "POST /vouchers/acknowledge": ALL, "POST /vouchers/{voucher_id}/acknowledge": ALL,
        "POST /vouchers/{voucher_id}/cancel": OPERATOR,
        "POST /vouchers/{voucher_id}/reverse": OPERATOR,
        "PUT /exchange-rates": ALL, "GET /exchange-rates": ALL,
        "GET /voucher-series": ALL, "PUT /voucher-series": OPERATOR,
        "POST /webhooks": OPERATOR, "GET /webhooks": OPERATOR,
        "GET /webhooks/{webhook_id}": OPERATOR, "DELETE /webhooks/{webhook_id}": OPERATOR,
        "GET /webhooks/{webhook_id}/deliveries": OPERATOR,
    },
    "reconciliation": {
        **COMMON,
        "PUT /tenant/profile": ADMIN, "GET /tenant": ALL,
        "POST /api-keys": ADMIN, "GET /api-keys": ADMIN, "DELETE /api-keys/{key_id}": ADMIN,
        "POST /users": ADMIN, "GET /users": ADMIN,
        "PUT /counterparties": ALL, "GET /counterparties": ALL, "GET /counterparties/{code}": ALL,
        "POST /imports/{dataset}": ALL, "GET /imports": ALL, "GET /imports/{import_id}": ALL,
        "GET /templates/{dataset}": ALL,
        "GET /balances": ALL, "GET /babs": ALL, "GET /babs/documents": ALL,
        "POST /rounds": ALL, "GET /rounds": ALL, "GET /rounds/{round_id}": ALL,
        "POST /rounds/{round_id}/send": ALL, "DELETE /rounds/{round_id}": ALL,
        "GET /rounds/{round_id}/letters": ALL, "POST /rounds/{round_id}/resend": ALL,
        "GET /letters/{letter_id}": ALL, "GET /letters/{letter_id}/history": ALL,
        "GET /letters/{letter_id}/emails": ALL, "POST /letters/{letter_id}/resend": ALL,
    },
    "notifier": {
        **COMMON,
        "GET /smtp-settings": OPERATOR, "PUT /smtp-settings": ADMIN,
        "DELETE /smtp-settings": ADMIN, "POST /smtp-settings/test": ADMIN,
        "GET /letter-templates/{language}": OPERATOR, "PUT /letter-templates/{language}": ADMIN,
        "DELETE /letter-templates/{language}": ADMIN,
        "POST /letter-templates/{language}/preview": OPERATOR,
        "GET /letter-emails": OPERATOR, "GET /letter-emails/queue": OPERATOR,
    },
    "portal": {
        **COMMON,
        **dict.fromkeys(PORTAL_PUBLIC, PUBLIC),
        "GET /answers/{letter_id}": OPERATOR, "GET /answers/{letter_id}/attachment": OPERATOR,
    },
}  # fmt: skip
"""Who may call what (admin may call everything). Written down here on purpose: a guard widened
or dropped in the code, or a route added without a line here, fails the test."""

SHARED_NAMES: dict[tuple[str, str], str] = {
    ("reconciliation", "dataset"): "movements",
    ("notifier", "language"): "tr",
    ("matcher", "transaction_code"): "NZET",
}
"""Path parameters that name something every tenant has its own of (a template's data set, a
letter language, a bank transaction code's mapping): B works on B's own, never on A's — what B
is shown must hold nothing of A's, and A's data reads as before."""
RENAMED = {("matcher", "/transaction-codes/{code}", "code"): "transaction_code"}
"""Where a path parameter's name means something else than elsewhere in its service."""

BODIES: dict[str, dict[str, Any]] = {
    "POST /matcher/counterparties/{code}/ibans": {"json": {"iban": tr_iban(4242)}},
    "POST /matcher/movements/{movement_id}/confirm": {"json": {"candidate": 0}},
    "POST /matcher/movements/{movement_id}/choose": {"json": {"kind": "ledger", "code": "770.01"}},
    "PUT /matcher/transaction-codes/{code}": {"json": {"document_type": "other"}},
    "POST /matcher/vouchers/{voucher_id}/acknowledge": {"json": {"erp_document_number": "L-9"}},
    "POST /matcher/vouchers/{voucher_id}/reverse": {"json": {}},
    "POST /reconciliation/imports/{dataset}": {
        "params": {"wait": "true"},
        "json": [
            {
                "code": "120.99.999",
                "document_date": "2025-11-21",
                "amount": "1",
                "currency": "TRY",
                "system_document_no": "X",
                "movement_type": 14,
                "control_key": "ATTACK-1",
            }
        ],
    },  # fmt: skip
    "POST /reconciliation/rounds/{round_id}/resend": {"json": {"which": "unanswered"}},
    "PUT /notifier/letter-templates/{language}": {"json": {"subject": "Başka: {{ subject }}"}},
    "POST /notifier/letter-templates/{language}/preview": {"json": None},
}
"""A valid body for each writing operation with a path parameter, so the answer is the lookup's
and not the body's validation."""
QUERIES: dict[str, dict[str, Any]] = {
    "GET /matcher/accounts/search": {"q": "120"},
    "GET /reconciliation/balances": {"at": "2025-12-31"},
    "GET /reconciliation/babs": {"period": "2025-11"},
    "GET /reconciliation/babs/documents": {"period": "2025-11", "form": "BA", "code": "120.77.001"},
}
"""The required query parameters that name no tenant's thing."""
ONE_FILTER = {"GET /notifier/letter-emails": "letter_id"}
"""Takes exactly one of its id filters (``letter_id`` or ``round_id``; the OpenAPI document
cannot say so): the one to send."""


@dataclass
class System:
    client: httpx.AsyncClient
    apps: dict[str, FastAPI]
    a: World
    b: World
    keys: dict[Role, dict[str, str]]
    """A's keys by role, as headers."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    data = tmp_path_factory.mktemp("isolation")
    root, apps = embedded_system(data, retry_delays=(0.05, 0.1))
    async with root.router.lifespan_context(root):
        transport = httpx.ASGITransport(app=root)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            secret = apps["portal"].state.runtime.settings.secret_key.get_secret_value()
            worlds = []
            for n, (name, marker) in enumerate([("A", "Gizli Zeta"), ("B", "Öteki Kappa")], 1):
                async with apps["reconciliation"].state.runtime.new_uow() as uow:
                    _, issued = await new_tenant_with_key(uow, f"Tenant {name} {uuid.uuid4()}")
                await wait_until_key_works(apps, issued.api_key)
                worlds.append(await build_world(
                    client, {"Authorization": f"Bearer {issued.api_key}"}, secret_key=secret,
                    folder=data / f"in-{name}", marker=marker, n=n,
                ))  # fmt: skip
            a, b = worlds
            keys = {Role.ADMIN: a.headers}
            tenant = (await client.get("/reconciliation/tenant", headers=a.headers)).json()
            for role in (Role.OPERATOR, Role.ERP):
                async with apps["reconciliation"].state.runtime.new_uow() as uow:
                    extra = await new_key(uow, tenant["name"], role, label=f"{role} attack")
                await wait_until_key_works(apps, extra.api_key)
                keys[role] = {"Authorization": f"Bearer {extra.api_key}"}
            yield System(client, apps, a, b, keys)


def path_values(op: Operation, world: World) -> tuple[dict[str, str], bool]:
    """The operation's path filled with ``world``'s ids; and whether they are the world's own
    (False: names every tenant has its own of)."""
    values, owned = {}, False
    for name in op.path_parameters:
        key = RENAMED.get((op.service, op.path, name), name)
        if (op.service, key) in SHARED_NAMES:
            values[name] = SHARED_NAMES[op.service, key]
            continue
        assert (op.service, key) in world.ids, (
            f"{op}: no id known for the path parameter {name!r} — make one in world.py "
            "(or, if every tenant has its own of it, list it in SHARED_NAMES)"
        )
        values[name], owned = world.ids[op.service, key], True
    return values, owned


def never_existed(op: Operation) -> dict[str, str]:
    values = {}
    for name, schema in op.path_parameters.items():
        if schema.get("format") == "uuid":
            values[name] = str(uuid.uuid4())
        elif schema.get("type") == "integer":
            values[name] = "987654321"
        else:
            values[name] = f"nx-{uuid.uuid4().hex[:10]}"
    return values


def request_of(op: Operation, world: World) -> dict[str, Any]:
    """The query — every parameter that takes an id, with ``world``'s, and the required ones —
    and a valid body where the answer must come from the lookup of a path parameter; no body
    elsewhere (the key and the role are checked before the body)."""
    query = dict(QUERIES.get(str(op), {}))
    for parameter in op.spec.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] != "query":
            continue
        if (op.service, name) in world.ids and ONE_FILTER.get(str(op), name) == name:
            query[name] = world.ids[op.service, name]
        assert name in query or not parameter.get("required"), f"{op}: add {name} to QUERIES"
    kwargs: dict[str, Any] = {"params": query} if query else {}
    if not op.body_types or not op.path_parameters:
        return kwargs
    assert str(op) in BODIES, f"{op} takes a body: add a valid one to BODIES"
    return {**kwargs, **BODIES[str(op)]}


def problem(response: httpx.Response, status: int, where: str) -> dict[str, Any]:
    assert response.status_code == status, (where, response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM_JSON), (where, response.headers)
    return response.json()


# -- roles ----------------------------------------------------------------------------------------


async def test_every_route_is_in_the_role_table_and_guarded_as_written(system: System) -> None:
    for service, app in system.apps.items():
        found = guards(app)
        assert set(found) == set(POLICY[service]), (
            service,
            "routes without a line in POLICY: " + ", ".join(sorted(set(found) - set(POLICY[service]))),
            "lines in POLICY for no route: " + ", ".join(sorted(set(POLICY[service]) - set(found))),
        )  # fmt: skip
        wrong = {k: (found[k], v) for k, v in POLICY[service].items() if found[k] != v}
        assert not wrong, (service, "guard in the code vs. the table", wrong)
    # Each exception is one of the named kinds; everything else needs a key.
    for service, table in POLICY.items():
        open_routes = {route for route, roles in table.items() if roles is PUBLIC}
        expected = OPS_PUBLIC | DOCS | (PORTAL_PUBLIC if service == "portal" else set())
        assert open_routes == expected, (service, open_routes ^ expected)


def harmless(op: Operation, values: dict[str, str]) -> tuple[str, dict[str, Any], int]:
    """A request that passes the role check but cannot change anything: a malformed path
    parameter or body (422), else a name that does not exist (404)."""
    typed = [
        name for name, schema in op.path_parameters.items()
        if schema.get("format") == "uuid" or schema.get("type") == "integer"
        or "enum" in schema or "$ref" in schema
    ]  # fmt: skip
    if typed:
        return op.url({**values, typed[0]: "not-valid"}), {}, 422
    if "application/json" in op.body_types:
        return op.url(values), {"content": b"{", "json_type": True}, 422
    if "multipart/form-data" in op.body_types:
        return op.url(values), {"files": {"nothing": ("x", b"")}}, 422
    if op.path_parameters:
        return op.url(never_existed(op)), {}, 404
    return "", {}, 0


async def test_roles_not_allowed_get_403_and_no_key_gets_401(system: System) -> None:
    c, checked = system.client, 0
    for op in operations(system.apps):
        allowed = POLICY[op.service][op.key]
        values, _ = path_values(op, system.a)
        url, kwargs = op.url(values), request_of(op, system.a)
        anonymous = await c.request(op.method, url, **kwargs)
        if allowed is PUBLIC:
            assert anonymous.status_code == 200, (str(op), anonymous.text)
            continue
        problem(anonymous, 401, f"{op} without a key")
        assert anonymous.headers["www-authenticate"] == "Bearer", str(op)
        for role, headers in system.keys.items():
            if role not in allowed:
                refused = problem(await c.request(op.method, url, headers=headers, **kwargs), 403,
                                  f"{op} as {role}")  # fmt: skip
                assert f"'{role}'" in refused["detail"], refused
                if op.path_parameters:  # the same for an id that never existed: it tells nothing
                    nowhere = op.url(never_existed(op))
                    again = await c.request(op.method, nowhere, headers=headers, **kwargs)
                    assert problem(again, 403, f"{op} as {role}, no such id") == {
                        **refused, "instance": again.json()["instance"]}  # fmt: skip
                checked += 1
            elif op.method == "GET":
                answer = await c.get(url, headers=headers, **kwargs)
                assert answer.status_code == 200, (f"{op} as {role}", answer.text)
            else:
                target, extra, status = harmless(op, values)
                if not target:  # nothing to make harmless: checked by the admin-only walk below
                    assert allowed == ADMIN, f"{op}: no harmless request for {role}"
                    continue
                if extra.pop("json_type", False):
                    headers = {**headers, "content-type": "application/json"}
                answer = await c.request(op.method, target, headers=headers, **extra)
                assert answer.status_code == status, (f"{op} as {role}", answer.text)
    assert checked > 60, checked


async def test_admin_only_routes_without_parameters_work_for_an_admin(system: System) -> None:
    """The routes ``harmless`` cannot defuse, run for real by a fresh tenant's admin."""
    async with system.apps["reconciliation"].state.runtime.new_uow() as uow:
        _, issued = await new_tenant_with_key(uow, f"Tenant C {uuid.uuid4()}")
    await wait_until_key_works(system.apps, issued.api_key)
    headers = {"Authorization": f"Bearer {issued.api_key}"}
    ran = 0
    for op in operations(system.apps):
        if op.method != "GET" and not op.path_parameters and not op.body_types:
            assert POLICY[op.service][op.key] == ADMIN, str(op)
            answer = await system.client.request(op.method, op.url({}), headers=headers)
            assert answer.status_code < 300, (str(op), answer.text)
            ran += 1
    assert ran >= 1


# -- isolation ------------------------------------------------------------------------------------


async def snapshot(system: System, world: World) -> dict[str, Any]:
    """Every GET of every service as ``world``'s tenant sees it (its own ids in the paths)."""
    seen = {}
    for op in operations(system.apps):
        if op.method != "GET" or op.key in OPS_PUBLIC or op.path in ("/dead-letters",):
            continue
        values, _ = path_values(op, world)
        response = await system.client.get(
            op.url(values), headers=world.headers, **request_of(op, world)
        )
        assert response.status_code == 200, (str(op), response.text)
        seen[str(op)] = _stable(response)
    return seen


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _stable(response: httpx.Response) -> Any:
    if not response.headers["content-type"].startswith("application/json"):
        return response.content
    return json.loads(response.text)


async def test_another_tenants_ids_answer_like_ids_that_never_existed(system: System) -> None:
    c, a, b = system.client, system.a, system.b
    before = await snapshot(system, a)
    owned_checked, shared_checked = 0, 0
    for op in operations(system.apps):
        if op.key in OPS_PUBLIC:
            continue
        values, owned = path_values(op, a)
        kwargs = request_of(op, a)
        answer = await c.request(op.method, op.url(values), headers=b.headers, **kwargs)
        where = f"{op} by B with A's {values}"
        shown = answer.text
        for echoed in [*values.values(), *_strings(kwargs)]:
            shown = shown.replace(echoed, "")  # B's own request, echoed back
        assert a.marker not in shown, (where, answer.text)
        leaked = [id_ for id_ in a.ids.values() if len(id_) > 8 and id_ in shown]
        assert not leaked, (where, leaked, answer.text)
        if not owned:
            assert answer.status_code < 500, (where, answer.text)
            shared_checked += bool(op.path_parameters)
            continue
        theirs = problem(answer, 404, where)
        none = await c.request(op.method, op.url(never_existed(op)), headers=b.headers, **kwargs)
        nothing = problem(none, 404, f"{op} by B with an id that never existed")
        assert (theirs["type"], theirs["title"]) == (nothing["type"], nothing["title"]), where
        owned_checked += 1
    assert owned_checked >= 30 and shared_checked >= 5, (owned_checked, shared_checked)

    after = await snapshot(system, a)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, ("B's requests changed what A sees", changed)

    # The ids were real: the same requests by A find them (2xx, or 409 for a state that does not
    # allow it). Deleting ones last, the round last of all.
    def order(op: Operation) -> tuple[bool, bool]:
        return op.method == "DELETE", "round_id" in op.path_parameters

    for op in sorted(operations(system.apps), key=order):
        values, owned = path_values(op, a)
        if not owned:
            continue
        answer = await c.request(op.method, op.url(values), headers=a.headers, **request_of(op, a))
        assert answer.status_code < 300 or answer.status_code == 409, (
            f"{op} by A, the owner",
            answer.status_code,
            answer.text,
        )
