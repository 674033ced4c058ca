"""What reconciliation's counterparty API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from .domain import identifiers

Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(identifiers.email)]
Iban = Annotated[str, StringConstraints(max_length=50), AfterValidator(identifiers.iban)]
Alias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]


class ContactIn(BaseModel):
    """An authorised person (yetkili) of the counterparty."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: Email = ""
    phone: str = Field("", max_length=50)
    reconciliation_contact: bool = Field(
        False,
        description="e-Mutabakat yetkilisi: letters go to this person too when a round sends "
        "to contacts (Yetkililere e-Posta Gönderilsin)",
    )


class CounterpartyIn(BaseModel):
    """One counterparty as the ERP sends it: a row of the template's Cari Kayıtlar (the template's
    column name is given in each field's description). Numbers are taken as text (``34000``),
    ``null`` as absent."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        json_schema_extra={
            "examples": [
                {
                    "code": "120.01.005",
                    "kind": "customer",
                    "title": "Öztürk İnşaat San. ve Tic. Ltd. Şti.",
                    "email": "muhasebe@ozturkinsaat.com.tr",
                    "phone": "0212 555 12 34",
                    "tax_office": "Kozyatağı",
                    "tax_id": "4540536920",
                    "address": "Atatürk Cad. No: 12",
                    "city": "İstanbul",
                    "postal_code": "34000",
                    "reconciliation_email": "ayse@firmamiz.com.tr",
                    "kep_email": "ozturkinsaat@hs01.kep.tr",
                    "active": True,
                    "ibans": ["TR33 0006 1005 1978 6457 8413 26"],
                    "aliases": ["Öztürk Yapı"],
                    "contacts": [
                        {
                            "name": "Mehmet Öztürk",
                            "email": "mehmet@ozturkinsaat.com.tr",
                            "reconciliation_contact": True,
                        }
                    ],
                }
            ]
        },
    )

    code: str = Field(min_length=1, max_length=50, description="HesapKod, unique per tenant")
    kind: str = Field(
        "customer",
        description="CariTip: `customer` or `supplier` (also a supplier); "
        "`Musteri`/`Satici` are taken too",
        json_schema_extra={"enum": ["customer", "supplier", "Musteri", "Satici"]},
    )
    title: str = Field(min_length=1, max_length=250, description="Unvan")
    email: Email = Field("", description="Email")
    phone: str = Field("", max_length=50, description="Telefon")
    tax_office: str = Field("", max_length=100, description="VergiDaire")
    tax_id: str = Field(
        "", max_length=20, description="VergiNo: VKN (10 digits) or TCKN (11), check digits held"
    )
    address: str = Field("", max_length=1000, description="Adres")
    city: str = Field("", max_length=100, description="Sehir")
    postal_code: str = Field("", max_length=20, description="PostaKod")
    reconciliation_email: Email = Field(
        "",
        description="MutabakatSorumluEmail: our own employee who reconciles with this counterparty",
    )
    kep_email: Email = Field("", description="KepEmail: registered e-mail (KEP)")
    active: bool = Field(True, description="Aktif (1/0 taken too); false deactivates")
    ibans: list[Iban] = Field(
        [], max_length=50, description="Valid IBANs; stored without spaces, upper case"
    )
    aliases: list[Alias] = Field(
        [], max_length=50, description="Other names it is known by (brand, old title)"
    )
    contacts: list[ContactIn] = Field(
        [], max_length=100, description="Authorised persons (yetkililer); not in the template"
    )
    language: Literal["tr", "en"] = Field(
        "tr", description="The language of its reconciliation letters; not in the template"
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return identifiers.kind(value)

    @field_validator("tax_id")
    @classmethod
    def _tax_id(cls, value: str) -> str:
        return identifiers.tax_id(value)

    @field_validator("ibans", "aliases")
    @classmethod
    def _once_each(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))


class CounterpartyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: Literal["customer", "supplier"]
    title: str
    email: str
    phone: str
    tax_office: str
    tax_id: str
    address: str
    city: str
    postal_code: str
    reconciliation_email: str
    kep_email: str
    active: bool
    ibans: list[str]
    aliases: list[str]
    contacts: list[ContactIn]
    language: Literal["tr", "en"]
    created_at: datetime
    updated_at: datetime


class UpsertSummary(BaseModel):
    created: int = Field(description="Codes not stored before")
    updated: int = Field(description="Stored codes whose data changed (each announced by event)")
    unchanged: int = Field(description="Stored codes sent again with the same data")
