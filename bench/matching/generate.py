"""A labelled evaluation set for the matcher: a tenant's directory, rules and bank movements, each
movement with its true contra account (or none).

    .venv/bin/python bench/matching/generate.py                 # writes bench/matching/evalset.json
    .venv/bin/python bench/matching/generate.py --seed 7 --counterparties 500 --movements 800 \\
        --output /tmp/small.json

Written from how Turkish firms, ERPs and banks behave, not from how the matcher works. The
directory holds ~2,000 counterparties (companies with their legal forms spelt every way, persons
with TCKN, sole proprietorships) with deliberate near-duplicates: firms sharing a surname, the same
firm in two cities, a limited and a joint-stock company of one name, a firm that is customer (120)
and supplier (320) at once, two people of one name. Movements come in the styles of Garanti, Yapı
Kredi, İş Bankası, Akbank and VakıfBank: abbreviated, ASCII-flattened, cut at the bank's field
width, with typos; from known IBANs, new IBANs and none; virman between our own accounts; fees,
tax and SGK payments, POS collections reached through the operator's rules (emitted too); and
senders the directory does not know, whose true contra is none.

:func:`build` returns the same document in memory, at any size (the speed bench asks 50k
counterparties and 100k movements). Categories say which evidence a perfect matcher would decide
on; ``ambiguous`` marks movements whose facts cannot tell two directory entries apart.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from schwifty import IBAN

sys.path.insert(0, str(Path(__file__).parent.parent))
from matching import identifiers as ids  # noqa: E402
from matching import names  # noqa: E402
from matching.names import Name, Spelling  # noqa: E402

OUTPUT = Path(__file__).parent / "evalset.json"
SEED = 20240531
OUR_NAME = "KUZEYBATI ENDÜSTRİ MAKİNA SANAYİ VE TİCARET ANONİM ŞİRKETİ"
OUR_PREFIX = "KZB"
"""Our e-invoice series: customers' open items are our sales invoices."""

SHARES = {"iban": 0.30, "tax_id": 0.07, "invoice": 0.06, "name": 0.235, "virman": 0.035,
          "fee": 0.07, "tax": 0.035, "pos": 0.03, "rule": 0.035, "unknown": 0.13}  # fmt: skip
"""Share of movements per kind of evidence (``ambiguous`` ones are drawn as ``name``/``tax_id``)."""

LEDGER = {
    "780.01": "FİNANSMAN GİDERLERİ - BANKA MASRAFLARI",
    "653.01": "KOMİSYON GİDERLERİ",
    "360.01": "ÖDENECEK VERGİ VE FONLAR",
    "361.01": "ÖDENECEK SOSYAL GÜVENLİK KESİNTİLERİ",
    "108.01": "DİĞER HAZIR DEĞERLER - POS ALACAKLARI",
    "642.01": "FAİZ GELİRLERİ",
    "335.01": "PERSONELE BORÇLAR",
    "100.01": "MERKEZ KASA",
    "770.02": "GENEL YÖNETİM GİDERLERİ - İLETİŞİM",
    "770.03": "GENEL YÖNETİM GİDERLERİ - ENERJİ",
    "770.04": "GENEL YÖNETİM GİDERLERİ - KİRA",
    "689.01": "DİĞER OLAĞANDIŞI GİDER VE ZARARLAR",
    "602.01": "DİĞER GELİRLER",
}


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    code: str
    width: int
    """Width of the counterparty-name field: longer names are cut."""
    ascii_share: float
    incoming: tuple[str, ...]
    outgoing: tuple[str, ...]


BANKS = (
    Bank("GARANTİ BBVA", "00062", 35, 0.2,
         ("GELEN EFT {name} {note}", "GELEN FAST {name} {note}", "GELEN HAVALE {name} {note}",
          "GELEN EFT {name} {iban} {note}"),
         ("GİDEN EFT {name} {note}", "GİDEN FAST {name} {note}", "İNTERNET EFT {name} {note}")),
    Bank("YAPI KREDİ", "00067", 40, 0.3,
         ("FAST {name} {note}", "EFT GELEN GÖNDEREN:{name} AÇIKLAMA:{note}",
          "HAVALE GELEN {name} {note}"),
         ("FAST GİDEN ALICI:{name} AÇIKLAMA:{note}", "EFT {name} {note}")),
    Bank("İŞ BANKASI", "00064", 35, 1.0,
         ("HAVALE {name} {note}", "GELEN HAVALE-GONDEREN:{name}-{note}", "EFT GELEN {name} {note}",
          "FAST GELEN {name} {iban} {note}"),
         ("HAVALE {name} {note}", "INTERNET EFT-ALICI:{name}-{note}")),
    Bank("AKBANK", "00046", 50, 0.4,
         ("EFT-{name}-{note}", "FAST GELEN {name} {note}", "GELEN TRANSFER {name} {note}"),
         ("EFT-{name}-{note}", "FAST GIDEN {name} {note}")),
    Bank("VAKIFBANK", "00015", 30, 0.5,
         ("GELEN EFT SORGU NO:{query} GÖNDEREN:{name} ALICI:{ours} AÇIKLAMA:{note}",
          "{name} TARAFINDAN GÖNDERİLEN HAVALE {note}", "GELEN FAST {name} {note}"),
         ("GİDEN EFT ALICI:{name} AÇIKLAMA:{note}", "GİDEN FAST {name} {note}")),
)  # fmt: skip
NAMELESS = ("GELEN EFT {note}", "FAST {note}", "HAVALE {note}", "EFT GELEN AÇIKLAMA:{note}")
NAMELESS_OUT = ("GİDEN EFT {note}", "FAST GİDEN {note}", "HAVALE {note}")
NOTES = ("CARİ HESAP ÖDEMESİ", "MAL BEDELİ", "{month} AYI ÖDEMESİ", "SİPARİŞ AVANSI",
         "HAKEDİŞ ÖDEMESİ", "", "", "ÖDEME", "BORÇ KAPAMA", "FATURA ÖDEMESİ", "CARİ",
         "FATURA NO {internal}", "{month} {year} HİZMET BEDELİ", "AVANS", "ÇEK KARŞILIĞI")  # fmt: skip
