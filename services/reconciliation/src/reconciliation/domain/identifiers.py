"""Checks and normal forms of what identifies a counterparty: tax number, IBAN, e-mail, CariTip.

Each function returns the normal form or raises ``ValueError`` with the reason a person can act
on; the reason becomes the ``reason`` of a row error."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.tr import tckimlik, vkn

from shared.text import fold

Kind = Literal["customer", "supplier"]

_KINDS: dict[str, Kind] = {
    "customer": "customer",
    "musteri": "customer",
    "supplier": "supplier",
    "satici": "supplier",
}


def kind(value: str) -> Kind:
    """The template's CariTip, in English or Turkish (``Musteri``/``Müşteri``, ``Satici``/``Satıcı``)."""
    found = _KINDS.get(fold(value))
    if found is None:
        raise ValueError("must be customer or supplier (Musteri or Satici)")
    return found


def tax_id(value: str) -> str:
    """A VKN (10 digits) or TCKN (11 digits) whose check digits hold; spaces are ignored."""
    digits = "".join(value.split())
    if not digits:
        return ""
    if not digits.isdigit():
        raise ValueError("must be digits only: a VKN (10 digits) or TCKN (11 digits)")
    if len(digits) not in (10, 11):
        raise ValueError(f"has {len(digits)} digits; a VKN has 10, a TCKN 11")
    name, check = ("VKN", vkn) if len(digits) == 10 else ("TCKN", tckimlik)
    try:
        check.validate(digits)
    except InvalidChecksum:
        raise ValueError(f"is not a valid {name}: a check digit is wrong") from None
    except ValidationError as exc:
        raise ValueError(f"is not a valid {name}: {exc}") from None
    return digits


def iban(value: str) -> str:
    """The IBAN without spaces, upper case, once its country format and check digits hold."""
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValueError(f"is not a valid IBAN: {exc}") from None


@lru_cache(maxsize=4096)  # the same few addresses recur (MutabakatSorumluEmail), and it is slow
def email(value: str) -> str:
    """The address in its normal form (domain lower case); syntax only, no DNS lookup."""
    value = value.strip()
    if not value:
        return ""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid e-mail address: {exc}") from None
