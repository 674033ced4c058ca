"""reconciliation over HTTP — thin: parse the request, call the service code, shape the answer."""

from .counterparties import router as counterparties_router
from .identity import router as identity_router

ROUTERS = (identity_router, counterparties_router)

__all__ = ["ROUTERS"]
