"""Valid Turkish identifiers: VKN, TCKN (python-stdnum's check digits) and TR IBANs (mod 97)."""

from __future__ import annotations

import random

from stdnum.tr import tckimlik, vkn

BANK_CODES = ("00010", "00012", "00015", "00032", "00046", "00059", "00062", "00064", "00067",
              "00111", "00134", "00205", "00206", "00203", "00099", "00123", "00209", "00210")  # fmt: skip


def new_vkn(rng: random.Random) -> str:
    body = f"{rng.randrange(10**9):09d}"
    return body + vkn.calc_check_digit(body)


def new_tckn(rng: random.Random) -> str:
    body = f"{rng.randrange(1, 10)}{rng.randrange(10**8):08d}"
    return body + tckimlik.calc_check_digits(body)


def is_valid_tax_id(number: str) -> bool:
    return vkn.is_valid(number) if len(number) == 10 else tckimlik.is_valid(number)


def iban(bank_code: str, account: str) -> str:
    """A TR IBAN: ``TR`` + check digits + 5-digit bank code + reserve ``0`` + 16-digit account."""
    bban = f"{bank_code}0{account:0>16}"
    digits = "".join(str(int(c, 36)) for c in bban + "TR00")
    return f"TR{98 - int(digits) % 97:02d}{bban}"


def new_iban(rng: random.Random, bank_code: str | None = None) -> str:
    return iban(bank_code or rng.choice(BANK_CODES), f"{rng.randrange(10**16):016d}")


def grouped(iban_text: str) -> str:
    """``TR12 0006 2000 …`` as printed on paper and in some bank texts."""
    return " ".join(iban_text[i : i + 4] for i in range(0, len(iban_text), 4))


class Unique:
    """Draws from ``make`` until the value was not handed out before."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, make, rng: random.Random, *args) -> str:
        while True:
            value = make(rng, *args)
            if value not in self.seen:
                self.seen.add(value)
                return value
