from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_NOTIFIER_", extra="ignore")

    http_port: int = 8104
