"""Counterparty details out of Turkish bank free text: a table of real-looking lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum.tr import tckimlik, vkn

from bank_ingest.domain.details import Details, extract_details, find_iban, tr_fold, tr_upper

# Valid check digits, computed once here so the table below can use them literally.
VKN_A, VKN_B, VKN_C, VKN_D = "1234567890", "9876543217", "4567891233", "1112223339"
TCKN_A, TCKN_B = "12345678950", "23456789138"
GARANTI = "TR060006200000006291234567"  # TR06 0006 2000 0000 6291 2345 67
YAPI_KREDI = "TR390006700000000093984487"
AKBANK = "TR090004600000000012345678"
VAKIF = "TR380001500000000087654321"
IS_BANK = "TR920006400000000011223344"
ZIRAAT = "TR220001000000000055667788"
GERMAN = "DE89370400440532013000"


def test_constants_have_valid_check_digits() -> None:
    assert all(vkn.is_valid(n) for n in (VKN_A, VKN_B, VKN_C, VKN_D))
    assert all(tckimlik.is_valid(n) for n in (TCKN_A, TCKN_B))
    for iban in (GARANTI, YAPI_KREDI, AKBANK, VAKIF, IS_BANK, ZIRAAT, GERMAN):
        assert IBAN(iban).is_valid


def spaced(iban: str) -> str:
    return IBAN(iban).formatted


CASES: list[tuple[str, str, Details]] = [
    (
        f"GELEN EFT AHMET YILMAZ {spaced(GARANTI)} FATURA NO ABC2024001",
        "",
        Details(GARANTI, "AHMET YILMAZ", "", "ABC2024001"),
    ),
    (
        f"GİDEN EFT - ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ. - VKN:{VKN_A} - FAT.NO: 2024/118",
        "",
        Details("", "ÖZTÜRK İNŞAAT SAN. VE TİC. LTD. ŞTİ.", VKN_A, "2024/118"),
    ),
    (
        f"GONDEREN: MEHMET OZ ALICI: ACME ISLETME A.S. VERGI NO {VKN_B}",
        "",
        Details("", "MEHMET OZ", VKN_B, ""),
    ),
    (
        f"FAST GELEN AYŞE KAYA TCKN {TCKN_A} AÇIKLAMA KİRA OCAK",
        "",
        Details("", "AYŞE KAYA", TCKN_A, "KİRA OCAK"),
    ),
    (
        f"GELEN HAVALE {ZIRAAT} GÖNDEREN ADI: ZEYNEP ÇELİK T.C. KİMLİK NO: {TCKN_B}",
        "",
        Details(ZIRAAT, "ZEYNEP ÇELİK", TCKN_B, ""),
    ),
    ("HAVALE ÜCRETİ", "", Details()),
    ("EFT ÜCRETİ 5,00 TL BSMV 0,25 TL", "", Details()),
    ("FAST FOOD RESTAURANT PAYMENT", "", Details()),
    ("FAST - BURAK ŞAHİN - KİRA", "", Details("", "BURAK ŞAHİN", "", "")),
    ("GELEN FAST ÖDEMESİ", "", Details()),
    (
        f"GIDEN HAVALE {spaced(IS_BANK)} KARŞI TARAF: DENİZ GIDA LTD.ŞTİ. / FATURA 44",
        "",
        Details(IS_BANK, "DENİZ GIDA LTD.ŞTİ.", "", "44"),
    ),
    (
        f"ALICI ADI MEHMET ÖZ {ZIRAAT} V.N.{VKN_C}",
        "",
        Details(ZIRAAT, "MEHMET ÖZ", VKN_C, ""),
    ),
    ("AD SOYAD/UNVAN: ZEYNEP ÇELİK", "", Details("", "ZEYNEP ÇELİK", "", "")),
    ("gelen eft ışık tekstil a.ş. fatura 556", "", Details("", "ışık tekstil a.ş.", "", "556")),
    ("GELEN EFT AHMET YILMAZ 12.03.2024 TARİHLİ", "", Details("", "AHMET YILMAZ", "", "")),
    (
        "GELEN EFT BİR İKİ ÜÇ DÖRT BEŞ ALTI YEDİ SEKİZ DOKUZ ON KELİMELİK AÇIKLAMA",
        "",
        Details(),  # nine words or more: not sure it is a name
    ),
    # Own account (IBAN or a local number ending the IBAN) is never the counterparty's.
    (f"VIRMAN {GARANTI} -> {AKBANK}", GARANTI, Details(AKBANK, "", "", "")),
    (f"HESAPTAN {spaced(YAPI_KREDI)}", "0067-00763/93984487", Details()),
    (f"{GERMAN[:4]} {GERMAN[4:]} SEPA", "", Details(GERMAN, "", "", "")),
    ("TR060006200000006291234568 HATALI", "", Details()),  # checksum off by one
    # Tax numbers: labelled first; an unlabelled one only alone and outside phone/account context.
    (f"ÖDEME {VKN_C}", "", Details("", "", VKN_C, "")),
    ("TEL 5321234567", "", Details()),
    (f"{VKN_A} {VKN_B}", "", Details()),
    ("VKN 1234567891", "", Details()),  # wrong check digit
    (f"VKN/TCKN: {TCKN_A} DEKONT {VKN_D}", "", Details("", "", TCKN_A, "")),
    (f"HESAP NO {VKN_D}", "", Details()),
    (f"IBAN: {AKBANK}", "", Details(AKBANK, "", "", "")),  # IBAN digits are no tax number
    (f"REF: 2024-00017 {IS_BANK}", "", Details(IS_BANK, "", "", "2024-00017")),
    ("REFERANS NO 778899", "", Details("", "", "", "778899")),
    ("FATURA ÖDEMESİ", "", Details()),
    ("AÇIKLAMA: OCAK KİRASI - MERKEZ", "", Details("", "", "", "OCAK KİRASI")),
    ("", "", Details()),
]


@pytest.mark.parametrize(("text", "own", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_extract_details(text: str, own: str, expected: Details) -> None:
    assert extract_details(text, own_account=own) == expected


def test_iban_glued_by_a_65_column_join_is_found() -> None:
    line_one = f"ALICI IBAN {IS_BANK[:16]}"
    assert find_iban(line_one + IS_BANK[16:] + "DENIZ") == IS_BANK
    assert find_iban(line_one) == ""


def test_iban_in_a_statement_line_reference() -> None:
    assert find_iban(f"{AKBANK}//") == AKBANK
    assert find_iban(f"{AKBANK}//", own_account=AKBANK) == ""


def test_tr_upper_is_turkish() -> None:
    assert tr_upper("ışık istanbul") == "IŞIK İSTANBUL"
    assert "i".upper() == "I"  # why tr_upper exists


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Gönderen", "GONDEREN"),
        ("GÖNDEREN", "GONDEREN"),
        ("işletme İŞLETME isletme", "ISLETME ISLETME ISLETME"),
        ("Karşı Taraf", "KARSI TARAF"),
        ("straße ﬁ", "STRAßE ﬁ"),  # letters that grow when upper-cased stay as they are
    ],
)
def test_tr_fold(text: str, folded: str) -> None:
    assert tr_fold(text) == folded
    assert len(tr_fold(text)) == len(text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tr_fold_keeps_positions_and_never_fails(text: str) -> None:
    assert len(tr_fold(text)) == len(text)
    found = extract_details(text)
    assert isinstance(found, Details)
    if found.counterparty_tax_id:
        number = found.counterparty_tax_id
        assert vkn.is_valid(number) if len(number) == 10 else tckimlik.is_valid(number)
    if found.counterparty_iban:
        assert IBAN(found.counterparty_iban).is_valid
