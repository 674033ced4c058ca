"""reconciliation: the ERP's books, balances, BA/BS and e-Mutabakat rounds; owner of tenants,
users and API keys."""

from .main import SPEC, create_app
from .settings import ReconciliationSettings

__all__ = ["SPEC", "ReconciliationSettings", "create_app"]
