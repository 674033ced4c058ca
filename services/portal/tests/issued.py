"""Letters as reconciliation issues them (``IssuedLetter``), for the tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.events import (
    BalanceRecord,
    DocumentRecord,
    FirmRecord,
    FormTotalRecord,
    IssuedLetter,
    LetterRecord,
)

ROUND = uuid.UUID("00000000-0000-4000-8000-00000000b001")
SENDER = FirmRecord(
    name="Deniz Makina San. ve Tic. A.Ş.", tax_office="Ümraniye", tax_id="4560012345"
)


def later(days: int = 30) -> date:
    return date.today() + timedelta(days=days)


def movements(count: int, currency: str = "TRY") -> list[DocumentRecord]:
    return [
        DocumentRecord(
            date=date(2025, 1, 1) + timedelta(days=n % 360),
            document_no=f"FTR-{n + 1:05d}",
            description=f"Satış faturası {n + 1}",
            currency=currency,
            debit=Decimal("100.00") if n % 2 == 0 else None,
            credit=None if n % 2 == 0 else Decimal("40.50"),
        )
        for n in range(count)
    ]


def balance_letter(*, documents: int = 3, language: str = "tr", **changes: Any) -> IssuedLetter:
    fields: dict[str, Any] = {
        "letter_id": uuid.uuid4(),
        "round_id": ROUND,
        "language": language,
        "subject": "31.12.2025 tarihli cari hesap mutabakatı",
        "sender": SENDER,
        "counterparty_code": "120.01.005",
        "counterparty_title": "Öztürk İnşaat Ltd. Şti.",
        "counterparty_tax_id": "4540536920",
        "kind": "balance",
        "valid_until": later(),
        "as_of": date(2025, 12, 31),
        "balances": [
            BalanceRecord(currency="TRY", amount=Decimal("1234.56"), side="debit"),
            BalanceRecord(
                currency="EUR", amount=Decimal("2500"), side="credit", amount_try=Decimal("90000")
            ),
        ],
    }
    fields.update(changes)
    return IssuedLetter(letter=LetterRecord(**fields), documents=movements(documents))


def babs_letter(**changes: Any) -> IssuedLetter:
    fields: dict[str, Any] = {
        "letter_id": uuid.uuid4(),
        "round_id": ROUND,
        "subject": "Ocak 2025 BA/BS mutabakatı",
        "sender": SENDER,
        "counterparty_code": "320.01.001",
        "counterparty_title": "Şahin Ğıda İthalat A.Ş.",
        "counterparty_tax_id": "1234567890",
        "kind": "babs",
        "valid_until": later(),
        "period": date(2025, 1, 1),
        "ba": FormTotalRecord(count=2, total=Decimal("18000")),
        "bs": None,
    }
    fields.update(changes)
    documents = [
        DocumentRecord(date=date(2025, 1, 10), document_no="GIB2025000000001",
                       description="Alış faturası", form="BA", net=Decimal("6000")),
        DocumentRecord(date=date(2025, 1, 20), document_no="GIB2025000000002",
                       description="Alış faturası", form="BA", net=Decimal("12000")),
    ]  # fmt: skip
    return IssuedLetter(letter=LetterRecord(**fields), documents=documents)
