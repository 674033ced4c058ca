"""portal: the counterparty's page behind an unguessable link."""

from .main import SPEC, create_app
from .settings import PortalSettings

__all__ = ["SPEC", "PortalSettings", "create_app"]
