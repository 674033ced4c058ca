from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_PORTAL_", extra="ignore")

    http_port: int = 8105
