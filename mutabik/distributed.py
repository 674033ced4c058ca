"""Distributed mode as plain processes: a PostgreSQL database per service, RabbitMQ, five service
processes and the gateway. What docker-compose.yml describes for a Docker host, on this machine."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from .services import SERVICES, env_prefix


@dataclass
class DistributedConfig:
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    """Server to create the per-service databases on; the database part is replaced per service."""
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    database_prefix: str = "mutabik"
    queue_prefix: str = "mutabik"
    exchange: str = "mutabik.events"
    host: str = "127.0.0.1"
    gateway_port: int = 8000
    base_port: int = 8100
    """Service n listens on base_port + n (bank-ingest 8101 ... portal 8105)."""
    log_dir: Path = Path("var/log")
    extra_env: dict[str, str] = field(default_factory=dict)

    def database_url(self, service: str) -> str:
        name = f"{self.database_prefix}_{service.replace('-', '_')}"
        return make_url(self.postgres_url).set(database=name).render_as_string(hide_password=False)

    def port(self, index: int) -> int:
        return self.base_port + index + 1

    def service_env(self, service: str) -> dict[str, str]:
        """Every setting a service process gets, as environment variables."""
        entry = SERVICES[service]
        prefix = env_prefix(entry)
        index = list(SERVICES).index(service)
        return {
            f"{prefix}DATABASE_URL": self.database_url(service),
            f"{prefix}BUS_URL": self.amqp_url,
            f"{prefix}HTTP_HOST": self.host,
            f"{prefix}HTTP_PORT": str(self.port(index)),
            f"{prefix}QUEUE_PREFIX": self.queue_prefix,
            f"{prefix}EXCHANGE": self.exchange,
            **self.extra_env,
        }

    def gateway_env(self) -> dict[str, str]:
        env = {"MUTABIK_GATEWAY_HOST": self.host, "MUTABIK_GATEWAY_PORT": str(self.gateway_port)}
        for index, service in enumerate(SERVICES):
            key = f"MUTABIK_GATEWAY_{service.replace('-', '_').upper()}_URL"
            env[key] = f"http://{self.host}:{self.port(index)}"
        return env


async def create_databases(config: DistributedConfig) -> None:
    """CREATE DATABASE for every service that has none yet."""
    server = make_url(config.postgres_url)
    connection = await asyncpg.connect(
        host=server.host or "127.0.0.1",
        port=server.port or 5432,
        user=server.username or "postgres",
        password=server.password,
        database=server.database or "postgres",
    )
    try:
        for service in SERVICES:
            name = make_url(config.database_url(service)).database
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


class Cluster:
    """Starts and stops the processes; ``wait_ready`` polls every service through the gateway."""

    def __init__(self, config: DistributedConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._commands: dict[str, tuple[list[str], dict[str, str]]] = {}

    def start(self) -> None:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        for service, entry in SERVICES.items():
            self._spawn(
                service, [sys.executable, "-m", entry.module], self.config.service_env(service)
            )
        self._spawn("gateway", [sys.executable, "-m", "mutabik.gateway"], self.config.gateway_env())

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Sends ``sig`` to one process (SIGKILL: no shutdown code runs) and reaps it."""
        process = self.processes[name]
        process.send_signal(sig)
        process.wait(timeout=30)

    def respawn(self, name: str) -> None:
        """Starts a stopped process again with its command and settings."""
        if self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        self._spawn(name, *self._commands[name])

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self._commands[name] = (command, env)
        log = open(self.config.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        self.processes[name] = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.gateway_port}"

    def wait_ready(self, timeout: float = 60) -> dict[str, dict]:
        deadline = time.monotonic() + timeout
        pending = set(SERVICES)
        answers: dict[str, dict] = {}
        while pending:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with {process.returncode}; see "
                        f"{self.config.log_dir / (name + '.log')}"
                    )
            for service in sorted(pending):
                try:
                    answer = httpx.get(f"{self.url}/{service}/readyz", timeout=2)
                except httpx.HTTPError:
                    continue
                if answer.status_code == 200:
                    answers[service] = answer.json()
                    pending.discard(service)
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout}s: {', '.join(sorted(pending))}")
            if pending:
                time.sleep(0.3)
        return answers

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def run(config: DistributedConfig) -> None:
    """Foreground: start everything, print where, stop everything on Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the shell ignored it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwinds through `finally` below
    asyncio.run(create_databases(config))
    cluster = Cluster(config)
    cluster.start()
    try:
        cluster.wait_ready()
        print(f"Mutabık (distributed) is ready at {cluster.url}/  — logs in {config.log_dir}/")
        for service in SERVICES:
            print(f"  {cluster.url}/{service}/docs")
        print(
            "Create a tenant and key:  "
            f"MUTABIK_RECONCILIATION_DATABASE_URL={config.database_url('reconciliation')} "
            ".venv/bin/mutabik tenant create NAME"
        )
        print("Ctrl-C stops all processes.")
        while all(p.poll() is None for p in cluster.processes.values()):
            time.sleep(1)
        print("a process exited; stopping the others", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
