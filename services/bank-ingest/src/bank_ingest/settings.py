from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class BankIngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_BANK_INGEST_", extra="ignore")

    http_port: int = 8101
    max_upload_bytes: int = Field(
        200 * 1024 * 1024, description="Largest statement file accepted by upload (413 above)"
    )
    parse_in_child_bytes: int | None = Field(
        4 * 1024 * 1024,
        description="Files this large or larger are parsed in a child process while the service "
        "stores what is parsed (two cores at work); empty: always parse in the service",
    )
    jobs_poll_seconds: float = Field(
        1.0, description="How often the refresh worker looks for queued jobs and due connections"
    )
