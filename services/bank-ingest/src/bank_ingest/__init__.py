"""bank-ingest: bank statements in, checked, once.

The service's names are imported on first use: the parser process server (``parse_worker``)
imports ``bank_ingest.domain`` in a fresh interpreter, and must not wait for the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .main import SPEC, create_app
    from .settings import BankIngestSettings

__all__ = ["SPEC", "BankIngestSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name in ("SPEC", "create_app"):
        from . import main

        return getattr(main, name)
    if name == "BankIngestSettings":
        from .settings import BankIngestSettings

        return BankIngestSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
