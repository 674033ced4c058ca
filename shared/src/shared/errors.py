"""The one error hierarchy. Each error knows its HTTP status and renders as RFC 9457 problem details."""

from __future__ import annotations

from typing import Any


class MutabikError(Exception):
    """Base of every error we raise on purpose."""

    status: int = 500
    title: str = "Internal error"
    type_slug: str = "internal"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://mutabik.dev/problems/{self.type_slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(MutabikError):
    status, title, type_slug = 400, "Bad request", "bad-request"


class Unauthorized(MutabikError):
    status, title, type_slug = 401, "Not authenticated", "unauthorized"


class Forbidden(MutabikError):
    status, title, type_slug = 403, "Not allowed", "forbidden"


class NotFound(MutabikError):
    status, title, type_slug = 404, "Not found", "not-found"


class Conflict(MutabikError):
    status, title, type_slug = 409, "Conflict", "conflict"


class PayloadTooLarge(MutabikError):
    status, title, type_slug = 413, "Payload too large", "payload-too-large"


class ValidationFailed(MutabikError):
    """Input that is well-formed but wrong; ``errors`` names each field/row/line."""

    status, title, type_slug = 422, "Validation failed", "validation-failed"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail, errors=errors or [])


class NotReady(MutabikError):
    status, title, type_slug = 503, "Not ready", "not-ready"


class PermanentEventError(Exception):
    """A handler's verdict that an event can never succeed: dead-letter it without retries."""
