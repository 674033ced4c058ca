"""A large, realistic MT940 file: daily statements of a Turkish bank account."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from schwifty import IBAN

OWN_IBAN = str(IBAN.generate("TR", bank_code="00062", account_code="0000000000006299"))
NAMES = ["ÖZTÜRK İNŞAAT TAAHHÜT SAN. TİC. LTD. ŞTİ.", "AYŞE YILMAZ", "ÇAĞDAŞ GIDA A.Ş.",
         "GÜNEŞ LOJİSTİK TİC. LTD. ŞTİ.", "MEHMET ŞAHİN"]  # fmt: skip


def counterparty_iban(n: int) -> str:
    return str(IBAN.generate("TR", bank_code="00046", account_code=f"{n % 997:016d}"))


def generate(movements: int, *, per_statement: int = 400) -> str:
    """``movements`` movements in daily statements of ``per_statement`` each, balances right."""
    ibans = [counterparty_iban(n) for n in range(997)]
    lines: list[str] = []
    balance = Decimal("100000.00")
    day = date(2024, 1, 1)
    written = 0
    number = 0
    while written < movements:
        number += 1
        count = min(per_statement, movements - written)
        lines += [f":20:GAR{number:08d}", f":25:{OWN_IBAN}", f":28C:{number}/1",
                  f":60F:{_balance(balance, day - timedelta(days=1))}"]  # fmt: skip
        for i in range(count):
            n = written + i
            amount = Decimal(1000 + n % 9000) + Decimal(n % 100) / 100
            credit = n % 3 != 0
            balance += amount if credit else -amount
            stamp = day.strftime("%y%m%d")
            lines.append(
                f":61:{stamp}{stamp[2:]}{'C' if credit else 'D'}{_amount(amount)}NTRFNONREF//B{n:09d}"
            )
            kind = "GELEN EFT" if credit else "GİDEN HAVALE"
            text = (
                f"{kind} {NAMES[n % 5]} {ibans[n % 997]} FATURA NO {2024000000 + n} ACIKLAMA ODEME"
            )
            lines.append(f":86:{text[:65]}")
            lines.extend(text[i : i + 65] for i in range(65, len(text), 65))
        lines.append(f":62F:{_balance(balance, day)}")
        written += count
        day += timedelta(days=1)
    return "\r\n".join(lines) + "\r\n"


def _amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _balance(amount: Decimal, day: date) -> str:
    sign = "C" if amount >= 0 else "D"
    return f"{sign}{day.strftime('%y%m%d')}TRY{_amount(abs(amount))}"