MONTHS = names.MONTHS
TAX_LABELS = ("VKN:{}", "VKN {}", "V.K.N.{}", "VERGİ NO:{}", "VERGI NO {}", "{}")
TCKN_LABELS = ("TCKN:{}", "TC:{}", "T.C.KİMLİK NO {}", "TCKN {}", "{}")


@dataclass(slots=True)
class Counterparty:
    code: str
    name: Name
    title: str
    """The name on the ERP card."""
    role: str
    """``customer`` or ``supplier``."""
    tax_id: str
    ibans: list[str]
    aliases: list[str] = field(default_factory=list)
    group: str = ""
    """Shared by deliberate look-alikes: ``city:…``, ``twin:…``, ``dual:…``, ``person:…``."""

    @property
    def is_person(self) -> bool:
        return bool(self.name.person)


@dataclass(slots=True)
class Movement:
    category: str
    truth: tuple[str, str] | None
    facts: dict[str, str]
    tags: list[str] = field(default_factory=list)


def build(seed: int = SEED, counterparties: int = 2000, movements: int = 3000) -> dict:
    """The evaluation document: directory, own accounts, open items, rules and movements."""
    world = World(random.Random(seed), counterparties)
    return {
        "seed": seed,
        "our_company": {"name": OUR_NAME, "tax_id": world.our_tax_id},
        "own_accounts": world.own_accounts,
        "parties": world.parties(),
        "open_items": world.open_items,
        "rules": world.rules,
        "movements": [_as_json(m) for m in world.movements(movements)],
    }


