"""Each kind of evidence, how they combine, and when a proposal may be auto-confirmed."""

from decimal import Decimal

import pytest

from matcher.domain.matching import Matcher
from matcher.domain.model import (
    AccountKind,
    Facts,
    MatchInput,
    OpenItem,
    Party,
    Rule,
    RuleKind,
    Thresholds,
)

CP = AccountKind.COUNTERPARTY
OZTURK = Party(CP, "120.01.005", "ÖZTÜRK İNŞAAT TAAHHÜT SAN. TİC. LTD. ŞTİ.", tax_id="4540536920",
               ibans=("TR330006100519786457841326",))  # fmt: skip
YILMAZ_INS = Party(CP, "120.01.006", "YILMAZ İNŞAAT A.Ş.")
YILMAZ_GIDA = Party(CP, "120.01.007", "YILMAZ GIDA SAN. VE TİC. A.Ş.", tax_id="7000000007")
ACME_CUSTOMER = Party(CP, "120.01.050", "ACME KİMYA A.Ş.", tax_id="10000000146")
ACME_SUPPLIER = Party(CP, "320.01.050", "ACME KİMYA A.Ş.", tax_id="10000000146")
SGK = Party(AccountKind.LEDGER, "361.01", "ÖDENECEK SOSYAL GÜVENLİK KESİNTİLERİ")
FILLER = [Party(CP, f"120.09.{i:03}", f"{name} TİCARET LTD. ŞTİ.") for i, name in enumerate(
    ["KARADENİZ GIDA", "AKDENİZ TEKSTİL", "ANADOLU LOJİSTİK", "MARMARA MOBİLYA", "EGE OTOMOTİV"]
)]  # fmt: skip
OWN = {"TR830006200000000012345678": "102.01.002"}
RULES = [
    Rule(7, RuleKind.CONTAINS, "SGK", AccountKind.LEDGER, "361.01", "SGK", "tax_payment",
         direction="outgoing"),
    Rule(8, RuleKind.AMOUNT, "", AccountKind.LEDGER, "780.01", "Masraf", "bank_fee",
         direction="outgoing", amount_max=Decimal("25")),
]  # fmt: skip


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    parties = [OZTURK, YILMAZ_INS, YILMAZ_GIDA, ACME_CUSTOMER, ACME_SUPPLIER, SGK, *FILLER]
    items = [OpenItem("120.01.006", "YLM2025000000123", Decimal("1500.00"))]
    return Matcher(MatchInput(parties, OWN, items), RULES)


def facts(amount: str = "1000", **fields) -> Facts:
    return Facts(amount=Decimal(amount), own_iban="TR000000000000000000000000", **fields)


def test_counterparty_iban_is_the_strongest_evidence(matcher):
    proposal = matcher.propose(facts(counterparty_iban="TR33 0006 1005 1978 6457 8413 26"))
    assert proposal.auto_confirm
    assert proposal.best.code == "120.01.005"
    assert proposal.best.evidence == ("IBAN TR330006100519786457841326 belongs to 120.01.005",)


def test_iban_written_in_the_description_counts_too(matcher):
    proposal = matcher.propose(facts(description="HAVALE TR33 0006 1005 1978 6457 8413 26"))
    assert proposal.best.code == "120.01.005" and proposal.auto_confirm


def test_own_iban_is_a_virman(matcher):
    proposal = matcher.propose(facts("-5000", counterparty_iban="TR830006200000000012345678"))
    assert (proposal.best.kind, proposal.best.code) == (AccountKind.BANK, "102.01.002")
    assert "virman" in proposal.best.evidence[0]


def test_tax_number_in_the_text(matcher):
    proposal = matcher.propose(facts(description="EFT VERGI NO 4540536920 FATURA"))
    assert proposal.best.code == "120.01.005" and proposal.auto_confirm
    assert proposal.best.evidence[0].startswith("VKN 4540536920 in description")


def test_a_firm_with_a_customer_and_a_supplier_account_is_told_apart_by_direction(matcher):
    incoming = matcher.propose(facts("100", description="TCKN 10000000146"))
    outgoing = matcher.propose(facts("-100", description="TCKN 10000000146"))
    assert incoming.best.code == "120.01.050"
    assert outgoing.best.code == "320.01.050"
    assert outgoing.candidates[1].evidence[-1] == (
        "customer account, but the money goes the other way"
    )


