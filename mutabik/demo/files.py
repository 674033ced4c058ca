"""The demo's data files (``data/``): JSON read as is, statement files with their dates filled in."""

from __future__ import annotations

import json
from importlib import resources
from string import Template
from typing import Any

from .dates import DemoDates

STATEMENTS = ("garanti.sta", "akbank.sta", "isbank_eur.xml")
"""Garanti BBVA and Akbank (TRY, MT940), Türkiye İş Bankası (EUR, CAMT.053)."""


def _data(name: str) -> str:
    return (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")


def read_json(name: str) -> Any:
    return json.loads(_data(name))


def statement(name: str, dates: DemoDates) -> bytes:
    """A statement file with its ``${d1}``-style placeholders replaced by the demo's days."""
    return Template(_data(name)).substitute(dates.statement_fields()).encode("utf-8")
