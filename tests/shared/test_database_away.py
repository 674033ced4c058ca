"""A request that finds the database away gets 503 problem details with Retry-After, not 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared.http.middleware import CorrelationIdMiddleware
from shared.http.problems import install_problem_handlers


def app_on(database_url: str) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(CorrelationIdMiddleware)
    engine = create_async_engine(database_url)

    @app.get("/count")
    async def count() -> int:
        async with engine.connect() as connection:
            return (await connection.execute(text("SELECT 1"))).scalar_one()

    @app.get("/bug")
    async def bug() -> int:
        raise ValueError("a bug, not an outage")

    return app


async def answer(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


async def test_a_database_that_refuses_connections_is_a_503_to_retry() -> None:
    app = app_on("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")  # nothing listens on 9
    response = await answer(app, "/count")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json()["type"] == "https://mutabik.dev/problems/unavailable"
    assert response.headers["x-correlation-id"]


async def test_any_other_failure_stays_a_500() -> None:
    response = await answer(app_on("sqlite+aiosqlite://"), "/bug")
    assert response.status_code == 500
    assert response.json()["type"] == "https://mutabik.dev/problems/internal"
    assert "retry-after" not in response.headers
