"""bank-ingest: bank statements in, checked, once."""

from .main import SPEC, create_app
from .settings import BankIngestSettings

__all__ = ["SPEC", "BankIngestSettings", "create_app"]
