"""Bank accounts: registered by an operator, or found in a statement."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from shared.errors import Conflict, ValidationFailed
from shared.events import BankAccountRegistered

from .adapters.orm import BankAccount
from .adapters.repository import BankIngestUnitOfWork

_IBAN_LIKE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")


@dataclass(frozen=True)
class RegisterBankAccount:
    iban: str | None
    currency: str
    name: str
    bank_name: str = ""
    ledger_code: str = ""
    account_number: str | None = None


def normalise_iban(raw: str) -> str:
    try:
        return IBAN(raw).compact
    except SchwiftyException as exc:
        raise ValidationFailed(
            f"Invalid IBAN {raw!r}: {exc}", [{"location": "body.iban", "message": str(exc)}]
        ) from exc


def split_account(raw: str) -> tuple[str | None, str | None]:
    """(IBAN, local number) of a statement's account field.

    Banks write ``TR33…``, ``TR33 0006 …``, ``BIC/IBAN``, ``IBAN EUR`` or a local
    ``0067-00763/93984487``; an IBAN is used when one validates, the text otherwise."""
    compact = re.sub(r"\s+", "", raw.upper())
    for candidate in _IBAN_LIKE.findall(compact):
        for end in (len(candidate), len(candidate) - 3):  # a currency glued to the end
            try:
                return IBAN(candidate[:end]).compact, None
            except SchwiftyException:
                continue
    return None, re.sub(r"\s+", " ", raw.strip()) or None


async def register(
    command: RegisterBankAccount, *, tenant_id: uuid.UUID, uow: BankIngestUnitOfWork
) -> BankAccount:
    iban = normalise_iban(command.iban) if command.iban else None
    number = command.account_number.strip() if command.account_number else None
    if not iban and not number:
        raise ValidationFailed(
            "An account needs an IBAN or an account number.",
            [{"location": "body.iban", "message": "iban or account_number is required"}],
        )
    if await uow.accounts.by_identifier(tenant_id, iban=iban, number=number):
        raise Conflict(f"Bank account {iban or number} is already registered.", iban=iban)
    account = BankAccount(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        iban=iban,
        account_number=number,
        currency=command.currency.upper(),
        name=command.name,
        bank_name=command.bank_name,
        ledger_code=command.ledger_code,
        created_at=datetime.now(UTC),
    )
    uow.accounts.add(account)
    await uow.emit(
        BankAccountRegistered(
            account_id=account.id,
            iban=iban,
            account_number=number or "",
            currency=account.currency,
            name=account.name,
            bank_name=account.bank_name,
            ledger_code=account.ledger_code,
        ),
        tenant=tenant_id,
    )
    return account


async def for_statement(
    raw_account: str, currency: str, *, tenant_id: uuid.UUID, uow: BankIngestUnitOfWork
) -> BankAccount:
    """The account a statement belongs to; one seen for the first time is registered."""
    iban, number = split_account(raw_account)
    account = await uow.accounts.by_identifier(tenant_id, iban=iban, number=number)
    if account is not None:
        return account
    if not iban and not number:
        raise ValidationFailed("The statement names no account.")
    bank_name = ""
    if iban:
        try:
            bank_name = IBAN(iban).bank_name or ""
        except (SchwiftyException, AttributeError):
            bank_name = ""
    return await register(
        RegisterBankAccount(
            iban=iban,
            account_number=number,
            currency=currency or "TRY",
            name=f"{currency} {iban or number}".strip(),
            bank_name=bank_name,
        ),
        tenant_id=tenant_id,
        uow=uow,
    )
