"""Fixtures for the real servers the tests use: PostgreSQL and RabbitMQ on this machine.

Without them a test that needs one is skipped, saying why; with CI=true (or
MUTABIK_REQUIRE_SERVICES=1) it fails instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import asyncio
import asyncio.runners
import io
import os
import socket
import sys
import uuid
import warnings
from collections import Counter

import pytest

PG_HOST, PG_PORT = os.environ.get("MUTABIK_TEST_PG_HOST", "127.0.0.1"), 5432
AMQP_URL = os.environ.get("MUTABIK_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REQUIRED = os.environ.get("CI") == "true" or os.environ.get("MUTABIK_REQUIRE_SERVICES") == "1"

_passed: Counter[str] = Counter()

TASK_STOP_SECONDS = 10.0


def _cancel_all_tasks_within_bounds(loop: asyncio.AbstractEventLoop) -> None:
    """``asyncio.Runner``'s last step (a test's event loop closing), bounded: a task still
    running ``TASK_STOP_SECONDS`` after it was cancelled is reported with its stack and left
    behind, instead of hanging the whole test run with no word of what it waits for. (A run
    once hung here, after a matcher test had passed, and the stuck task could not be seen.)"""
    tasks = asyncio.all_tasks(loop)
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    done, pending = loop.run_until_complete(asyncio.wait(tasks, timeout=TASK_STOP_SECONDS))
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {"message": "unhandled exception in a task at the end of a test",
                 "exception": task.exception(), "task": task}
            )  # fmt: skip
    for task in pending:
        stack = io.StringIO()
        task.print_stack(file=stack)
        report = f"a task ignored its cancellation for {TASK_STOP_SECONDS:.0f} s: {task!r}\n"
        sys.stderr.write(report + stack.getvalue())
        warnings.warn(report + stack.getvalue(), RuntimeWarning, stacklevel=1)


asyncio.runners._cancel_all_tasks = _cancel_all_tasks_within_bounds  # type: ignore[attr-defined]


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _need(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if REQUIRED:
        pytest.fail(f"{message}, and CI requires it (.ci/run starts it)")
    pytest.skip(f"{message}; start it to run this test")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"pg_url", "postgres_server"} or "[postgres" in item.name:
            item.add_marker(pytest.mark.postgres)
        if names & {"rabbitmq_url", "rabbit_names"} or "rabbitmq" in item.name:
            item.add_marker(pytest.mark.rabbitmq)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for marker in ("postgres", "rabbitmq"):
            if marker in report.keywords:
                _passed[marker] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.write_line(
        f"real-server tests passed: PostgreSQL {_passed['postgres']}, RabbitMQ {_passed['rabbitmq']}"
    )


@pytest.fixture(scope="session")
def postgres_server() -> str:
    _need("PostgreSQL", PG_HOST, PG_PORT)
    return f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/postgres"


@pytest.fixture
def pg_url(postgres_server: str):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"mutabik_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg_admin(statement: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database="postgres")
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@pytest.fixture
def sqlite_db_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_db_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    _need("RabbitMQ", "127.0.0.1", 5672)
    return AMQP_URL


@pytest.fixture
def rabbit_names(rabbitmq_url: str):
    """A private exchange and queue prefix for one test; its queues are deleted afterwards."""
    token = uuid.uuid4().hex[:10]
    names = {"exchange": f"test.{token}.events", "queue_prefix": f"test.{token}"}
    yield names
    asyncio.run(delete_rabbit_objects(rabbitmq_url, names["queue_prefix"], names["exchange"]))


async def delete_rabbit_objects(url: str, queue_prefix: str, exchange: str | None = None) -> None:
    import aio_pika

    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        "list_queues",
        "name",
        "--quiet",
        "--no-table-headers",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    queues = [name for name in out.decode().split() if name.startswith(queue_prefix + ".")]
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        if exchange:
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()
