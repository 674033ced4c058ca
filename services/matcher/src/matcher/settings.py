from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MatcherSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_MATCHER_", extra="ignore")

    http_port: int = 8102