class World:
    """One tenant: its counterparties, accounts, rules, and the movements it sees."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.rng = rng
        self.tax_ids = ids.Unique()
        self.ibans = ids.Unique()
        self.keys: set[tuple[str, ...]] = set()
        self.person_keys: set[tuple[str, ...]] = set()
        self.codes = Counter[str]()
        self.our_tax_id = self.tax_ids(ids.new_vkn, rng)
        self.own_accounts = [
            {"bank": bank.name, "iban": self.ibans(ids.new_iban, rng, bank.code),
             "code": f"102.01.{i + 1:03d}", "name": f"{bank.name} TL HESABI"}
            for i, bank in enumerate(BANKS)
        ]  # fmt: skip
        self.counterparties: list[Counterparty] = []
        self._directory(size)
        self.open_items: list[dict] = []
        self.items_of: dict[str, list[dict]] = {}
        self._open_items()
        self.outsiders: dict[str, tuple[str, str]] = {}
        self.rules = self._rules()

    # --- directory -------------------------------------------------------------------------

    def _directory(self, size: int) -> None:
        rng = self.rng
        pairs = max(2, size // 130)
        for _ in range(pairs):
            self._city_pair()
        for _ in range(max(2, size // 200)):
            self._legal_twins()
        for _ in range(max(2, size // 100)):
            self._dual_role()
        for _ in range(max(2, size // 250)):
            self._person_pair()
        while len(self.counterparties) < size:
            draw = rng.random()
            role = "customer" if rng.random() < 0.55 else "supplier"
            if draw < 0.75:
                self._add(self._new_firm(), role)
            elif draw < 0.87:
                self._add(self._new_person(), role)
            else:
                self._add(self._new_sole(), role)

    def _new_firm(self, core: list | None = None) -> Name:
        while True:
            name = names.firm(self.rng, core=core)
            key = _trade_key(name)
            if key not in self.keys:
                self.keys.add(key)
                return name

    def _new_person(self) -> Name:
        while True:
            name = names.person(self.rng)
            if name.key not in self.person_keys:
                self.person_keys.add(name.key)
                return name

    def _new_sole(self) -> Name:
        while True:
            name = names.sole_proprietorship(self.rng)
            key = _trade_key(name)
            if name.person and tuple(p for p, _ in name.person) in self.person_keys:
                continue
            if key not in self.keys:
                self.keys.add(key)
                self.person_keys.add(tuple(p for p, _ in name.person))
                return name

    def _add(self, name: Name, role: str, **overrides) -> Counterparty:
        rng = self.rng
        make_id = ids.new_tckn if name.person and not name.trade else ids.new_vkn
        if name.person and name.trade:  # sole proprietors file under their TCKN or a VKN
            make_id = ids.new_tckn if rng.random() < 0.6 else ids.new_vkn
        known = rng.random()
        iban_count = (1 if known < 0.55 else 0) if name.person else (
            1 if known < 0.70 else 2 if known < 0.85 else 0)  # fmt: skip
        style = rng.choices(("full", "erp", "short"), (0.35, 0.5, 0.15))[0]
        title = name.directory(style)
        if rng.random() < 0.1:
            title = names.tr_title(title)
        party = Counterparty(
            code=self._code(role, name),
            name=name,
            title=title,
            role=role,
            tax_id=self.tax_ids(make_id, rng),
            ibans=[self.ibans(ids.new_iban, rng) for _ in range(iban_count)],
        )
        if not name.person and rng.random() < 0.08:
            party.aliases = [" ".join(full for full, _ in name.trade[:2])]
        elif name.person and name.trade and rng.random() < 0.3:
            party.aliases = [" ".join(full for full, _ in name.trade)]
        for attribute, value in overrides.items():
            setattr(party, attribute, value)
        self.counterparties.append(party)
        return party

    def _code(self, role: str, name: Name) -> str:
        prefix = ("120" if role == "customer" else "320") + (".02" if name.person else ".01")
        n = self.codes[prefix]
        self.codes[prefix] += 1
        return f"{prefix}.{n + 1:03d}" if n < 999 else f"{prefix}.{n + 1:05d}"

    def _city_pair(self) -> None:
        """One firm name in two cities: ``… LTD. ŞTİ. - İZMİR`` and ``… - ANKARA``; branches of
        one company share the VKN, franchisees have their own."""
        name = self._new_firm()
        cities = self.rng.sample(names.CITIES, 2)
        role = "customer" if self.rng.random() < 0.6 else "supplier"
        first = self._add(Name(trade=name.trade, city=cities[0]), role, group=f"city:{cities}")
        second = self._add(Name(trade=name.trade, city=cities[1]), role, group=first.group)
        second.ibans = second.ibans or [self.ibans(ids.new_iban, self.rng)]
        if self.rng.random() < 0.5:
            second.tax_id = first.tax_id

    def _legal_twins(self) -> None:
        """``YILMAZ GIDA LTD. ŞTİ.`` and ``YILMAZ GIDA A.Ş.``: two companies."""
        name = self._new_firm()
        other = names.AS if name.trade[-1] == names.LTD else names.LTD
        twin = Name(trade=[*name.trade[:-1], other])
        role = "customer" if self.rng.random() < 0.5 else "supplier"
        first = self._add(name, role, group=f"twin:{len(self.counterparties)}")
        self._add(twin, role, group=first.group)

    def _dual_role(self) -> None:
        """A firm we sell to and buy from: one card under 120, one under 320, one VKN. The IBAN
        is on the supplier card (we pay there), on the customer card only sometimes."""
        name = self._new_firm()
        supplier = self._add(name, "supplier", group=f"dual:{len(self.counterparties)}")
        supplier.ibans = supplier.ibans or [self.ibans(ids.new_iban, self.rng)]
        customer = self._add(name, "customer", group=supplier.group, tax_id=supplier.tax_id)
        customer.ibans = list(supplier.ibans) if self.rng.random() < 0.5 else []
        self.tax_ids.seen.discard(customer.tax_id)

    def _person_pair(self) -> None:
        """Two different people of one name (different TCKN)."""
        name = self._new_person()
        role = "customer" if self.rng.random() < 0.5 else "supplier"
        first = self._add(name, role, group=f"person:{len(self.counterparties)}")
        second = self._add(name, role, group=first.group)
        second.ibans = second.ibans or [self.ibans(ids.new_iban, self.rng)]

    def parties(self) -> list[dict]:
        counterparties = [
            {"kind": "counterparty", "code": p.code, "name": p.title, "tax_id": p.tax_id,
             "ibans": p.ibans, "aliases": p.aliases}
            for p in self.counterparties
        ]  # fmt: skip
        ledger = [{"kind": "ledger", "code": code, "name": name} for code, name in LEDGER.items()]
        banks = [
            {"kind": "bank", "code": a["code"], "name": a["name"], "ibans": [a["iban"]]}
            for a in self.own_accounts
        ]
        return counterparties + ledger + banks

    # --- open items and rules --------------------------------------------------------------

    def _open_items(self) -> None:
        rng = self.rng
        sequence = rng.randrange(1000, 5000)
        for party in self.counterparties:
            if rng.random() >= 0.25:
                continue
            prefix = OUR_PREFIX if party.role == "customer" else _series(party.name, rng)
            for _ in range(rng.choice((1, 1, 2, 3))):
                sequence += rng.randrange(1, 40)
                amount = _amount(rng, 500, 250_000)
                if self.open_items and rng.random() < 0.1:  # same amount as someone else's
                    amount = rng.choice(self.open_items)["amount"]
                item = {"counterparty_code": party.code,
                        "document_number": f"{prefix}2024{sequence:09d}", "amount": amount}  # fmt: skip
                self.open_items.append(item)
                self.items_of.setdefault(party.code, []).append(item)

    def _rules(self) -> list[dict]:
        """The operator's default rules, and a few learned ones."""
        rules = [
            ("contains", "EFT ÜCRETİ", "780.01", "outgoing", None),
            ("contains", "HAVALE ÜCRETİ", "780.01", "outgoing", None),
            ("contains", "İŞLEM ÜCRETİ", "780.01", "outgoing", None),
            ("contains", "MASRAF", "780.01", "outgoing", "500"),
            ("contains", "BSMV", "780.01", "outgoing", None),
            ("contains", "HESAP İŞLETİM", "780.01", "outgoing", None),
            ("contains", "KOMİSYON", "653.01", "outgoing", None),
            ("contains", "SGK", "361.01", "outgoing", None),
            ("contains", "GİB VERGİ", "360.01", "outgoing", None),
            ("contains", "GİB ÖDEME", "360.01", "outgoing", None),
            ("contains", "VERGİ ÖDEME", "360.01", "outgoing", None),
            ("regex", r"\b(MUHTASAR|DAMGA VERGISI)\b", "360.01", "outgoing", None),
            ("contains", "POS TAHSİL", "108.01", "incoming", None),
            ("contains", "ÜYE İŞYERİ", "108.01", "incoming", None),
            ("contains", "POS BLOKE", "108.01", "incoming", None),
            ("contains", "FAİZ", "642.01", "incoming", None),
            ("contains", "MAAŞ", "335.01", "outgoing", None),
            ("contains", "PARA YATIRMA", "100.01", "incoming", None),
        ]
        documents = {"780.01": "bank_fee", "653.01": "bank_fee", "360.01": "tax", "361.01": "tax",
                     "108.01": "pos", "642.01": "interest", "335.01": "outgoing_transfer",
                     "100.01": "incoming_transfer"}  # fmt: skip
        out = [
            {"id": i + 1, "kind": kind, "pattern": pattern, "target": "ledger", "code": code,
             "name": LEDGER[code], "document_type": documents[code], "direction": direction,
             "amount_max": amount_max}
            for i, (kind, pattern, code, direction, amount_max) in enumerate(rules)
        ]  # fmt: skip
        learned = [("contains", "TURKCELL", "770.02"), ("contains", "TÜRK TELEKOM", "770.02"),
                   ("contains", "İGDAŞ", "770.03")]  # fmt: skip
        for name, code in (("ENERJİSA İSTANBUL ANADOLU YAKASI ELEKTRİK", "770.03"),
                           ("KİRA - " + self._outsider_person(), "770.04")):  # fmt: skip
            iban = self.ibans(ids.new_iban, self.rng)
            self.outsiders[iban] = (name, code)
            learned.append(("iban", iban, code))
        for kind, pattern, code in learned:
            out.append({"id": len(out) + 1, "kind": kind, "pattern": pattern, "target": "ledger",
                        "code": code, "name": LEDGER[code], "direction": "outgoing",
                        "learned": True})  # fmt: skip
        for brand in ("ANADOLU FAKTORİNG A.Ş.", "MERKEZ FAKTORİNG HİZMETLERİ A.Ş.",
                      "EGE FİNANSAL KİRALAMA A.Ş."):  # fmt: skip
            customer = self.rng.choice([p for p in self.counterparties if p.role == "customer"])
            iban = self.ibans(ids.new_iban, self.rng)
            self.outsiders[iban] = (brand, customer.code)
            out.append({"id": len(out) + 1, "kind": "iban", "pattern": iban,
                        "target": "counterparty", "code": customer.code, "name": customer.title,
                        "direction": "incoming", "learned": True})  # fmt: skip
        return out

    def _outsider_person(self) -> str:
        while True:
            name = names.person(self.rng)
            if name.key not in self.person_keys:
                return " ".join(full for full, _ in name.person)

    # --- movements -------------------------------------------------------------------------

    def movements(self, count: int) -> list[Movement]:
        rng = self.rng
        kinds = list(SHARES)
        weights = [SHARES[k] for k in kinds]
        makers = {"iban": self._by_iban, "tax_id": self._by_tax_id, "invoice": self._by_invoice,
                  "name": self._by_name, "virman": self._virman, "fee": self._fee,
                  "tax": self._tax, "pos": self._pos, "rule": self._other_rule,
                  "unknown": self._unknown}  # fmt: skip
        self.with_iban = [p for p in self.counterparties if p.ibans]
        self.with_items = [p for p in self.counterparties if p.code in self.items_of]
        self.firms = [p for p in self.counterparties if not p.name.person and not p.name.city]
        self.people = [p for p in self.counterparties if p.is_person and not p.name.trade]
        self.by_tax_id = Counter(p.tax_id for p in self.counterparties)
        self.cards = {(p.group, p.role): p for p in self.counterparties if p.group}
        self.prefixes = {_prefix(p.name) for p in self.counterparties if p.name.trade}
        self.person_pairs = {_first_and_last(p.name) for p in self.counterparties if p.is_person}
        out = []
        for kind in rng.choices(kinds, weights, k=count):
            movement = makers[kind]()
            movement.facts.setdefault("booking_date", str(date(2024, 1, 2) + _days(rng)))
            movement.facts.setdefault("currency", "TRY")
            _check_rules(movement, self.rules)
            out.append(movement)
        return out

    def _account(self) -> tuple[dict, Bank]:
        index = self.rng.choices(range(len(BANKS)), (0.3, 0.2, 0.25, 0.15, 0.1))[0]
        return self.own_accounts[index], BANKS[index]

    def _direction(self, party: Counterparty) -> bool:
        """True for incoming: customers pay us, we pay suppliers; refunds the other way."""
        return (party.role == "customer") == (self.rng.random() < 0.93)

    def _spelling(self, bank: Bank, party: Counterparty | None) -> Spelling:
        rng = self.rng
        twin = party is not None and party.group.startswith("twin")
        return Spelling(
            drop_legal=not twin and rng.random() < 0.2,
            full_share=rng.choice((0.1, 0.35, 0.8)),
            ascii=rng.random() < bank.ascii_share,
            width=bank.width if rng.random() < 0.8 else 0,
            typo=rng.random() < 0.1,
            surname_first=rng.random() < 0.1,
            trade_name=rng.random() < 0.25,
        )

    def _transfer(self, party: Counterparty | None, *, incoming: bool, name_shown: bool = True,
                  note: str = "", iban: str = "", iban_in_text: bool = False,
                  amount: str | None = None, low: float = 100, high: float = 500_000,
                  name: str | None = None) -> tuple[dict[str, str], list[str]]:  # fmt: skip
        """The facts of a transfer from or to ``party`` (or an outsider called ``name``)."""
        rng = self.rng
        account, bank = self._account()
        tags: list[str] = []
        shown = ""
        if name is not None:
            shown = name
        elif party is not None and name_shown:
            spelling = self._spelling(bank, party)
            shown = names.bank_spelling(party.name, spelling, rng)
            tags += _spelling_tags(spelling, party, shown)
        if shown and rng.random() < bank.ascii_share:
            shown = names.ascii_fold(shown)
        templates = (bank.incoming if incoming else bank.outgoing) if shown else (
            NAMELESS if incoming else NAMELESS_OUT)  # fmt: skip
        template = rng.choice(templates)
        text_iban = iban if iban_in_text else ""
        if "{iban}" in template and iban and not text_iban:
            text_iban = iban
        description = template.format(
            name=shown,
            note=note,
            iban=ids.grouped(text_iban) if text_iban else "",
            query=rng.randrange(10**9, 10**10),
            ours=OUR_NAME[:30],
        )
        if text_iban and "{iban}" not in template:
            description += " " + (ids.grouped(text_iban) if rng.random() < 0.5 else text_iban)
        if bank.ascii_share == 1.0:
            description = names.ascii_fold(description)
        description = " ".join(description.split()).rstrip("-: ")
        if rng.random() < 0.04:
            description = names.tr_title(description)
            tags.append("mixed_case")
        value = amount or _amount(rng, low, high)
        facts = {"amount": value if incoming else f"-{value}", "description": description,
                 "own_iban": account["iban"], "transaction_code": rng.choice(("NTRF", "NTRF", ""))}  # fmt: skip
        if iban and not iban_in_text:
            facts["counterparty_iban"] = iban
        if shown and rng.random() < 0.8:
            facts["counterparty_name"] = shown
        return facts, tags

    def _note(self, party: Counterparty | None, *, invoice_share: float = 0.15) -> str:
        rng = self.rng
        items = self.items_of.get(party.code, []) if party else []
        if items and rng.random() < invoice_share:
            return f"FATURA NO {rng.choice(items)['document_number']}"
        return rng.choice(NOTES).format(
            month=rng.choice(MONTHS),
            year=2024,
            internal=f"{rng.randrange(1, 999):03d}/{rng.randrange(2024)}",
        )

    def _truth(self, party: Counterparty, incoming: bool) -> tuple[str, str]:
        """The card the movement belongs to: for a dual-role firm, the customer card when the
        money comes in and the supplier card when it goes out."""
        if party.group.startswith("dual"):
            role = "customer" if incoming else "supplier"
            party = self.cards[party.group, role]
        return ("counterparty", party.code)

    def _by_iban(self) -> Movement:
        rng = self.rng
        party = rng.choice(self.with_iban)
        incoming = self._direction(party)
        iban = rng.choice(party.ibans)
        in_text = rng.random() < 0.1
        note = self._note(party)
        conflict = incoming and rng.random() < 0.03
        if conflict:
            note = "GECİKME FAİZİ DAHİL ÖDEME"
        facts, tags = self._transfer(
            party, incoming=incoming, name_shown=rng.random() < 0.85, note=note, iban=iban,
            iban_in_text=in_text,
        )  # fmt: skip
        tags += ["iban_in_text"] * in_text + _group_tag(party)
        return Movement("iban", self._truth(party, incoming), facts, tags)

    def _by_tax_id(self) -> Movement:
        rng = self.rng
        party = rng.choice(self.counterparties)
        incoming = self._direction(party)
        labels = TCKN_LABELS if len(party.tax_id) == 11 else TAX_LABELS
        label = rng.choice(labels)
        note = f"{label.format(party.tax_id)} {self._note(party)}".strip()
        new_iban = rng.random() < 0.4
        facts, tags = self._transfer(
            party, incoming=incoming, name_shown=rng.random() < 0.6, note=note,
            iban=self.ibans(ids.new_iban, rng) if new_iban else "",
        )  # fmt: skip
        if rng.random() < 0.65:
            facts["counterparty_tax_id"] = party.tax_id
        tags += ["bare_number"] * (label == "{}") + ["new_iban"] * new_iban + _group_tag(party)
        category = "tax_id"
        if party.group.startswith("city") or party.group.startswith("person"):
            category = "ambiguous" if self.by_tax_id[party.tax_id] > 1 else category
        return Movement(category, self._truth(party, incoming), facts, tags)

    def _by_invoice(self) -> Movement:
        rng = self.rng
        party = rng.choice(self.with_items)
        item = rng.choice(self.items_of[party.code])
        incoming = party.role == "customer"
        number = item["document_number"]
        tags = []
        if rng.random() < 0.2:  # the payer writes the short number
            number = str(int(number[7:]))
            tags.append("short_number")
        note = rng.choice(("FATURA NO {}", "FT:{}", "FAT. {} ÖDEMESİ", "{} NOLU FATURA",
                           "FATURA {} BEDELİ"))  # fmt: skip
        amount = item["amount"]
        if rng.random() < 0.15:
            amount = f"{float(amount) * rng.choice((0.5, 0.3, 0.25)):.2f}"
            tags.append("partial")
        new_iban = rng.random() < 0.3
        payer = None
        if incoming and rng.random() < 0.2:  # the owner pays the firm's invoice from home
            payer = " ".join(full for full, _ in self._stranger_person().person)
            tags.append("paid_by_other")
        facts, more = self._transfer(
            party, incoming=incoming, name_shown=rng.random() < 0.5, note=note.format(number),
            iban=self.ibans(ids.new_iban, rng) if new_iban else "", amount=amount, name=payer,
        )  # fmt: skip
        if rng.random() < 0.6 and "short_number" not in tags:
            facts["payment_reference"] = item["document_number"]
        tags += more + ["new_iban"] * new_iban
        return Movement("invoice", ("counterparty", party.code), facts, tags)

    def _by_name(self) -> Movement:
        rng = self.rng
        party = rng.choice(self.counterparties)
        incoming = self._direction(party)
        new_iban = rng.random() < 0.35
        facts, tags = self._transfer(
            party, incoming=incoming, note=self._note(party, invoice_share=0.2),
            iban=self.ibans(ids.new_iban, rng) if new_iban else "",
        )  # fmt: skip
        tags += ["new_iban"] * new_iban + _group_tag(party)
        category = "name"
        if party.group.startswith(("city", "person")):
            category = "ambiguous"
        if party.group.startswith("twin") and not _shows_legal_form(facts["description"]):
            category = "ambiguous"
        return Movement(category, self._truth(party, incoming), facts, tags)

    def _virman(self) -> Movement:
        rng = self.rng
        source, target = rng.sample(range(len(self.own_accounts)), 2)
        account, other = self.own_accounts[source], self.own_accounts[target]
        incoming = rng.random() < 0.5
        text = rng.choice(("VİRMAN", "HESAPLAR ARASI VİRMAN", "KENDİ HESABINA EFT",
                           "HESABIMA HAVALE", "GELEN EFT " + OUR_NAME[:35], "FAST VİRMAN",
                           "NAKİT YÖNETİMİ TRANSFER"))  # fmt: skip
        if BANKS[source].ascii_share == 1.0:
            text = names.ascii_fold(text)
        in_text = rng.random() < 0.15
        value = _amount(rng, 1000, 2_000_000)
        facts = {"amount": value if incoming else f"-{value}", "own_iban": account["iban"],
                 "description": text + (f" {ids.grouped(other['iban'])}" if in_text else ""),
                 "transaction_code": "NTRF"}  # fmt: skip
        if not in_text:
            facts["counterparty_iban"] = other["iban"]
        if "KUZEYBATI" in text or rng.random() < 0.3:
            facts["counterparty_name"] = OUR_NAME[:35]
        return Movement("virman", ("bank", other["code"]), facts, ["iban_in_text"] * in_text)

    def _fee(self) -> Movement:
        rng = self.rng
        account, bank = self._account()
        text, code = rng.choice((
            ("EFT ÜCRETİ", "780.01"), ("EFT ÜCRETİ BSMV", "780.01"), ("HAVALE ÜCRETİ", "780.01"),
            ("FAST İŞLEM ÜCRETİ", "780.01"), ("BSMV", "780.01"), ("EFT MASRAFI", "780.01"),
            ("HESAP İŞLETİM ÜCRETİ", "780.01"), ("MASRAF TAHSİLATI", "780.01"),
            ("POS KOMİSYONU", "653.01"), ("KREDİ KARTI KOMİSYON", "653.01"),
            ("TEMİNAT MEKTUBU KOMİSYONU", "653.01"),
        ))  # fmt: skip
        tags = []
        if rng.random() < 0.15 and "ÜCRET" in text:  # the fee names the transfer's beneficiary
            party = rng.choice(self.counterparties)
            text += " - " + names.bank_spelling(party.name, Spelling(width=30), rng)
            tags.append("names_counterparty")
        text += rng.choice(("", "", f" {_days(rng) + date(2024, 1, 2):%d.%m.%Y}",
                            f" REF:{rng.randrange(10**6, 10**7)}"))  # fmt: skip
        if rng.random() < bank.ascii_share:
            text = names.ascii_fold(text)
        high = 4 if text.startswith("BSMV") else 75 if code == "780.01" else 900
        facts = {"amount": f"-{_amount(rng, 0.5, high)}", "description": text,
                 "own_iban": account["iban"],
                 "transaction_code": rng.choice(("NCHG", "NCHG", "NCOM", "NMSC", ""))}  # fmt: skip
        return Movement("fee", ("ledger", code), facts, tags)

    def _tax(self) -> Movement:
        rng = self.rng
        account, bank = self._account()
        period = f"2024/{rng.randrange(1, 13):02d}"
        text, code = rng.choice((
            (f"SGK PRİM ÖDEMESİ {period}", "361.01"), (f"SGK İŞVEREN PRİMİ {period}", "361.01"),
            (f"5510 SGK ÖDEMESİ {period}", "361.01"),
            (f"GİB VERGİ ÖDEMESİ KDV {period}", "360.01"),
            (f"GİB ÖDEME MUHTASAR VKN:{self.our_tax_id}", "360.01"),
            (f"VERGİ ÖDEMESİ - KDV {period}", "360.01"),
            (f"MUHTASAR BEYANNAME ÖDEMESİ {period}", "360.01"),
            (f"DAMGA VERGİSİ ÖDEMESİ {period}", "360.01"),
        ))  # fmt: skip
        if rng.random() < bank.ascii_share:
            text = names.ascii_fold(text)
        facts = {"amount": f"-{_amount(rng, 500, 400_000)}", "description": text,
                 "own_iban": account["iban"], "transaction_code": rng.choice(("NMSC", "NTRF", ""))}  # fmt: skip
        if rng.random() < 0.3:
            payee = "SOSYAL GÜVENLİK KURUMU" if code == "361.01" else "GELİR İDARESİ BAŞKANLIĞI"
            facts["counterparty_name"] = payee
        tags = []
        if self.our_tax_id in text:
            tags.append("own_tax_id")
            if rng.random() < 0.5:
                facts["counterparty_tax_id"] = self.our_tax_id
        return Movement("tax", ("ledger", code), facts, tags)

    def _pos(self) -> Movement:
        rng = self.rng
        account, bank = self._account()
        day = f"{_days(rng) + date(2024, 1, 2):%d.%m.%Y}"
        number = rng.randrange(10**7, 10**8)
        text = rng.choice((f"POS TAHSİLATI {day} ÜYE İŞYERİ NO {number}",
                           f"ÜYE İŞYERİ {number} SATIŞ TUTARI {day}", f"POS BLOKE ÇÖZÜM {day}",
                           f"POS TAHSİLAT {number}"))  # fmt: skip
        if rng.random() < bank.ascii_share:
            text = names.ascii_fold(text)
        facts = {"amount": _amount(rng, 20, 60_000), "description": text,
                 "own_iban": account["iban"], "transaction_code": rng.choice(("NMSC", ""))}  # fmt: skip
        return Movement("pos", ("ledger", "108.01"), facts)

    def _other_rule(self) -> Movement:
        rng = self.rng
        kind = rng.choice(("interest", "salary", "cash", "learned", "learned_iban", "factoring"))
        account, bank = self._account()
        facts: dict[str, str] = {"own_iban": account["iban"]}
        tags = [kind]
        if kind == "interest":
            text, code, amount = rng.choice(("VADELİ HESAP FAİZİ", "FAİZ TAHAKKUKU",
                                             "GECELİK FAİZ GELİRİ")), "642.01", _amount(rng, 1, 9000)  # fmt: skip
            facts["transaction_code"] = "NINT"
        elif kind == "salary":
            shown = self._outsider_person()
            if rng.random() < 0.3:
                shown = " ".join(full for full, _ in rng.choice(self.people).name.person)
                tags.append("rule_vs_name")
            month = rng.choice(MONTHS)
            text = rng.choice((f"MAAŞ ÖDEMESİ {month} {shown}", f"{shown} {month} MAAŞ",
                               f"PERSONEL MAAŞ {month} - {shown}"))  # fmt: skip
            code, amount = "335.01", f"-{_amount(rng, 17_000, 90_000)}"
            facts["counterparty_name"] = shown
        elif kind == "cash":
            text = rng.choice(("ATM PARA YATIRMA", "ŞUBEDEN NAKİT PARA YATIRMA", "PARA YATIRMA"))
            code, amount = "100.01", _amount(rng, 100, 50_000)
        elif kind == "learned":
            text, code = rng.choice((("TURKCELL FATURA OTOMATİK ÖDEME", "770.02"),
                                     ("TÜRK TELEKOM FATURA TAHSİLATI", "770.02"),
                                     ("İGDAŞ DOĞALGAZ FATURA ÖDEMESİ", "770.03")))  # fmt: skip
            amount = f"-{_amount(rng, 100, 30_000)}"
        else:
            incoming = kind == "factoring"
            iban = rng.choice([i for i, (_, c) in self.outsiders.items()
                               if c.startswith("120") == incoming])  # fmt: skip
            name, code = self.outsiders[iban]
            note = "FATURA TAHSİLATI" if incoming else "KİRA ÖDEMESİ " + rng.choice(MONTHS)
            facts, more = self._transfer(None, incoming=incoming, note=note, iban=iban,
                                         name=name.removeprefix("KİRA - "))  # fmt: skip
            target = "counterparty" if incoming else "ledger"
            return Movement("rule", (target, code), facts, tags + more)
        if rng.random() < bank.ascii_share:
            text = names.ascii_fold(text)
        facts |= {"amount": amount, "description": text}
        return Movement("rule", ("ledger", code), facts, tags)

    def _unknown(self) -> Movement:
        """A sender or payee the directory does not know."""
        rng = self.rng
        kind = rng.choices(("sibling", "person", "new_firm", "tax_id", "nameless"),
                           (0.35, 0.25, 0.15, 0.10, 0.15))[0]  # fmt: skip
        incoming = rng.random() < 0.75
        iban = self.ibans(ids.new_iban, rng) if rng.random() < 0.45 else ""
        if kind == "nameless":
            facts, tags = self._transfer(None, incoming=incoming, note=self._note(None), iban=iban)
            return Movement("unknown", None, facts, ["nameless"] + tags)
        if kind == "person":
            stranger = self._stranger_person()
        elif kind == "sibling":
            stranger = self._sibling_firm()
        else:
            stranger = self._stranger_firm() or Name()
        party = Counterparty("", stranger, "", "", "", [])
        note = self._note(None)
        if kind == "tax_id":
            note = f"VKN:{self.tax_ids(ids.new_vkn, rng)} {note}".strip()
        facts, tags = self._transfer(party, incoming=incoming, note=note, iban=iban)
        return Movement("unknown", None, facts, [kind] + tags)

    def _stranger_person(self) -> Name:
        """Someone not in the directory, often sharing a surname or first name with it — but
        not first name and surname both: ``SİBEL C. KARATAŞ`` may well be our ``SİBEL KARATAŞ``."""
        while True:  # the directory holds a few percent of all pairs at most: this ends
            name = names.person(self.rng)
            if _first_and_last(name) not in self.person_pairs:
                return name

    def _sibling_firm(self) -> Name:
        """A firm not in the directory that shares its core with one that is: we know ``YILMAZ
        GIDA``, the money comes from ``YILMAZ TEKSTİL``."""
        while True:  # a large directory may use up a core's sectors: then try another core
            known = self.rng.choice(self.firms).name
            core = [p for p in known.trade if p not in names.SECTORS and p not in names.LEGAL]
            name = self._stranger_firm(core[:2], tries=20)
            if name is not None:
                return name

    def _stranger_firm(self, core: list | None = None, tries: int = 10**6) -> Name | None:
        """A firm whose name up to its first sector word is nobody's in the directory: a bank
        that cuts or drops words could otherwise make a known firm look like it."""
        for _ in range(tries):
            name = names.firm(self.rng, core=core)
            if _prefix(name) not in self.prefixes:
                return name
        return None


