"""Cursor pagination: an opaque cursor that encodes the sort key of the last item served."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
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


def decode_cursor(cursor: str, *converters: Callable[[str], Any]) -> tuple[Any, ...]:
    """The values a cursor encodes, each passed through its converter (e.g. ``uuid.UUID``);
    anything that does not decode or convert is the client's error, not ours."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(converters):
            raise ValueError("wrong shape")
        return tuple(convert(value) for convert, value in zip(converters, values, strict=True))
    except (ValueError, TypeError) as exc:
        raise BadRequest("Invalid cursor", field="cursor") from exc


def page_of(rows: list[T], limit: int, cursor_of: Callable[[T], tuple[Any, ...]]) -> Page[T]:
    """A page from ``limit + 1`` fetched rows: the extra row only tells that more exist."""
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(*cursor_of(items[-1])) if more else None)
