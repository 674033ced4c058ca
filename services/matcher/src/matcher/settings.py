from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MatcherSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_MATCHER_", extra="ignore")

    http_port: int = 8102

    # Voucher webhooks (matcher.webhooks): a delivery that fails is retried after
    # backoff * 2**(attempt - 1) seconds, at most backoff_max apart, up to max_attempts in all.
    webhook_poll_seconds: float = 1.0
    webhook_max_attempts: int = 10
    webhook_backoff_seconds: float = 10.0
    webhook_backoff_max_seconds: float = 3600.0
    webhook_timeout_seconds: float = 10.0
    webhook_batch_size: int = 20