# --- helpers ----------------------------------------------------------------------------------


def _trade_key(name: Name) -> tuple[str, ...]:
    return tuple(full for full, _ in name.trade if (full, _) not in names.LEGAL)


def _prefix(name: Name) -> tuple[str, ...]:
    """The trade name up to its first sector word: ``("YILMAZ", "GIDA")``."""
    words = []
    for phrase in name.trade:
        words.append(phrase[0])
        if phrase in names.SECTORS:
            break
    return tuple(words)


def _first_and_last(name: Name) -> tuple[str, str]:
    return name.person[0][0], name.person[-1][0]


def _series(name: Name, rng: random.Random) -> str:
    letters = names.ascii_fold("".join(full[0] for full, _ in name.trade if full[0].isalpha()))
    return (letters + "ABC")[:3] if rng.random() < 0.7 else "GIB"


def _amount(rng: random.Random, low: float, high: float) -> str:
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return f"{value:.2f}" if rng.random() < 0.7 else f"{round(value, -1 if value > 100 else 0):.2f}"


def _days(rng: random.Random) -> timedelta:
    return timedelta(days=rng.randrange(360))


def _group_tag(party: Counterparty) -> list[str]:
    return [party.group.split(":")[0] + "_lookalike"] if party.group else []


def _spelling_tags(spelling: Spelling, party: Counterparty, shown: str) -> list[str]:
    tags = [tag for tag, on in (("ascii", spelling.ascii), ("typo", spelling.typo),
                                ("dropped_legal", spelling.drop_legal and not party.is_person))
            if on]  # fmt: skip
    if spelling.width and party.name.trade and len(shown) >= spelling.width - 1:
        tags.append("truncated")
    if party.is_person:
        shows_trade = spelling.trade_name and party.name.trade
        tags += ["trade_name"] * bool(shows_trade) + ["surname_first"] * (
            spelling.surname_first and not shows_trade
        )
    return tags


