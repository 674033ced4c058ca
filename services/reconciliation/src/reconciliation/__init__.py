"""reconciliation: the ERP's books, balances, BA/BS and e-Mutabakat rounds; owner of tenants,
users and API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .main import SPEC, create_app
    from .settings import ReconciliationSettings

__all__ = ["SPEC", "ReconciliationSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so that the import worker (a child process) loads the readers, not the web app.
    if name in ("SPEC", "create_app"):
        from . import main

        return getattr(main, name)
    if name == "ReconciliationSettings":
        from .settings import ReconciliationSettings

        return ReconciliationSettings
    raise AttributeError(name)
