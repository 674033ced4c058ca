"""notifier over HTTP — thin: parse the request, call the service code, shape the answer."""

from .letter_emails import router as letter_emails_router
from .letter_templates import router as letter_templates_router
from .smtp_settings import router as smtp_settings_router

ROUTERS = (smtp_settings_router, letter_templates_router, letter_emails_router)

__all__ = ["ROUTERS"]