_LEGAL_MARK = re.compile(r"\b(LTD|LIMITED|STI|A\.? ?S\.?|AS|ANONIM)\b")


def _shows_legal_form(description: str) -> bool:
    return bool(_LEGAL_MARK.search(_fold(description)))


def _fold(text: str) -> str:
    return names.ascii_fold(text.replace("i", "İ").replace("ı", "I").upper())


@lru_cache(maxsize=256)
def _folded(pattern: str) -> str:
    return _fold(pattern)


def _check_rules(movement: Movement, rules: list[dict]) -> None:
    """Which of the emitted rules fire, by the rules' own words: on a rule movement exactly the
    intended target must fire; elsewhere a firing rule is an adversarial conflict, tagged."""
    facts = movement.facts
    amount = float(facts["amount"])
    text = _fold(facts.get("description", ""))
    fired = set()
    for rule in rules:
        if rule.get("direction") and (rule["direction"] == "incoming") != (amount > 0):
            continue
        if rule.get("amount_max") and abs(amount) > float(rule["amount_max"]):
            continue
        pattern = rule["pattern"]
        hit = {
            "contains": lambda p=pattern: _folded(p) in text,
            "regex": lambda p=pattern: re.search(p, text) is not None,
            "iban": lambda p=pattern: facts.get("counterparty_iban") == p,
        }[rule["kind"]]()
        if hit:
            fired.add((rule["target"], rule["code"]))
    if movement.category in ("fee", "tax", "pos", "rule"):
        assert fired == {movement.truth}, (movement, fired)
    elif fired:
        movement.tags.append("rule_conflict")


