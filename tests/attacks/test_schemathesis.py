"""schemathesis against every operation of every service's OpenAPI document, on the whole system
served over real HTTP: no 5xx, every answer's status documented and its body as documented.

A tenant with one of everything is made first (``world.py``) and each operation's path
parameters are pinned to its ids, so the operations reach real resources (an unknown id only
ever shows the 404). Bounded for CI: a fixed number of examples per operation, derandomized,
no deadline; the operations that delete go last."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import Served, served
from .world import World, build_world

SERVICES = ("bank-ingest", "matcher", "reconciliation", "notifier", "portal")
POSITIVE_EXAMPLES = 15
NEGATIVE_EXAMPLES = 5
PINNED_ELSEWHERE = {("matcher", "/transaction-codes/{code}"): {"code": "NZET"}}
"""Path parameters whose name means something else on this route than in ``World.ids``."""
SLOW_SERVERS = {
    "MUTABIK_NOTIFIER_SMTP_TIMEOUT": "2",  # generated SMTP settings point at nowhere
    "MUTABIK_MATCHER_WEBHOOK_TIMEOUT_SECONDS": "2",
}


def pinned(service: str, operation: Any, world: World) -> dict[str, Any]:
    """The operation's path parameters that name one of the world's things, with its ids."""
    values = dict(PINNED_ELSEWHERE.get((service, operation.path), {}))
    for parameter in operation.path_parameters:
        name, schema = parameter.name, parameter.definition.get("schema", {})
        if name not in values and (service, name) in world.ids:
            value = world.ids[service, name]
            values[name] = int(value) if schema.get("type") == "integer" else value
    return values


def fuzz(
    operation: Any, *, base_url: str, session: requests.Session, mode: GenerationMode,
    path_parameters: dict[str, Any], checks: list[Any], examples: int,
) -> list[str]:  # fmt: skip
    """The distinct failures of one operation, as schemathesis words them."""
    failures: dict[str, str] = {}

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=examples, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
    )  # fmt: skip
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, timeout=30)
        try:
            case.validate_response(response, checks=checks)
        except BaseException as exc:  # noqa: BLE001 - schemathesis raises an exception group
            message = str(exc)
            failures.setdefault(message.split("Reproduce with")[0][:300], message[:1500])

    # Unsatisfiable: nothing in it can be made invalid (negative mode, an operation without input)
    with contextlib.suppress(Unsatisfiable):
        run()
    return list(failures.values())


def test_every_operation_answers_as_documented(tmp_path: Path) -> None:
    with served(tmp_path / "data", SLOW_SERVERS) as system:
        world = _world(system, tmp_path)
        session = requests.Session()
        session.headers.update(system.headers)
        found: list[str] = []
        ran = 0
        for service in SERVICES:
            spec = session.get(f"{system.url}/{service}/openapi.json").json()
            schema = schemathesis.openapi.from_dict(spec)
            operations = [result.ok() for result in schema.get_all_operations()]
            # Deleting ones last, and the round (its letters live under it) last of all.
            operations.sort(key=lambda op: (op.method.upper() == "DELETE", "round_id" in op.path))
            for operation in operations:
                values = pinned(service, operation, world)
                for mode, checks, examples in (
                    (GenerationMode.POSITIVE,
                     [not_a_server_error, status_code_conformance, response_schema_conformance],
                     POSITIVE_EXAMPLES),
                    (GenerationMode.NEGATIVE,
                     [not_a_server_error, response_schema_conformance], NEGATIVE_EXAMPLES),
                ):  # fmt: skip
                    for failure in fuzz(
                        operation, base_url=f"{system.url}/{service}", session=session,
                        mode=mode, path_parameters=values, checks=checks, examples=examples,
                    ):  # fmt: skip
                        found.append(f"{service} {operation.label} ({mode.value}):\n{failure}")
                ran += 1
    assert ran >= 100, ran
    assert not found, "\n\n".join(found)


def _world(system: Served, tmp_path: Path) -> World:
    secret = system.apps["portal"].state.runtime.settings.secret_key.get_secret_value()

    async def build() -> World:
        async with httpx.AsyncClient(base_url=system.url, timeout=30) as client:
            return await build_world(
                client, system.headers, secret_key=secret, folder=tmp_path / "in",
                marker="Fuzz Firma",
            )  # fmt: skip

    return asyncio.run(build())
