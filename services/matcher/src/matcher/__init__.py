"""matcher: proposes the contra account of every bank movement and hands vouchers to the ERP."""

from .main import SPEC, create_app
from .settings import MatcherSettings

__all__ = ["SPEC", "MatcherSettings", "create_app"]
