"""The five services, by name, with their app factories and settings classes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI

import bank_ingest
import matcher
import notifier
import portal
import reconciliation
from shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    module: str
    create_app: Callable[..., FastAPI]
    settings: type[ServiceSettings]
    port: int


SERVICES: dict[str, ServiceEntry] = {
    entry.name: entry
    for entry in (
        ServiceEntry(
            "bank-ingest",
            "bank_ingest",
            bank_ingest.create_app,
            bank_ingest.BankIngestSettings,
            8101,
        ),
        ServiceEntry("matcher", "matcher", matcher.create_app, matcher.MatcherSettings, 8102),
        ServiceEntry(
            "reconciliation",
            "reconciliation",
            reconciliation.create_app,
            reconciliation.ReconciliationSettings,
            8103,
        ),
        ServiceEntry("notifier", "notifier", notifier.create_app, notifier.NotifierSettings, 8104),
        ServiceEntry("portal", "portal", portal.create_app, portal.PortalSettings, 8105),
    )
}


def env_prefix(entry: ServiceEntry) -> str:
    return entry.settings.model_config["env_prefix"]
