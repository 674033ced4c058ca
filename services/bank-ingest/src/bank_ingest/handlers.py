"""What bank-ingest does, one plain function per command."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from shared.errors import Conflict, ValidationFailed
from shared.events import BankAccountRegistered

from .adapters.orm import BankAccount
from .adapters.repository import BankIngestUnitOfWork


@dataclass(frozen=True)
class RegisterBankAccount:
    iban: str
    currency: str
    name: str
    bank_name: str = ""
    ledger_code: str = ""


def normalise_iban(raw: str) -> str:
    try:
        return IBAN(raw).compact
    except SchwiftyException as exc:
        raise ValidationFailed(
            f"Invalid IBAN {raw!r}: {exc}", [{"location": "body.iban", "message": str(exc)}]
        ) from exc


async def register_bank_account(
    command: RegisterBankAccount, *, tenant_id: uuid.UUID, uow: BankIngestUnitOfWork
) -> BankAccount:
    iban = normalise_iban(command.iban)
    if await uow.accounts.by_iban(tenant_id, iban):
        raise Conflict(f"Bank account {iban} is already registered.", iban=iban)
    account = BankAccount(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        iban=iban,
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
            currency=account.currency,
            name=account.name,
            bank_name=account.bank_name,
            ledger_code=account.ledger_code,
        ),
        tenant=tenant_id,
    )
    return account
