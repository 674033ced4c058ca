"""bank-ingest over HTTP — thin: parse the request, call the service code, shape the answer."""

from .accounts import router as accounts_router
from .connections import router as connections_router
from .movements import router as movements_router
from .statements import router as statements_router

ROUTERS = (accounts_router, statements_router, movements_router, connections_router)

__all__ = ["ROUTERS"]
