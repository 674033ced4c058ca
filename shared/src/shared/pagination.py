"""Cursor pagination: an opaque cursor that encodes the sort key of the last item served."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from .errors import BadRequest

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    """Pass as ``cursor`` to get the next page; absent on the last page."""


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(v) for v in values]).encode()).decode()


def decode_cursor(cursor: str, parts: int) -> list[str]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadRequest("Invalid cursor", field="cursor") from exc
    if not isinstance(values, list) or len(values) != parts:
        raise BadRequest("Invalid cursor", field="cursor")
    return values
