"""Events published by reconciliation about the ERP's books."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .envelope import Event
from .registry import register


class ContactRecord(BaseModel):
    """An authorised person (yetkili) of a counterparty."""

    model_config = ConfigDict(frozen=True)
    name: str
    email: str = ""
    phone: str = ""
    reconciliation_contact: bool = False
    """The "e-Mutabakat yetkilisi" flag: letters go to this person too when a round asks."""


class CounterpartyRecord(BaseModel):
    """One counterparty (cari hesap) as the ERP keeps it."""

    model_config = ConfigDict(frozen=True)
    code: str
    """The ERP's account code, e.g. ``120.01.005``; unique per tenant."""
    title: str
    kind: Literal["customer", "supplier"] = "customer"
    """The template's CariTip: Musteri (customer only) or Satici (also a supplier)."""
    tax_id: str = ""
    """VKN (10 digits) or TCKN (11 digits), digits only; empty when unknown."""
    ibans: list[str] = []
    emails: list[str] = []
    """The counterparty's own addresses: Email, then KepEmail."""
    aliases: list[str] = []
    """Other names the counterparty is known by (brand, old title)."""
    active: bool = True
    email: str = ""
    """Email: where reconciliation letters go."""
    kep_email: str = ""
    """KepEmail: registered e-mail (KEP)."""
    phone: str = ""
    tax_office: str = ""
    address: str = ""
    city: str = ""
    postal_code: str = ""
    contacts: list[ContactRecord] = []


@register
class CounterpartiesChanged(Event):
    """Counterparties created or changed by one import, in batches (up to ~1000 per event). Each
    record is the counterparty's whole current state, so replaying an old event after a newer one
    is harmless only when consumers keep the order — they do: one queue, one message at a time."""

    type = "reconciliation.counterparties.changed"
    counterparties: list[CounterpartyRecord]


@register
class CounterpartiesDeactivated(Event):
    """Counterparties an import turned from active to passive (Aktif 0). They are also in the
    same import's :class:`CounterpartiesChanged` with ``active: false``; this event is for
    consumers that only need to stop working with them (pending letters, proposals)."""

    type = "reconciliation.counterparties.deactivated"
    codes: list[str]
