"""The counterparty directory: the ERP's cari kartlar, taken whole or refused whole, upserted by
code, every creation or change announced to the other services."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from shared.errors import PayloadTooLarge, ValidationFailed
from shared.events import CounterpartiesChanged, CounterpartiesDeactivated
from shared.text import fold

from .adapters.repository import ReconciliationUnitOfWork
from .schemas import CounterpartyIn, UpsertSummary

MAX_ROWS = 50_000
"""Rows per request; more are refused whole (send them in several requests)."""
EVENT_BATCH = 1000
"""Counterparties per CounterpartiesChanged event."""
MAX_LISTED_ERRORS = 1000
"""Row errors listed in one refusal; ``error_count`` tells how many there were in all."""


def parse_rows(body: bytes) -> list[CounterpartyIn]:
    """The request body as checked rows, or :class:`ValidationFailed` naming every bad row
    (``row`` counts from 1, as the array's position). CPU-bound: run it off the event loop."""
    try:
        rows = json.loads(body)
    except ValueError as exc:
        raise ValidationFailed(f"The body is not valid JSON: {exc}") from None
    if not isinstance(rows, list):
        raise ValidationFailed("The body must be a JSON array of counterparties.")
    if len(rows) > MAX_ROWS:
        raise PayloadTooLarge(
            f"{len(rows)} counterparties in one request; at most {MAX_ROWS:,} are taken. "
            "Send them in several requests."
        )
    checked: list[CounterpartyIn] = []
    errors: list[dict[str, Any]] = []
    first_row_of: dict[str, int] = {}
    for number, row in enumerate(rows, 1):
        try:
            counterparty = CounterpartyIn.model_validate(row)
        except ValidationError as exc:
            errors.extend(_row_errors(number, row, exc))
            continue
        earlier = first_row_of.setdefault(counterparty.code, number)
        if earlier != number:
            errors.append(
                {
                    "row": number,
                    "field": "code",
                    "value": counterparty.code,
                    "reason": f"is a duplicate of row {earlier}: each code once per request",
                }
            )
            continue
        checked.append(counterparty)
    if errors:
        bad_rows = len({error["row"] for error in errors})
        refusal = ValidationFailed(
            f"{bad_rows} of {len(rows)} rows are invalid; nothing was stored. "
            f"First: row {errors[0]['row']}, {errors[0]['field']} {errors[0]['reason']}.",
            errors[:MAX_LISTED_ERRORS],
        )
        refusal.extra.update(error_count=len(errors), rows_refused=bad_rows)
        raise refusal
    return checked


def _row_errors(number: int, row: Any, exc: ValidationError) -> list[dict[str, Any]]:
    if not isinstance(row, dict):
        return [{"row": number, "field": None, "value": row, "reason": "must be an object"}]
    errors = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or None
        missing = error["type"] == "missing"
        reason = "is required" if missing else error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            reason = "is not a counterparty field"
        value = None if missing else _shown(error["input"])
        errors.append({"row": number, "field": field, "value": value, "reason": reason})
    return errors


def _shown(value: Any) -> Any:
    """A bad value as the report shows it: long text cut, so a refusal stays readable."""
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    if isinstance(value, dict | list):
        return _shown(json.dumps(value, ensure_ascii=False))
    return value


async def upsert(
    tenant_id: uuid.UUID, rows: list[CounterpartyIn], *, uow: ReconciliationUnitOfWork
) -> UpsertSummary:
    """Create the codes not stored yet, update those whose data differ, leave the rest alone;
    announce the created and updated ones in the same transaction. The caller commits."""
    await uow.counterparties.lock(tenant_id)
    stored = await uow.counterparties.fingerprints(tenant_id, [row.code for row in rows])
    now = datetime.now(UTC)
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    announced: list[dict[str, Any]] = []
    deactivated: list[str] = []
    for row in rows:
        values = row.model_dump(exclude={"code"})
        fingerprint = _fingerprint(values)
        before = stored.get(row.code)
        if before is not None and before[1] == fingerprint:
            continue
        if before is not None and before[2] and not row.active:
            deactivated.append(row.code)
        values.update(search_text=_search_text(row), fingerprint=fingerprint, updated_at=now)
        if before is None:
            created.append(
                {"id": uuid.uuid4(), "tenant_id": tenant_id, "code": row.code, **values,
                 "created_at": now}
            )  # fmt: skip
        else:
            updated.append({"id": before[0], **values})
        announced.append(_record(row))
    await uow.counterparties.insert(created)
    await uow.counterparties.update(updated)
    for start in range(0, len(announced), EVENT_BATCH):
        payload = {"counterparties": announced[start : start + EVENT_BATCH]}
        await uow.emit_payload(CounterpartiesChanged, payload, tenant=tenant_id)
    for start in range(0, len(deactivated), EVENT_BATCH):
        payload = {"codes": deactivated[start : start + EVENT_BATCH]}
        await uow.emit_payload(CounterpartiesDeactivated, payload, tenant=tenant_id)
    return UpsertSummary(
        created=len(created),
        updated=len(updated),
        unchanged=len(rows) - len(created) - len(updated),
    )


def _fingerprint(values: dict[str, Any]) -> str:
    canonical = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _search_text(row: CounterpartyIn) -> str:
    return fold(" ".join([row.code, row.title, row.tax_id, *row.aliases]))


def _record(row: CounterpartyIn) -> dict[str, Any]:
    """The counterparty as :class:`shared.events.CounterpartyRecord` JSON, built without a model.
    ``emails`` are the counterparty's own addresses; ``reconciliation_email`` is our employee's."""
    return {
        "code": row.code,
        "title": row.title,
        "kind": row.kind,
        "tax_id": row.tax_id,
        "ibans": row.ibans,
        "emails": list(dict.fromkeys(e for e in (row.email, row.kep_email) if e)),
        "aliases": row.aliases,
        "active": row.active,
        "email": row.email,
        "kep_email": row.kep_email,
        "phone": row.phone,
        "tax_office": row.tax_office,
        "address": row.address,
        "city": row.city,
        "postal_code": row.postal_code,
        "contacts": [contact.model_dump() for contact in row.contacts],
    }
