"""The three data sets of the ERP import (jetMutabakat's templates): their columns in the
template's exact names and order, the English field each one fills, and whether it is required.

The template's column names are the user's words and stay Turkish; everything behind them is
English. An .xlsx import must carry exactly these headers in this order; JSON may use either the
template's names or the English field names as keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dataset(StrEnum):
    COUNTERPARTIES = "counterparties"
    """Cari Kayıtlar: the counterparty cards."""
    MOVEMENTS = "movements"
    """Hesap Hareketleri: every account movement of the period, for balances."""
    BABS = "babs"
    """BA/BS Hareketleri: the documents behind Form Ba (purchases) and Form Bs (sales)."""


@dataclass(frozen=True)
class Column:
    header: str
    """The template's column name, e.g. ``HesapKod``."""
    field: str
    """The English field it fills, e.g. ``code``."""
    required: bool
    example: object
    """The value of the template's example row."""
    help: str = ""


COUNTERPARTY_COLUMNS: tuple[Column, ...] = (
    Column("HesapKod", "code", True, "120.01.005", "the counterparty's unique account code"),
    Column("CariTip", "kind", False, "Musteri", "Musteri (customer only) or Satici (also supplier)"),
    Column("Unvan", "title", True, "Öztürk İnşaat San. ve Tic. Ltd. Şti."),
    Column("Email", "email", False, "muhasebe@ozturkinsaat.com.tr"),
    Column("Telefon", "phone", False, "0212 555 12 34"),
    Column("VergiDaire", "tax_office", False, "Kozyatağı"),
    Column("VergiNo", "tax_id", False, "4540536920", "VKN (10 digits) or TCKN (11 digits)"),
    Column("Adres", "address", False, "Atatürk Cad. No: 12"),
    Column("Sehir", "city", False, "İstanbul"),
    Column("PostaKod", "postal_code", False, "34000"),
    Column("MutabakatSorumluEmail", "reconciliation_email", False, "ayse@firmamiz.com.tr",
           "our own employee who reconciles with this counterparty"),
    Column("KepEmail", "kep_email", False, "ozturkinsaat@hs01.kep.tr"),
    Column("Aktif", "active", False, 1, "1 active, 0 passive"),
)  # fmt: skip

MOVEMENT_COLUMNS: tuple[Column, ...] = (
    Column("HesapKod", "code", True, "120.01.005"),
    Column("CariTip", "kind", False, "Musteri"),
    Column("BakiyeTarih", "balance_date", False, "15.01.2025",
           "dd.mm.yyyy; the date the balance counts it on (BelgeTarih when empty)"),
    Column("BelgeTarih", "document_date", True, "15.01.2025", "dd.mm.yyyy"),
    Column("KayitTarih", "record_date", False, "15.01.2025", "dd.mm.yyyy; BelgeTarih when empty"),
    Column("GirisTarih", "entry_date", False, "16.01.2025", "dd.mm.yyyy"),
    Column("EvrakNo", "document_no", False, "GIB2025000000123"),
    Column("Aciklama", "description", False, "Ocak satış faturası"),
    Column("Tutar", "amount", True, 1234.56, "in ParaBirimi; + debit (borç), - credit (alacak)"),
    Column("YerelTutar", "local_amount", False, 1234.56, "in TRY; = Tutar when ParaBirimi is TRY"),
    Column("ParaBirimi", "currency", True, "TRY", "ISO 4217: TRY, USD, EUR, GBP, CHF ..."),
    Column("Odk", "odk", False, "Genel", "Özel Defter-i Kebir kalemi; Genel when none"),
    Column("SistemEvrakNo", "system_document_no", True, "57000023461"),
    Column("TersKayit", "reverses", False, "0",
           "SistemEvrakNo of the document this one reverses; 0 when none"),
    Column("HareketTipi", "movement_type", True, 14,
           "12 opening by document date, 13 opening by record date, 14 normal"),
    Column("KontrolKey", "control_key", True, "12001005202557000023461", "unique per movement"),
)  # fmt: skip

BABS_COLUMNS: tuple[Column, ...] = (
    Column("HesapKod", "code", True, "120.01.005"),
    Column("CariTip", "kind", False, "Musteri"),
    Column("CariDönem", "period", True, "2025-01-Ocak", "yyyy-mm-Month in Turkish"),
    Column("BelgeTarih", "document_date", True, "15.01.2025", "dd.mm.yyyy"),
    Column("KayitTarih", "record_date", False, "15.01.2025", "dd.mm.yyyy; BelgeTarih when empty"),
    Column("GirisTarih", "entry_date", False, "16.01.2025", "dd.mm.yyyy"),
    Column("MatbuuEvrakNo", "document_no", False, "GIB2025000000123"),
    Column("Matrah", "base_amount", True, 1046.24, "total excluding VAT"),
    Column("SistemEvrakNo", "system_document_no", True, "57000023461"),
    Column("TersKayit", "reverses", False, "0",
           "SistemEvrakNo of the document this one reverses; 0 when none"),
    Column("Tip", "form", True, "BS", "BA (purchase) or BS (sale)"),
    Column("KontrolKey", "control_key", True, "20250115120010050GIB2025000000123", "unique"),
)  # fmt: skip

COLUMNS: dict[Dataset, tuple[Column, ...]] = {
    Dataset.COUNTERPARTIES: COUNTERPARTY_COLUMNS,
    Dataset.MOVEMENTS: MOVEMENT_COLUMNS,
    Dataset.BABS: BABS_COLUMNS,
}

MOVEMENT_FIELDS: tuple[str, ...] = (
    "control_key",
    "code",
    "kind",
    "balance_date",
    "document_date",
    "record_date",
    "entry_date",
    "document_no",
    "description",
    "amount",
    "local_amount",
    "currency",
    "odk",
    "system_document_no",
    "reverses",
    "movement_type",
)
"""A checked movement row is a tuple of these, in this order (see ``domain/rows.py``):
``kind`` ``customer``/``supplier`` or None; dates ``datetime.date`` (``entry_date`` may be None);
amounts ``Decimal``; ``currency`` upper-case ISO 4217; ``odk`` text (``Genel`` when empty);
``reverses`` None when TersKayit is empty or 0; ``movement_type`` int 12/13/14; text fields ``str``
(empty string when absent)."""

BABS_FIELDS: tuple[str, ...] = (
    "control_key",
    "code",
    "kind",
    "period",
    "document_date",
    "record_date",
    "entry_date",
    "document_no",
    "base_amount",
    "system_document_no",
    "reverses",
    "form",
)
"""A checked BA/BS row: ``period`` is the first day of the month (``datetime.date``); ``form``
``BA`` or ``BS``; the rest as in :data:`MOVEMENT_FIELDS`."""

OPENING_TYPES = frozenset({12, 13})
"""HareketTipi of opening entries (devir / açılış fişi): 12 dated by BelgeTarih, 13 by KayitTarih."""
NORMAL_TYPE = 14
