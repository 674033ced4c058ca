"""What matcher does with the events it receives."""

from __future__ import annotations

from shared.errors import PermanentEventError
from shared.events import BankAccountRegistered, Envelope

from .adapters.orm import OwnBankAccount
from .adapters.repository import MatcherUnitOfWork


async def on_bank_account_registered(
    event: BankAccountRegistered, *, envelope: Envelope, uow: MatcherUnitOfWork
) -> None:
    if envelope.tenant is None:
        raise PermanentEventError("bank account event without a tenant")
    account = await uow.own_accounts.get(event.account_id)
    if account is None:
        account = OwnBankAccount(
            account_id=event.account_id,
            tenant_id=envelope.tenant,
            registered_at=envelope.occurred_at,
        )
        uow.own_accounts.add(account)
    account.iban, account.currency, account.name = event.iban or "", event.currency, event.name
    account.bank_name, account.ledger_code = event.bank_name, event.ledger_code
