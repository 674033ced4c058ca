"""Every error leaves as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..db import database_away
from ..errors import MutabikError

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _mutabik_error(request: Request, exc: MutabikError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem_response(exc.status, exc.problem(request.url.path), headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {
            "location": ".".join(str(part) for part in error["loc"]),
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"location": "?", "message": "invalid"}
    body = {
        "type": "https://mutabik.dev/problems/validation-failed",
        "title": "Validation failed",
        "status": 422,
        "detail": f"{first['location']}: {first['message']}",
        "instance": request.url.path,
        "errors": errors,
    }
    return problem_response(422, body)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": str(exc.detail) if exc.status_code < 500 else "Server error",
        "status": exc.status_code,
        "detail": str(exc.detail),
        "instance": request.url.path,
    }
    return problem_response(exc.status_code, body, dict(exc.headers or {}))


def internal_error(path: str) -> JSONResponse:
    body = {
        "type": "https://mutabik.dev/problems/internal",
        "title": "Internal error",
        "status": 500,
        "detail": "The server failed to handle this request; it has been logged.",
        "instance": path,
    }
    return problem_response(500, body)


RETRY_AFTER_SECONDS = 5


def unavailable(path: str, reason: str) -> JSONResponse:
    body = {
        "type": "https://mutabik.dev/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": f"{reason}; nothing was changed, try again shortly.",
        "instance": path,
    }
    return problem_response(503, body, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def server_failure(exc: BaseException, path: str) -> JSONResponse:
    """The answer to an exception no handler expected: 503 while the database is away (logged
    as a warning, no trace), else 500 with the trace logged."""
    if database_away(exc):
        log.warning("database unavailable", path=path, error=f"{type(exc).__name__}: {exc}"[:300])
        return unavailable(path, "The database does not answer")
    log.exception("unhandled error", path=path, exc_info=exc)
    return internal_error(path)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return server_failure(exc, request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MutabikError, _mutabik_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
    _document_implied_problems(app)


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _document_implied_problems(app: FastAPI) -> None:
    """Documents the answers a route gives by its shape, which FastAPI cannot see: 404 where a
    path names something (unknown, or another tenant's: the same answer), 400 for a ``cursor``
    that is not one of ours."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                params = {(p.get("in"), p.get("name")) for p in operation.get("parameters", [])}
                responses = operation["responses"]
                if any(where == "path" for where, _ in params):
                    responses.setdefault("404", _problem("Not found (or another tenant's)"))
                if ("query", "cursor") in params:
                    responses.setdefault("400", _problem("Invalid cursor"))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: _problem(title)
    for status, title in (
        (401, "Missing or invalid API key"),
        (403, "Role not allowed"),
        (422, "Validation failed"),
    )
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _problem("Not found (or another tenant's)")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _problem("Conflict with what is stored")}
