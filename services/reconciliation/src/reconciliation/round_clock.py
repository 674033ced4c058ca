"""The clock of rounds: expiry at the validity date and the reminders before it, looked for every
``round_clock_seconds``. Several replicas may run it: each pass takes row locks on PostgreSQL, and
a letter expires or is reminded once whoever gets there first."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import structlog

from shared.runtime import Runtime

from .rounds import expire_and_remind

log = structlog.get_logger(__name__)


def business_today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


async def tick(runtime: Runtime, today: date | None = None) -> tuple[int, int]:
    """One pass: (letters expired, reminders queued)."""
    today = today or business_today(runtime.settings.business_timezone)
    async with runtime.new_uow() as uow:
        outcome = await expire_and_remind(uow, today)
        await uow.commit()
    if any(outcome):
        log.info("round clock", expired=outcome[0], reminders=outcome[1], today=today.isoformat())
    return outcome


async def round_clock(runtime: Runtime) -> None:
    while True:
        try:
            await tick(runtime)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the database may be away; try again next time
            log.exception("round clock failed; retrying")
        await asyncio.sleep(runtime.settings.round_clock_seconds)
