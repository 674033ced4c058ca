"""What matcher does with the events it receives."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.errors import PermanentEventError
from shared.events import BankAccountRegistered, CounterpartiesChanged, Envelope, MovementsRecorded

from .adapters.orm import Counterparty, OwnBankAccount
from .adapters.repository import MatcherUnitOfWork
from .worklist import take_in


def _tenant(envelope: Envelope):
    if envelope.tenant is None:
        raise PermanentEventError(f"{envelope.type} without a tenant")
    return envelope.tenant


async def on_bank_account_registered(
    event: BankAccountRegistered, *, envelope: Envelope, uow: MatcherUnitOfWork
) -> None:
    tenant = _tenant(envelope)
    account = await uow.own_accounts.get(event.account_id)
    if account is None:
        account = OwnBankAccount(
            account_id=event.account_id, tenant_id=tenant, registered_at=envelope.occurred_at
        )
        uow.own_accounts.add(account)
    account.iban, account.currency, account.name = event.iban or "", event.currency, event.name
    account.bank_name, account.ledger_code = event.bank_name, event.ledger_code
    await uow.settings.bump(tenant, directory=True)


async def on_counterparties_changed(
    event: CounterpartiesChanged, *, envelope: Envelope, uow: MatcherUnitOfWork
) -> None:
    """Each record is the counterparty's whole state: replace ours."""
    tenant = _tenant(envelope)
    known = await uow.directory.counterparties(tenant, [c.code for c in event.counterparties])
    now = datetime.now(UTC)
    for record in event.counterparties:
        row = known.get(record.code)
        if row is None:
            row = Counterparty(tenant_id=tenant, code=record.code)
            uow.directory.add(row)
        row.kind, row.title, row.tax_id = record.kind, record.title, record.tax_id
        row.ibans = [i.replace(" ", "").upper() for i in record.ibans]
        row.aliases, row.emails, row.active = (
            list(record.aliases),
            list(record.emails),
            record.active,
        )
        row.updated_at = now
    await uow.settings.bump(tenant, directory=True)


async def on_movements_recorded(
    event: MovementsRecorded, *, envelope: Envelope, uow: MatcherUnitOfWork
) -> None:
    await take_in(uow, _tenant(envelope), event)
