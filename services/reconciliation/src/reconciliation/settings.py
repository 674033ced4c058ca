from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ReconciliationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_RECONCILIATION_", extra="ignore")

    http_port: int = 8103
