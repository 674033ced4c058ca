"""Letters' e-mails as reconciliation queues them (``QueuedEmail``), for the tests."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from shared.events import (
    BalanceRecord,
    FirmRecord,
    FormTotalRecord,
    LetterRecord,
    QueuedEmail,
    Recipient,
)

ROUND = uuid.UUID("00000000-0000-4000-8000-00000000a001")


def balance_record(language: str = "tr", **changes: Any) -> LetterRecord:
    fields: dict[str, Any] = {
        "letter_id": uuid.uuid4(),
        "round_id": ROUND,
        "language": language,
        "subject": "2025 yıl sonu cari hesap mutabakatı",
        "sender": FirmRecord(
            name="Deniz Makina San. A.Ş.", tax_office="Ümraniye", tax_id="4560012345"
        ),
        "counterparty_code": "120.01.005",
        "counterparty_title": "Çağlar İnşaat Ltd. Şti.",
        "counterparty_tax_id": "7770001112",
        "kind": "balance",
        "valid_until": date(2026, 1, 31),
        "as_of": date(2025, 12, 31),
        "balances": [
            BalanceRecord(currency="TRY", amount=Decimal("1234.56"), side="debit"),
            BalanceRecord(
                currency="USD",
                amount=Decimal("2500"),
                side="credit",
                amount_try=Decimal("107512.5"),
            ),
        ],
    }
    return LetterRecord(**{**fields, **changes})


def babs_record(language: str = "tr", **changes: Any) -> LetterRecord:
    fields: dict[str, Any] = {
        "subject": "",
        "kind": "babs",
        "as_of": None,
        "balances": [],
        "period": date(2025, 1, 1),
        "bs": FormTotalRecord(count=4, total=Decimal("56780.9")),
        "valid_until": date(2025, 2, 20),
    }
    return balance_record(language, **{**fields, **changes})


def email(
    *addresses: str,
    letter: LetterRecord | None = None,
    send_no: int = 1,
    purpose: str = "letter",
) -> QueuedEmail:
    """An e-mail of ``letter`` (a new balance letter if none) to ``addresses``."""
    return QueuedEmail(
        letter=letter or balance_record(),
        send_no=send_no,
        purpose=purpose,  # type: ignore[arg-type]
        recipients=[
            Recipient(address=address, role="counterparty" if n == 0 else "contact")
            for n, address in enumerate(addresses or ("muhasebe@caglarinsaat.com.tr",))
        ],
    )