def test_operator_rules_respect_direction_and_amount(matcher):
    sgk = matcher.propose(facts("-2500", description="SGK PRİM ÖDEMESİ 2025/11"))
    assert (sgk.best.code, sgk.best.document_type, sgk.best.rule_id) == ("361.01", "tax_payment", 7)
    assert sgk.best.evidence == ("rule #7: description contains 'SGK'",)
    assert matcher.propose(facts("2500", description="SGK IADE")).best is None
    fee = matcher.propose(facts("-12.50", description="ISLEM"))
    assert fee.best.code == "780.01" and "amount ≤ 25" in fee.best.evidence[0]
    assert matcher.propose(facts("-26", description="ISLEM")).best is None


def test_learned_rules_by_iban_and_by_text(matcher):
    learned = [
        Rule(1, RuleKind.IBAN, "TR650009908935398701606888", AccountKind.LEDGER, "770.04",
             "KİRA", learned=True),
        Rule(2, RuleKind.CONTAINS, "TURK TELEKOM", AccountKind.LEDGER, "770.02", "İLETİŞİM",
             learned=True),
    ]  # fmt: skip
    taught = matcher.with_rules(RULES + learned)
    rent = taught.propose(facts("-9000", counterparty_iban="TR650009908935398701606888"))
    assert rent.best.code == "770.04" and rent.auto_confirm
    phone = taught.propose(facts("-300", description="TÜRK TELEKOM FATURA 2025/11"))
    assert phone.best.code == "770.02"
    assert phone.best.evidence == ("learned: 'TURK TELEKOM' was booked to 770.02",)


def test_open_invoice_with_its_exact_amount(matcher):
    proposal = matcher.propose(facts("1500.00", description="FATURA YLM2025000000123 ODEMESI"))
    assert proposal.best.code == "120.01.006"
    assert proposal.best.evidence == (
        "invoice YLM2025000000123 of 120.01.006 is open for exactly 1.500,00 TRY",
    )


@pytest.mark.parametrize(
    "name",
    [
        "OZTURK INSAAT TAAHHUT SAN TIC LTD STI",
        "ÖZTÜRK İNŞ. TAAH. SAN. VE TİC. LTD. ŞTİ.",
        "OZTURK INS. TAAH. SANAYI VE TICARET LIMITED SIRKETI",
        "OZTURK INSAAT TAAHHUT SANAYI VE TI",  # cut by the bank's field width
    ],
)
def test_fuzzy_name_in_its_many_spellings(matcher, name):
    proposal = matcher.propose(facts(counterparty_name=name))
    assert proposal.best.code == "120.01.005"
    assert proposal.best.evidence[0].startswith(f"name '{name}' ~ 'ÖZTÜRK İNŞAAT")


def test_a_typo_still_finds_the_name_but_not_surely(matcher):
    proposal = matcher.propose(facts(counterparty_name="OZTRUK INSAAT TAAHHUT LTD"))
    assert proposal.best.code == "120.01.005"


def test_two_firms_sharing_a_surname_are_ambiguous_and_never_auto_confirmed(matcher):
    proposal = matcher.propose(facts(counterparty_name="YILMAZ A.Ş."))
    assert {c.code for c in proposal.candidates[:2]} == {"120.01.006", "120.01.007"}
    assert not proposal.auto_confirm


def test_an_unknown_sender_is_not_matched_to_a_lookalike(matcher):
    proposal = matcher.propose(facts(counterparty_name="KARADENİZ NAKLİYAT LTD. ŞTİ."))
    assert not proposal.auto_confirm


def test_competing_strong_evidence_blocks_auto_confirmation(matcher):
    # the IBAN says Öztürk, the tax number says Yılmaz Gıda: a person must look
    proposal = matcher.propose(
        facts(counterparty_iban="TR330006100519786457841326", description="VKN 7000000007")
    )
    assert not proposal.auto_confirm
    assert proposal.reason.startswith("ambiguous")


def test_threshold_is_per_tenant(matcher):
    strict = matcher.with_rules(RULES, Thresholds(auto_confirm=0.995))
    proposal = strict.propose(facts(counterparty_iban="TR330006100519786457841326"))
    assert proposal.best.confidence == 0.99 and not proposal.auto_confirm


def test_no_evidence_no_candidates(matcher):
    proposal = matcher.propose(facts(description="NAKIT"))
    assert proposal.candidates == () and not proposal.auto_confirm
