from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ReconciliationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MUTABIK_RECONCILIATION_", extra="ignore")

    http_port: int = 8103
    max_import_bytes: int = 64 * 1024 * 1024
    """Larger request bodies to the import routes (``PUT /counterparties``) get 413, counted while
    the body streams; 50,000 counterparties take some 15 MB."""
