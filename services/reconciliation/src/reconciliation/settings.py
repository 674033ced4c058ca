from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ReconciliationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_RECONCILIATION_", extra="ignore")

    http_port: int = 8103
    max_import_bytes: int = 512 * 1024 * 1024
    """Larger request bodies to the import routes (``PUT /counterparties``, ``POST /imports/…``)
    get 413, counted while the body streams. 200,000 movements take some 15 MB as .xlsx and
    60 MB as JSON; the limit is far above what a user would send."""
    import_in_child_bytes: int | None = 1024 * 1024
    """On PostgreSQL, import files at least this large are read and checked in a child process,
    so reading and storing use both cores; None reads every file in a thread of the service."""
    import_child_memory_bytes: int = 4 * 1024**3
    """The address space such a child may take. Its sheet is read without counting the cells
    first (calamine sizes a dense grid by the farthest cell); one too large for this limit ends
    that child alone, and the import is refused. Files read in the service itself are counted."""
    business_timezone: str = "Europe/Istanbul"
    """Whose calendar says which day it is: a letter expires when its validity date has passed
    there, and reminders go out by that day."""
    round_clock_seconds: float = 60.0
    """How often expiry and reminders are looked for."""
