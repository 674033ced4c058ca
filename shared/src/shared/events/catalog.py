"""``docs/events.md``, generated from the event models and the bus topology, so the document
is the contract as the code has it. ``python -m shared.events.catalog > docs/events.md``; a test
fails when the file is not current."""

from __future__ import annotations

import inspect
import re
from typing import Any

from pydantic import BaseModel

from ..bus.base import topic_matches
from ..bus.topology import SUBSCRIPTIONS
from .registry import known_events

HEADER = """# Events

Generated from `shared/src/shared/events/` and the bus topology
(`python -m shared.events.catalog > docs/events.md`; a test checks it is current).

Every event travels in an envelope: `id`, `type` (the routing key below), `version`, `tenant`,
`occurred_at`, `correlation_id`, `payload` (the fields below). Publishers write it to their
outbox in the transaction of the change; consumers record its id in their inbox, so a redelivery
changes nothing (`docs/architecture.md`).
"""


def render() -> str:
    parts = [HEADER]
    records: dict[str, type[BaseModel]] = {}
    for (event_type, version), model in sorted(known_events().items()):
        consumers = sorted(
            service
            for service, patterns in SUBSCRIPTIONS.items()
            if any(topic_matches(pattern, event_type) for pattern in patterns)
        )
        parts.append(f"## `{event_type}` (v{version}) — {model.__name__}\n")
        parts.append(f"{_doc(model)}\n")
        parts.append(f"Published by **{event_type.split('.')[0].replace('_', '-')}**; consumed "
                     f"by {', '.join(f'**{c}**' for c in consumers) or 'no service'}.\n")  # fmt: skip
        parts.append(_fields(model, records))
    if records:
        parts.append("## Records inside events\n")
    for name in sorted(records):
        parts.append(f"### {name}\n")
        if doc := _doc(records[name]):
            parts.append(f"{doc}\n")
        parts.append(_fields(records[name], records))
    return "\n".join(parts).rstrip() + "\n"


def _doc(model: type[BaseModel]) -> str:
    """The model's own docstring (not one inherited from ``Event`` or ``BaseModel``)."""
    doc = model.__dict__.get("__doc__") or ""
    return " ".join(inspect.cleandoc(doc).split())


def _fields(model: type[BaseModel], records: dict[str, type[BaseModel]]) -> str:
    if not model.model_fields:
        return "No fields.\n"
    lines = ["| field | type | required |", "| --- | --- | --- |"]
    for name, info in model.model_fields.items():
        lines.append(f"| `{name}` | {_type(info.annotation, records)} | "
                     f"{'yes' if info.is_required() else 'no'} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def _type(annotation: Any, records: dict[str, type[BaseModel]]) -> str:
    """The annotation in words; models met on the way are listed under "Records"."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation.__name__ not in records:
            records[annotation.__name__] = annotation
            for info in annotation.model_fields.values():
                _type(info.annotation, records)
        return f"{annotation.__name__}"
    arguments = getattr(annotation, "__args__", ())
    for argument in arguments:
        _type(argument, records)
    text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    text = re.sub(r"\b(?:typing|shared\.events\.\w+|datetime|decimal|uuid)\.", "", text)
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(render(), end="")
