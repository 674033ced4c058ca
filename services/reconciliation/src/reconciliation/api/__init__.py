"""reconciliation over HTTP — thin: parse the request, call the service code, shape the answer."""

from .books import router as books_router
from .counterparties import router as counterparties_router
from .identity import router as identity_router
from .imports import router as imports_router
from .rounds import router as rounds_router

ROUTERS = (identity_router, counterparties_router, imports_router, books_router, rounds_router)

__all__ = ["ROUTERS"]
