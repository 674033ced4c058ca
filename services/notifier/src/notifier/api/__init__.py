"""notifier over HTTP — thin: parse the request, call the service code, shape the answer."""

from .smtp_settings import router as smtp_settings_router

ROUTERS = (smtp_settings_router,)

__all__ = ["ROUTERS"]
