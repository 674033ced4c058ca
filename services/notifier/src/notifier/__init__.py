"""notifier: e-mails out, every attempt accounted for."""

from .main import SPEC, create_app
from .settings import NotifierSettings

__all__ = ["SPEC", "NotifierSettings", "create_app"]
