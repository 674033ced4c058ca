from matcher.domain.text import fold, legal_form, name_words, read_name, text_key


def test_fold_puts_turkish_and_ascii_flattened_text_in_one_space():
    assert fold("Öztürk  İnşaat ılık ŞĞÜÇ") == "OZTURK INSAAT ILIK SGUC"
    assert fold("istanbul") == fold("İSTANBUL") == fold("ıstanbul") == "ISTANBUL"


def test_name_words_expand_abbreviations_and_drop_the_legal_form():
    assert name_words("ÖZTÜRK İNŞ. TAAH. SAN. VE TİC. LTD. ŞTİ.") == ["OZTURK", "INSAAT", "TAAHHUT"]
    assert name_words("OZTURK INSAAT TAAHHUT SANAYI VE TICARET LIMITED SIRKETI") == [
        "OZTURK",
        "INSAAT",
        "TAAHHUT",
    ]
    assert name_words("Yılmaz Gıda A.Ş.") == ["YILMAZ", "GIDA"]


def test_legal_form_tells_limited_from_anonim():
    assert legal_form("DEMİRCİ YAPI LTD. ŞTİ.") == "LTD"
    assert legal_form("DEMİRCİ YAPI A.Ş.") == "AS"
    assert legal_form("DEMIRCI YAPI ANONIM SIRKETI") == "AS"
    assert legal_form("DEMİRCİ YAPI") == ""


def test_read_name_marks_abbreviations_and_knows_when_a_name_was_cut():
    read = read_name("ESKISEHIR TUR. GUBRE TC. ANONIM STI.")
    assert [(t.word, t.abbreviated) for t in read.tokens] == [
        ("ESKISEHIR", False),
        ("TUR", True),
        ("GUBRE", False),
    ]
    assert read.complete
    cut = read_name("TOROS KARDESLER TARIM URUNLERI ENE")
    assert not cut.complete and cut.tokens[-1].word == "ENE"
    assert read_name("GELEN EFT YAMAN PETROL ITHALAT IHRACAT SANAYI VE TIC").complete


def test_text_key_drops_what_changes_from_month_to_month():
    assert text_key("SGK PRİM ÖDEMESİ 2025/11 REF 88") == "SGK PRIM ODEMESI REF"
    assert text_key("SGK PRIM ODEMESI 2025/12 REF 91") == "SGK PRIM ODEMESI REF"