def _as_json(movement: Movement) -> dict:
    return {"category": movement.category,
            "truth": list(movement.truth) if movement.truth else None,
            "tags": movement.tags, "facts": movement.facts}  # fmt: skip


def write(document: dict, path: Path) -> None:
    """One record a line: diffs of the committed file stay readable."""
    lines = ["{"]
    items = list(document.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(value, list):
            body = ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f'  "{key}": [\n{body}\n  ]{comma}')
        else:
            lines.append(f'  "{key}": {json.dumps(value, ensure_ascii=False)}{comma}')
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def verify(document: dict) -> None:
    """Every tax number passes python-stdnum, every IBAN schwifty."""
    numbers = [p["tax_id"] for p in document["parties"] if p.get("tax_id")]
    numbers += [m["facts"]["counterparty_tax_id"] for m in document["movements"]
                if "counterparty_tax_id" in m["facts"]]  # fmt: skip
    bad = [n for n in numbers if not ids.is_valid_tax_id(n)]
    assert not bad, bad[:5]
    ibans = [i for p in document["parties"] for i in p.get("ibans", ())]
    ibans += [m["facts"][f] for m in document["movements"] for f in ("counterparty_iban", "own_iban")
              if f in m["facts"]]  # fmt: skip
    for iban in set(ibans):
        IBAN(iban)


def summary(document: dict) -> str:
    categories = Counter(m["category"] for m in document["movements"])
    tags = Counter(t for m in document["movements"] for t in m["tags"])
    parties = Counter(p["kind"] for p in document["parties"])
    return (
        f"parties {dict(parties)}, open items {len(document['open_items'])}, "
        f"rules {len(document['rules'])}\nmovements {len(document['movements'])}: "
        f"{dict(categories.most_common())}\ntags: {dict(tags.most_common())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--counterparties", type=int, default=2000)
    parser.add_argument("--movements", type=int, default=3000)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    document = build(args.seed, args.counterparties, args.movements)
    verify(document)
    write(document, args.output)
    print(f"{args.output}: {args.output.stat().st_size / 2**20:.2f} MB")
    print(summary(document))


if __name__ == "__main__":
    main()
