"""The whole system over HTTP, in embedded mode: five services in one process, each on its own
SQLite file, one in-process bus.

One system serves the whole module (starting it is most of the cost); each test gets two tenants
of its own, so no test sees another's data, and the order of tests does not matter."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from schwifty import IBAN

from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.services import SERVICES
from mutabik.tenants import new_key, new_tenant_with_key
from shared.auth import Role

PROBLEM_JSON = "application/problem+json"
PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics"}
SERVICE_PATHS = {
    "bank-ingest": {
        "/accounts",
        "/accounts/{account_id}",
        "/statements",
        "/statements/{statement_id}",
        "/imports",
        "/imports/{import_id}",
        "/movements",
        "/movements/{movement_id}",
        "/connections",
        "/connections/{connection_id}",
        "/connections/{connection_id}/refresh",
        "/jobs",
        "/jobs/{job_id}",
    },
    "matcher": {
        "/own-accounts",
        "/ledger-accounts",
        "/bank-accounts",
        "/open-items",
        "/counterparties/{code}",
        "/counterparties/{code}/ibans",
        "/accounts/search",
        "/movements",
        "/movements/{movement_id}",
        "/movements/{movement_id}/confirm",
        "/movements/{movement_id}/choose",
        "/movements/confirm",
        "/movements/choose",
        "/movements/drop",
        "/movements/restore",
        "/rules",
        "/rules/{rule_id}",
        "/learned-rules",
        "/document-types",
        "/transaction-codes",
        "/transaction-codes/{code}",
        "/settings",
        "/vouchers",
        "/vouchers/{voucher_id}",
        "/vouchers/acknowledge",
        "/vouchers/{voucher_id}/acknowledge",
        "/vouchers/{voucher_id}/cancel",
        "/vouchers/{voucher_id}/reverse",
        "/exchange-rates",
        "/voucher-series",
        "/webhooks",
        "/webhooks/{webhook_id}",
        "/webhooks/{webhook_id}/deliveries",
    },
    "reconciliation": {
        "/tenant",
        "/api-keys",
        "/api-keys/{key_id}",
        "/users",
        "/counterparties",
        "/counterparties/{code}",
        "/imports",
        "/imports/{dataset}",
        "/imports/{import_id}",
        "/templates/{dataset}",
        "/balances",
        "/babs",
        "/babs/documents",
        "/tenant/profile",
        "/rounds",
        "/rounds/{round_id}",
        "/rounds/{round_id}/send",
        "/rounds/{round_id}/letters",
        "/rounds/{round_id}/resend",
        "/letters/{letter_id}",
        "/letters/{letter_id}/history",
        "/letters/{letter_id}/emails",
        "/letters/{letter_id}/resend",
    },
    "notifier": {
        "/smtp-settings",
        "/smtp-settings/test",
        "/letter-templates/{language}",
        "/letter-templates/{language}/preview",
        "/letter-emails",
        "/letter-emails/queue",
    },
    "portal": set(),
}
OPS_PATHS = PUBLIC_PATHS | {"/me", "/dead-letters", "/dead-letters/replay"}

pytestmark = pytest.mark.asyncio(loop_scope="module")


def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def tr_iban(n: int) -> str:
    """A valid Turkish IBAN (Garanti's bank code), distinct for each ``n``."""
    return str(IBAN.generate("TR", bank_code="00061", account_code=f"{n:016d}"))


def account_body(n: int, **changes: Any) -> dict[str, Any]:
    return {"iban": tr_iban(n), "currency": "TRY", "name": f"Hesap {n}", **changes}


async def eventually(
    probe: Callable[[], Awaitable[bool]], what: str, *, timeout: float = 5.0
) -> None:
    """Poll ``probe`` until it is true; events travel the bus, so replicas lag a little."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await probe():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        await asyncio.sleep(0.02)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert body["status"] == status
    for field in ("type", "title", "detail"):
        assert isinstance(body[field], str) and body[field], body
    return body


@dataclass
class Tenant:
    id: uuid.UUID
    name: str
    api_key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.api_key)


@dataclass
class System:
    root: Any
    client: httpx.AsyncClient
    apps: dict[str, FastAPI]
    a: Tenant
    b: Tenant

    async def key(self, tenant: Tenant, role: Role) -> str:
        """Another key of ``tenant``, issued directly and known to every service on return."""
        async with self.apps["reconciliation"].state.runtime.new_uow() as uow:
            issued = await new_key(uow, tenant.name, role, label=f"{role} key")
        await wait_until_key_works(self.apps, issued.api_key, timeout=5)
        return issued.api_key

    async def register(self, tenant: Tenant, n: int, **headers: str) -> dict[str, Any]:
        response = await self.client.post(
            "/bank-ingest/accounts", json=account_body(n), headers={**tenant.headers, **headers}
        )
        assert response.status_code == 201, response.text
        return response.json()


async def _new_tenants(apps: dict[str, FastAPI], *names: str) -> list[Tenant]:
    tenants = []
    for name in names:
        async with apps["reconciliation"].state.runtime.new_uow() as uow:
            tenant_id, issued = await new_tenant_with_key(uow, name)
        tenants.append(Tenant(tenant_id, name, issued.api_key, issued.key_id))
    await asyncio.gather(*(wait_until_key_works(apps, t.api_key, timeout=5) for t in tenants))
    return tenants


@dataclass
class _Running:
    root: Any
    client: httpx.AsyncClient
    apps: dict[str, FastAPI]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[_Running]:
    root, apps = embedded_system(tmp_path_factory.mktemp("embedded"), retry_delays=(0.05, 0.1))
    async with root.router.lifespan_context(root):
        transport = httpx.ASGITransport(app=root)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield _Running(root, client, apps)


@pytest_asyncio.fixture(loop_scope="module")
async def system(running: _Running) -> System:
    """The running system with two fresh tenants, A and B, for this test alone."""
    token = uuid.uuid4().hex[:8]
    a, b = await _new_tenants(running.apps, f"Tenant A {token}", f"Tenant B {token}")
    return System(running.root, running.client, running.apps, a, b)


# 1. Landing page, docs, OpenAPI, readiness ------------------------------------------------------


async def test_landing_page_links_every_service(running: _Running) -> None:
    response = await running.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for name in SERVICES:
        assert f'href="/{name}/docs"' in response.text
    health = await running.client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}


async def test_every_service_serves_docs_openapi_and_readiness(running: _Running) -> None:
    assert set(SERVICES) == set(SERVICE_PATHS)
    for name in SERVICES:
        docs = await running.client.get(f"/{name}/docs")
        assert docs.status_code == 200, name
        # The docs page must load its own service's spec, under the mount prefix.
        assert f"/{name}/openapi.json" in docs.text, name

        spec_response = await running.client.get(f"/{name}/openapi.json")
        assert spec_response.status_code == 200, name
        spec = spec_response.json()
        assert name in spec["info"]["title"], spec["info"]
        assert set(spec["paths"]) >= OPS_PATHS | SERVICE_PATHS[name], (name, set(spec["paths"]))
        assert "Problem" in spec["components"]["schemas"], name
        assert {"url": f"/{name}"} in spec.get("servers", []), (name, spec.get("servers"))

        ready = await running.client.get(f"/{name}/readyz")
        assert ready.status_code == 200, (name, ready.text)
        body = ready.json()
        assert body["status"] == "ready" and body["service"] == name, body
        assert body["database"] == "ok" and body["bus"] == "ok", body

        assert (await running.client.get(f"/{name}/healthz")).json()["service"] == name
        metrics = await running.client.get(f"/{name}/metrics")
        assert metrics.status_code == 200 and metrics.headers["content-type"].startswith(
            "text/plain"
        )


# 2. Tenant isolation ---------------------------------------------------------------------------


async def test_tenants_see_only_their_own_data(system: System) -> None:
    c, a, b = system.client, system.a, system.b
    account = await system.register(a, 1)

    mine = await c.get(f"/bank-ingest/accounts/{account['id']}", headers=a.headers)
    assert mine.status_code == 200 and mine.json()["iban"] == tr_iban(1)
    assert_problem(await c.get(f"/bank-ingest/accounts/{account['id']}", headers=b.headers), 404)

    a_list = (await c.get("/bank-ingest/accounts", headers=a.headers)).json()
    assert [item["id"] for item in a_list["items"]] == [account["id"]]
    b_list = (await c.get("/bank-ingest/accounts", headers=b.headers)).json()
    assert b_list == {"items": [], "next_cursor": None}

    async def matcher_learned_it() -> bool:
        response = await c.get("/matcher/own-accounts", headers=a.headers)
        assert response.status_code == 200, response.text
        return [x["account_id"] for x in response.json()] == [account["id"]]

    await eventually(matcher_learned_it, "matcher learns A's account from the event")
    b_own = await c.get("/matcher/own-accounts", headers=b.headers)
    assert b_own.status_code == 200 and b_own.json() == []

    b_erp = await system.key(b, Role.ERP)
    b_keys = await c.get("/reconciliation/api-keys", headers=b.headers)
    assert b_keys.status_code == 200
    assert {k["key_id"] for k in b_keys.json()} == {b.key_id, b_erp.split("_")[1]}
    a_keys = (await c.get("/reconciliation/api-keys", headers=a.headers)).json()
    assert {k["key_id"] for k in a_keys} == {a.key_id}

    tenant = await c.get("/reconciliation/tenant", headers=b.headers)
    assert tenant.json()["id"] == str(b.id) and tenant.json()["name"] == b.name
    me = (await c.get("/portal/me", headers=b.headers)).json()
    assert me == {"tenant_id": str(b.id), "role": "admin", "key_id": b.key_id, "user_email": None}

    # B may not revoke A's key: for B it does not exist.
    assert_problem(await c.delete(f"/reconciliation/api-keys/{a.key_id}", headers=b.headers), 404)
    assert (await c.get("/bank-ingest/me", headers=a.headers)).status_code == 200


# 3. Roles and authentication -------------------------------------------------------------------


async def test_erp_key_is_refused_admin_and_operator_routes(system: System) -> None:
    c = system.client
    erp = auth(await system.key(system.a, Role.ERP))
    for method, path, body in (
        ("POST", "/bank-ingest/accounts", account_body(2)),
        ("GET", "/reconciliation/api-keys", None),
        ("GET", "/bank-ingest/dead-letters", None),
        ("POST", "/bank-ingest/dead-letters/replay", {}),
        ("GET", "/reconciliation/users", None),
    ):
        problem = assert_problem(await c.request(method, path, json=body, headers=erp), 403)
        assert "'erp'" in problem["detail"], problem
    # What an ERP key may do, it does.
    assert (await c.get("/bank-ingest/accounts", headers=erp)).status_code == 200
    assert (await c.get("/matcher/own-accounts", headers=erp)).status_code == 200
    assert (await c.get("/reconciliation/me", headers=erp)).json()["role"] == "erp"
    listed = (await c.get("/bank-ingest/accounts", headers=system.a.headers)).json()
    assert listed["items"] == []


async def test_operator_key_may_register_accounts_but_not_manage_users(system: System) -> None:
    c = system.client
    operator = auth(await system.key(system.a, Role.OPERATOR))
    created = await c.post("/bank-ingest/accounts", json=account_body(3), headers=operator)
    assert created.status_code == 201, created.text
    for method, path, body in (
        ("GET", "/reconciliation/users", None),
        ("POST", "/reconciliation/users", {"email": "ayse@example.com", "role": "operator"}),
        ("POST", "/reconciliation/api-keys", {"role": "admin"}),
        ("GET", "/matcher/dead-letters", None),
    ):
        problem = assert_problem(await c.request(method, path, json=body, headers=operator), 403)
        assert "'operator'" in problem["detail"], problem
    users = await c.get("/reconciliation/users", headers=system.a.headers)
    assert users.status_code == 200 and users.json() == []


async def test_missing_malformed_or_unknown_key_is_401(system: System) -> None:
    c = system.client
    anonymous = await c.get("/bank-ingest/accounts")
    assert_problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"

    real_key_id = system.a.api_key.split("_")[1]
    for headers in (
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": "Bearer mtk_"},
        {"X-API-Key": "mtk_onlyonepart"},
        {"Authorization": "Bearer mtk_0123456789abcdef_thereisnosuchkey"},
        {"Authorization": f"Bearer mtk_{real_key_id}_wrongsecret"},  # a known key, a wrong secret
        {"X-API-Key": system.b.api_key[:-1] + ("A" if system.b.api_key[-1] != "A" else "B")},
    ):
        response = await c.get("/bank-ingest/accounts", headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer", headers

    # Both ways of presenting a key work.
    assert (await c.get("/bank-ingest/me", headers={"X-API-Key": system.a.api_key})).json()[
        "tenant_id"
    ] == str(system.a.id)
    assert (await c.get("/bank-ingest/me", headers=system.a.headers)).status_code == 200


async def test_revoked_key_stops_working_everywhere(system: System) -> None:
    c, a = system.client, system.a
    issued = await c.post(
        "/reconciliation/api-keys", json={"role": "erp", "label": "Logo Tiger"}, headers=a.headers
    )
    assert issued.status_code == 201, issued.text
    new = issued.json()
    assert new["api_key"].startswith(f"mtk_{new['key_id']}_") and new["role"] == "erp"
    await wait_until_key_works(system.apps, new["api_key"], timeout=5)
    erp = auth(new["api_key"])
    assert (await c.get("/bank-ingest/me", headers=erp)).status_code == 200

    revoked = await c.delete(f"/reconciliation/api-keys/{new['key_id']}", headers=a.headers)
    assert revoked.status_code == 204, revoked.text
    assert_problem(await c.get("/reconciliation/me", headers=erp), 401)  # the owner: at once

    for name in ("bank-ingest", "matcher", "notifier", "portal"):  # the replicas: by event

        async def refused(name: str = name) -> bool:
            return (await c.get(f"/{name}/me", headers=erp)).status_code == 401

        await eventually(refused, f"{name} learns the key was revoked")

    listed = (await c.get("/reconciliation/api-keys", headers=a.headers)).json()
    assert {k["key_id"]: k["revoked_at"] is not None for k in listed} == {
        a.key_id: False,
        new["key_id"]: True,
    }
    assert_problem(
        await c.delete(f"/reconciliation/api-keys/{new['key_id']}", headers=a.headers), 404
    )
    assert (await c.get("/bank-ingest/me", headers=a.headers)).status_code == 200


# 4. Every non-public route requires a key -------------------------------------------------------


async def test_every_route_except_the_public_ones_requires_a_key(running: _Running) -> None:
    c = running.client
    checked = 0
    for name in SERVICES:
        spec = (await c.get(f"/{name}/openapi.json")).json()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                url = f"/{name}" + path.format_map(_AnyParam())
                body = {} if method in ("post", "put", "patch") else None
                response = await c.request(method.upper(), url, json=body)
                where = f"{method.upper()} /{name}{path}"
                if path in PUBLIC_PATHS:
                    assert response.status_code == 200, (where, response.text)
                    continue
                assert response.status_code == 401, (where, response.status_code, response.text)
                assert response.headers["content-type"].startswith(PROBLEM_JSON), where
                assert response.headers["www-authenticate"] == "Bearer", where
                assert operation.get("security"), f"{where} does not document its API key"
                checked += 1
    # The walk must have covered the routes known today (new ones only add to it).
    assert checked >= 5 * 3 + 3 + 1 + 6, checked


class _AnyParam(dict):
    def __missing__(self, key: str) -> str:
        return str(uuid.uuid4())


# 5. Idempotency-Key ----------------------------------------------------------------------------


async def test_idempotency_key_replays_once_per_tenant(system: System) -> None:
    c, a, b = system.client, system.a, system.b
    key = {"Idempotency-Key": "order-42"}
    first = await c.post(
        "/bank-ingest/accounts", json=account_body(4), headers={**a.headers, **key}
    )
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    second = await c.post(
        "/bank-ingest/accounts", json=account_body(4), headers={**a.headers, **key}
    )
    assert second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    a_items = (await c.get("/bank-ingest/accounts", headers=a.headers)).json()["items"]
    assert [item["id"] for item in a_items] == [first.json()["id"]]

    changed = await c.post(
        "/bank-ingest/accounts", json=account_body(5), headers={**a.headers, **key}
    )
    problem = assert_problem(changed, 409)
    assert "Idempotency-Key" in problem["detail"]
    assert len((await c.get("/bank-ingest/accounts", headers=a.headers)).json()["items"]) == 1

    # The same key string (and body) from another tenant is that tenant's own request.
    theirs = await c.post(
        "/bank-ingest/accounts", json=account_body(4), headers={**b.headers, **key}
    )
    assert theirs.status_code == 201, theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != first.json()["id"]
    b_items = (await c.get("/bank-ingest/accounts", headers=b.headers)).json()["items"]
    assert [item["id"] for item in b_items] == [theirs.json()["id"]]

    # Without the header the same body is a second request: the IBAN is taken.
    assert_problem(
        await c.post("/bank-ingest/accounts", json=account_body(4), headers=a.headers), 409
    )
    empty = await c.post(
        "/bank-ingest/accounts", json=account_body(6), headers={**a.headers, "Idempotency-Key": ""}
    )
    assert_problem(empty, 422)


async def test_replayed_api_key_issue_does_not_show_the_secret_again(system: System) -> None:
    c, a = system.client, system.a
    headers = {**a.headers, "Idempotency-Key": "issue-erp-key"}
    body = {"role": "erp", "label": "Netsis"}
    first = await c.post("/reconciliation/api-keys", json=body, headers=headers)
    assert first.status_code == 201, first.text
    issued = first.json()
    assert issued["api_key"] and issued["api_key"].startswith("mtk_")

    replay = await c.post("/reconciliation/api-keys", json=body, headers=headers)
    assert replay.status_code == 201, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    replayed = replay.json()
    assert replayed["api_key"] is None
    assert {**replayed, "api_key": issued["api_key"]} == issued

    keys = (await c.get("/reconciliation/api-keys", headers=a.headers)).json()
    assert sorted(k["key_id"] for k in keys) == sorted([a.key_id, issued["key_id"]])
    await wait_until_key_works(system.apps, issued["api_key"], timeout=5)


# 6. Validation errors are problem details ------------------------------------------------------


async def test_validation_errors_are_problem_details(system: System) -> None:
    c, a = system.client, system.a
    bad_check_digits = "TR00" + tr_iban(7)[4:]
    invalid = await c.post(
        "/bank-ingest/accounts", json=account_body(7, iban=bad_check_digits), headers=a.headers
    )
    problem = assert_problem(invalid, 422)
    assert problem["errors"][0]["location"] == "body.iban", problem

    without_currency = {k: v for k, v in account_body(8).items() if k != "currency"}
    missing = await c.post("/bank-ingest/accounts", json=without_currency, headers=a.headers)
    problem = assert_problem(missing, 422)
    assert [e["location"] for e in problem["errors"]] == ["body.currency"], problem
    assert "currency" in problem["detail"]

    bad_limit = await c.get("/bank-ingest/accounts", params={"limit": 0}, headers=a.headers)
    assert assert_problem(bad_limit, 422)["errors"][0]["location"] == "query.limit"

    bad_id = await c.get("/bank-ingest/accounts/not-a-uuid", headers=a.headers)
    assert assert_problem(bad_id, 422)["errors"][0]["location"] == "path.account_id"

    for cursor in ("!!!", "bm90IGpzb24", base64.urlsafe_b64encode(b'["one"]').decode()):
        response = await c.get(
            "/bank-ingest/accounts", params={"cursor": cursor}, headers=a.headers
        )
        assert assert_problem(response, 400)["detail"] == "Invalid cursor", cursor

    assert (await c.get("/bank-ingest/accounts", headers=a.headers)).json()["items"] == []


async def test_tampered_cursor_is_a_bad_request(system: System) -> None:
    transport = httpx.ASGITransport(app=system.root, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for values in (["yesterday", str(uuid.uuid4())], ["2026-01-01T00:00:00+00:00", "x"]):
            cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
            response = await client.get(
                "/bank-ingest/accounts", params={"cursor": cursor}, headers=system.a.headers
            )
            assert_problem(response, 400)


# 7. Cursor pagination --------------------------------------------------------------------------


async def test_cursor_pagination_serves_every_account_once(system: System) -> None:
    c, a = system.client, system.a
    created = [(await system.register(a, 100 + n))["id"] for n in range(5)]
    await system.register(system.b, 200)  # another tenant's account is never on A's pages

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await c.get("/bank-ingest/accounts", params=params, headers=a.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10, "pagination does not end"

    assert [len(p) for p in pages] == [2, 2, 1], pages
    assert [i for p in pages for i in p] == created  # oldest first, each exactly once

    exact = await c.get("/bank-ingest/accounts", params={"limit": 5}, headers=a.headers)
    assert len(exact.json()["items"]) == 5 and exact.json()["next_cursor"] is None


# 8. Correlation id -----------------------------------------------------------------------------


async def test_correlation_id_comes_back(system: System) -> None:
    c = system.client
    given = {"X-Correlation-ID": "abc-123"}
    ok = await c.get("/bank-ingest/accounts", headers={**system.a.headers, **given})
    assert ok.status_code == 200 and ok.headers["x-correlation-id"] == "abc-123"
    refused = await c.get("/matcher/own-accounts", headers=given)
    assert refused.status_code == 401 and refused.headers["x-correlation-id"] == "abc-123"

    made_up = await c.get("/bank-ingest/healthz")
    assert uuid.UUID(made_up.headers["x-correlation-id"])
    unsafe = await c.get("/bank-ingest/healthz", headers={"X-Correlation-ID": 'a b"<script>'})
    assert uuid.UUID(unsafe.headers["x-correlation-id"])  # replaced, not echoed


async def test_an_unexpected_error_is_a_500_problem_with_the_correlation_id() -> None:
    from fastapi import FastAPI

    from shared.http.middleware import CorrelationIdMiddleware
    from shared.http.problems import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(CorrelationIdMiddleware)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom", headers={"X-Correlation-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-correlation-id"] == "trace-500"
    assert "a bug" not in response.text  # internals stay in the log
