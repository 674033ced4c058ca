"""Static checks of docker-compose.yml, the Dockerfiles and the postgres init script.

No Docker and no network: the files are parsed and compared with the code they run.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# compose service -> (import package, settings class, port)
SERVICES = {
    "bank-ingest": ("bank_ingest", "BankIngestSettings", 8101),
    "matcher": ("matcher", "MatcherSettings", 8102),
    "reconciliation": ("reconciliation", "ReconciliationSettings", 8103),
    "notifier": ("notifier", "NotifierSettings", 8104),
    "portal": ("portal", "PortalSettings", 8105),
}
GATEWAY_PORT = 8000


def env_prefix(service: str) -> str:
    return "MUTABIK_" + service.upper().replace("-", "_") + "_"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, args = (pending + stripped).partition(" ")
        result.append((keyword.upper(), args.strip()))
        pending = ""
    return result


def dockerfile_of(compose: dict, name: str) -> Path:
    build = compose["services"][name]["build"]
    return ROOT / build["context"] / build["dockerfile"]


def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    last_from = max(i for i, (kw, _) in enumerate(steps) if kw == "FROM")
    return steps[last_from:]


def dockerfile_env(dockerfile: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for kw, args in final_stage(dockerfile):
        if kw == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    return env


def service_env(compose: dict, name: str) -> dict[str, str]:
    """The environment a container starts with: the image's ENV, then compose's."""
    env = dockerfile_env(dockerfile_of(compose, name))
    env.update({k: str(v) for k, v in compose["services"][name].get("environment", {}).items()})
    return env


def exec_form(args: str) -> list[str]:
    return json.loads(args)


def healthcheck_command(dockerfile: Path) -> str:
    (args,) = [args for kw, args in final_stage(dockerfile) if kw == "HEALTHCHECK"]
    return " ".join(exec_form(args[args.index("CMD") + len("CMD") :].strip()))


def cmd_module(dockerfile: Path) -> str:
    (args,) = [args for kw, args in final_stage(dockerfile) if kw == "CMD"]
    argv = exec_form(args)
    assert argv[:2] == ["python", "-m"], argv
    return argv[2]


def published_container_ports(spec: dict) -> set[int]:
    return {int(str(p).rsplit(":", 1)[-1]) for p in spec.get("ports", [])}


def created_databases() -> set[str]:
    sql = (ROOT / "deploy/postgres/init/01-databases.sql").read_text()
    return set(re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", sql, re.IGNORECASE))


def test_every_service_is_defined(compose):
    expected = {"postgres", "rabbitmq", "gateway", *SERVICES}
    assert expected <= set(compose["services"])


def test_build_paths_exist(compose):
    for name, spec in compose["services"].items():
        if "build" in spec:
            assert (ROOT / spec["build"]["context"]).is_dir(), name
            assert dockerfile_of(compose, name).is_file(), name


def test_copied_paths_exist_and_are_not_dockerignored(compose):
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    for name, spec in compose["services"].items():
        if "build" not in spec:
            continue
        context = ROOT / spec["build"]["context"]
        for kw, args in instructions(dockerfile_of(compose, name)):
            if kw != "COPY" or "--from=" in args:
                continue
            *sources, _dest = [a for a in args.split() if not a.startswith("--")]
            for source in sources:
                assert (context / source).exists(), f"{name}: COPY {source}"
                clean = source.rstrip("/")
                assert not any(fnmatch.fnmatch(clean, p) for p in ignored), f"{name}: {source}"


def test_bind_mount_sources_exist(compose):
    for name, spec in compose["services"].items():
        for volume in spec.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source}"


def test_images_run_as_non_root(compose):
    for name, spec in compose["services"].items():
        if "build" in spec:
            users = [args for kw, args in final_stage(dockerfile_of(compose, name)) if kw == "USER"]
            assert users and users[-1] not in {"root", "0"}, name


@pytest.mark.parametrize("service", SERVICES)
def test_service_port_and_healthcheck(compose, service):
    spec = compose["services"][service]
    dockerfile = dockerfile_of(compose, service)
    _, _, port = SERVICES[service]
    prefix = env_prefix(service)
    env = service_env(compose, service)

    assert int(env[prefix + "HTTP_PORT"]) == port
    assert env[prefix + "HTTP_HOST"] == "0.0.0.0"
    exposed = [args for kw, args in final_stage(dockerfile) if kw == "EXPOSE"]
    assert exposed == [str(port)]
    assert published_container_ports(spec) == {port}
    assert all(str(p).startswith("127.0.0.1:") for p in spec["ports"])
    check = healthcheck_command(dockerfile)
    assert f"/{service}/healthz" in check
    assert f"'{prefix}HTTP_PORT', '{port}'" in check


@pytest.mark.parametrize("service", SERVICES)
def test_service_env_names_are_settings_fields(compose, service):
    package, class_name, port = SERVICES[service]
    settings_cls = getattr(importlib.import_module(f"{package}.settings"), class_name)
    prefix = settings_cls.model_config["env_prefix"]
    assert prefix == env_prefix(service)
    assert settings_cls.model_fields["http_port"].default == port

    env = service_env(compose, service)
    for name in env:
        if name.startswith("MUTABIK_"):
            assert name.startswith(prefix), name
            assert name[len(prefix) :].lower() in settings_cls.model_fields, name


def test_each_service_has_its_own_created_database(compose):
    databases = created_databases()
    used = {}
    for service in SERVICES:
        url = urlsplit(service_env(compose, service)[env_prefix(service) + "DATABASE_URL"])
        assert url.scheme == "postgresql+asyncpg"
        assert url.hostname == "postgres"
        used[service] = url.path.lstrip("/")
        assert used[service] in databases, service
        assert used[service] == "mutabik_" + service.replace("-", "_")
    assert len(set(used.values())) == len(SERVICES)


def test_bus_url_matches_the_broker_user(compose):
    broker_env = compose["services"]["rabbitmq"]["environment"]
    for service in SERVICES:
        url = urlsplit(service_env(compose, service)[env_prefix(service) + "BUS_URL"])
        assert (url.scheme, url.hostname, url.port) == ("amqp", "rabbitmq", 5672)
        assert url.username == broker_env["RABBITMQ_DEFAULT_USER"]
        assert url.password == broker_env["RABBITMQ_DEFAULT_PASS"]


def test_services_wait_for_healthy_dependencies(compose):
    for service in SERVICES:
        depends = compose["services"][service]["depends_on"]
        for dependency in ("postgres", "rabbitmq"):
            assert depends[dependency]["condition"] == "service_healthy", service
    gateway_depends = compose["services"]["gateway"]["depends_on"]
    assert set(gateway_depends) == set(SERVICES)


def test_gateway_points_at_each_service(compose):
    spec = compose["services"]["gateway"]
    dockerfile = dockerfile_of(compose, "gateway")
    env = service_env(compose, "gateway")
    for service, (_, _, port) in SERVICES.items():
        key = "MUTABIK_GATEWAY_" + service.upper().replace("-", "_") + "_URL"
        service_port = int(service_env(compose, service)[env_prefix(service) + "HTTP_PORT"])
        assert env[key] == f"http://{service}:{service_port}" == f"http://{service}:{port}"
    assert int(env["MUTABIK_GATEWAY_PORT"]) == GATEWAY_PORT
    assert env["MUTABIK_GATEWAY_HOST"] == "0.0.0.0"
    assert published_container_ports(spec) == {GATEWAY_PORT}
    assert [args for kw, args in final_stage(dockerfile) if kw == "EXPOSE"] == [str(GATEWAY_PORT)]
    assert "/healthz" in healthcheck_command(dockerfile)


def test_gateway_env_names_are_settings_fields(compose):
    from mutabik.gateway import GatewaySettings

    prefix = GatewaySettings.model_config["env_prefix"]
    for name in service_env(compose, "gateway"):
        if name.startswith("MUTABIK_"):
            assert name.startswith(prefix), name
            assert name[len(prefix) :].lower() in GatewaySettings.model_fields, name


@pytest.mark.parametrize("service", [*SERVICES, "gateway"])
def test_cmd_module_is_importable(compose, service):
    module = cmd_module(dockerfile_of(compose, service))
    expected = SERVICES[service][0] if service in SERVICES else "mutabik.gateway"
    assert module == expected
    assert importlib.util.find_spec(module) is not None, module
