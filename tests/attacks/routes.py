"""Every route of every service, read from the apps themselves: its OpenAPI operation and the
roles its guard (``shared.http.deps.require``) admits."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from shared.auth import Role
from shared.http import deps

OPS_PUBLIC = frozenset({"GET /healthz", "GET /readyz", "GET /metrics"})
"""Probes and metrics: open on every service (a load balancer and Prometheus carry no key)."""
DOCS = frozenset({"GET /openapi.json", "GET /docs", "GET /docs/oauth2-redirect", "GET /redoc"})
"""The API's own description: public on every service."""
PORTAL_PUBLIC = frozenset({
    "GET /letters/{token}", "POST /letters/{token}/answer", "GET /letters/{token}/pdf",
    "GET /static/portal.css",
})  # fmt: skip
"""The counterparty's pages: the link's 256-bit token is the credential (rate-limited per IP)."""


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> dict[str, dict[str, Any]]:
        return {
            p["name"]: p["schema"] for p in self.spec.get("parameters", []) if p["in"] == "path"
        }

    @property
    def body_types(self) -> set[str]:
        return set(self.spec.get("requestBody", {}).get("content", {}))

    def url(self, values: dict[str, str]) -> str:
        return f"/{self.service}" + self.path.format_map(values)

    def __str__(self) -> str:
        return f"{self.method} /{self.service}{self.path}"


def operations(apps: dict[str, FastAPI]) -> Iterator[Operation]:
    """Every operation of every service's OpenAPI document."""
    for service, app in apps.items():
        for path, methods in app.openapi()["paths"].items():
            for method, spec in methods.items():
                yield Operation(service, method.upper(), path, spec)


def guards(app: FastAPI) -> dict[str, frozenset[Role] | None]:
    """``"METHOD /path"`` of every route the app answers (HEAD aside) → the roles its guard
    admits, or None when nothing asks for a key."""
    found: dict[str, frozenset[Role] | None] = {}
    for route in iter_route_contexts(app.routes):
        path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path or "")
        dependant = getattr(route, "dependant", None)
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            found[f"{method} {path}"] = _admitted(dependant) if dependant else None
    return found


def _admitted(dependant: Dependant) -> frozenset[Role] | None:
    guards_seen: list[frozenset[Role]] = []
    authenticated = False
    for call in _calls(dependant):
        if call is deps.get_principal:
            authenticated = True
        elif getattr(call, "__qualname__", "") == "require.<locals>.check" and (
            call.__module__ == deps.__name__
        ):
            guards_seen.append(frozenset(inspect.getclosurevars(call).nonlocals["allowed"]))
    if guards_seen:
        return frozenset.intersection(*guards_seen)
    return frozenset(Role) if authenticated else None


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)
