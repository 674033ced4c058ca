from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class BankIngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_BANK_INGEST_", extra="ignore")

    http_port: int = 8101
