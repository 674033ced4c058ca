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


SERVICES: dict[str, ServiceEntry] = {
    entry.name: entry
    for entry in (
        ServiceEntry(
            "bank-ingest",
            "bank_ingest",
            bank_ingest.create_app,
            bank_ingest.BankIngestSettings,
        ),
        ServiceEntry("matcher", "matcher", matcher.create_app, matcher.MatcherSettings),
        ServiceEntry(
            "reconciliation",
            "reconciliation",
            reconciliation.create_app,
            reconciliation.ReconciliationSettings,
        ),
        ServiceEntry("notifier", "notifier", notifier.create_app, notifier.NotifierSettings),
        ServiceEntry("portal", "portal", portal.create_app, portal.PortalSettings),
    )
}


def env_prefix(entry: ServiceEntry) -> str:
    return entry.settings.model_config["env_prefix"]
