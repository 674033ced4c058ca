"""Turkish company and person names, and how ERPs and banks spell them.

A name is kept as a list of *phrases*: the full words and the abbreviations people and bank
systems use for them (``SANAYİ VE TİCARET`` → ``SAN. VE TİC.``, ``SAN.TİC.`` …). The directory
(the ERP's counterparty card) spells a name once, in one house style; every bank movement spells
it again its own way: abbreviated differently, legal form dropped, flattened to ASCII, cut at the
bank's field width, now and then with a typo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

Phrase = tuple[str, tuple[str, ...]]
"""(full spelling, abbreviations)."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SAN_TIC: Phrase = (
    "SANAYİ VE TİCARET",
    ("SAN. VE TİC.", "SAN.VE TİC.", "SAN. TİC.", "SAN.TİC.", "SAN VE TİC", "SAN TİC", "SN. VE TC.",
     "SANAYİ TİCARET"),
)  # fmt: skip
TIC: Phrase = ("TİCARET", ("TİC.", "TİC", "TC."))
LTD: Phrase = (
    "LİMİTED ŞİRKETİ",
    ("LTD. ŞTİ.", "LTD.ŞTİ.", "LTD ŞTİ", "LTD.ŞTİ", "LTD.", "LİMİTED ŞTİ.", "LTD. ŞİRKETİ"),
)
AS: Phrase = ("ANONİM ŞİRKETİ", ("A.Ş.", "A.Ş", "AŞ", "A. Ş.", "ANONİM ŞTİ."))
ITH_IHR: Phrase = ("İTHALAT İHRACAT", ("İTH. İHR.", "İTH.İHR.", "İTH İHR", "İTHALAT VE İHRACAT"))
PAZ: Phrase = ("PAZARLAMA", ("PAZ.", "PZR."))
DIS_TIC: Phrase = ("DIŞ TİCARET", ("DIŞ TİC.", "DIŞ TİC"))
LEGAL = {SAN_TIC, TIC, LTD, AS, ITH_IHR, PAZ, DIS_TIC}
ERP_SPELLING = {SAN_TIC: "SAN. VE TİC.", TIC: "TİC.", LTD: "LTD. ŞTİ.", AS: "A.Ş.",
                ITH_IHR: "İTH. İHR.", PAZ: "PAZ.", DIS_TIC: "DIŞ TİC."}  # fmt: skip

SECTORS: tuple[Phrase, ...] = (
    ("İNŞAAT", ("İNŞ.", "İNŞ", "INŞ.")), ("TAAHHÜT", ("TAAH.", "TAAHH.")), ("GIDA", ()),
    ("TEKSTİL", ("TEKS.", "TEKST.")), ("LOJİSTİK", ("LOJ.",)), ("NAKLİYAT", ("NAK.", "NAKL.")),
    ("OTOMOTİV", ("OTO.", "OTOM.")), ("ELEKTRİK", ("ELEK.", "ELK.")),
    ("ELEKTRONİK", ("ELEKTR.", "ELKT.")), ("MAKİNA", ("MAK.", "MAKİNE")), ("MOBİLYA", ("MOB.",)),
    ("KİMYA", ("KİM.",)), ("PLASTİK", ("PLAS.", "PLST.")), ("AMBALAJ", ("AMB.",)),
    ("TURİZM", ("TUR.",)), ("ENERJİ", ("ENRJ.",)), ("MADENCİLİK", ("MAD.",)), ("TARIM", ()),
    ("HAYVANCILIK", ("HAYV.",)), ("BİLİŞİM", ("BİL.",)), ("YAZILIM", ("YAZ.",)),
    ("DANIŞMANLIK", ("DAN.", "DANIŞ.")), ("MÜHENDİSLİK", ("MÜH.",)), ("MEDİKAL", ("MED.",)),
    ("İLAÇ", ()), ("KOZMETİK", ("KOZM.",)), ("METAL", ("MET.",)), ("DEMİR ÇELİK", ("DEMİR ÇEL.",)),
    ("HIRDAVAT", ("HIRD.",)), ("YAPI MALZEMELERİ", ("YAPI MALZ.", "YAPI MLZ.")),
    ("PETROL", ("PET.",)), ("AKARYAKIT", ("AKARY.",)), ("MATBAACILIK", ("MATB.",)),
    ("REKLAMCILIK", ("REKL.",)), ("ORGANİZASYON", ("ORG.",)), ("GÜVENLİK", ("GÜV.",)),
    ("TEMİZLİK", ("TEM.",)), ("EMLAK", ("EML.",)), ("SAĞLIK HİZMETLERİ", ("SAĞ. HİZ.", "SAĞLIK HİZ.")),
    ("BİLGİ TEKNOLOJİLERİ", ("BİLGİ TEKN.", "BİLGİ TEK.")), ("TARIM ÜRÜNLERİ", ("TARIM ÜRN.",)),
    ("ORMAN ÜRÜNLERİ", ("ORMAN ÜRN.",)), ("CAM", ()), ("SERAMİK", ("SER.",)), ("DERİ", ()),
    ("KAĞITÇILIK", ("KAĞ.",)), ("YEM", ()), ("SÜT ÜRÜNLERİ", ("SÜT ÜRN.",)), ("UN", ()),
    ("MERMER", ("MERM.",)), ("ISI SİSTEMLERİ", ("ISI SİST.",)), ("SOĞUTMA", ("SOĞ.",)),
    ("ASANSÖR", ("ASANS.",)), ("HALI", ()), ("KUYUMCULUK", ("KUYUM.",)), ("OPTİK", ()),
    ("GÜBRE", ()), ("TOHUMCULUK", ("TOH.",)), ("KAUÇUK", ("KAUÇ.",)), ("BOYA", ()),
)  # fmt: skip

SURNAMES = _words("""YILMAZ KAYA DEMİR ŞAHİN ÇELİK YILDIZ YILDIRIM ÖZTÜRK AYDIN ÖZDEMİR ARSLAN DOĞAN
KILIÇ ASLAN ÇETİN KARA KOÇ KURT ÖZKAN ŞİMŞEK POLAT ÖZCAN KORKMAZ ÇAKIR ERDOĞAN YAVUZ CAN ACAR
ŞEN AKTAŞ GÜLER YALÇIN GÜNEŞ BOZKURT BULUT KESKİN ÜNAL TURAN GÜL ÖZER IŞIK KAPLAN AVCI SARI
TEKİN TAŞ KÖSE YÜKSEL ATEŞ AKSOY ALTUN ERDEM KARAKAYA ÇİFTÇİ UÇAR BAŞARAN ORHAN TUNÇ KAHRAMAN
AKIN DURMAZ GÖKÇE ERGÜN KOCA AKBULUT SEVİNÇ KILINÇ ÖZGÜR DEMİRCİ KARATAŞ ÇOBAN TOPRAK GÜNDOĞDU
KARADAĞ UYSAL OĞUZ ALKAN SÖNMEZ AYGÜN ÇALIŞKAN BAYRAM DİNÇ ERTÜRK METİN KARABULUT ÖZBEK
KARAKUŞ AKGÜL TAŞKIN BİLGİN GÜRBÜZ ERDEMİR ÇAĞLAR SAYGILI YURT BAYSAL CEYLAN DURAN EKİNCİ
AKKAYA SEZER ÖZEN KOÇAK ERCAN BAŞ KARACA ATEŞOĞLU KARAOĞLU TÜRKMEN ŞAHİNER ÖZYURT YILMAZER
KAYACAN DEMİRTAŞ ÇELİKTEN GÜNAY AKDAĞ ERKAN ESEN TOPÇU SAĞLAM ASLANTAŞ ARSLANOĞLU""")
FIRST_NAMES = _words("""MEHMET AHMET MUSTAFA ALİ HÜSEYİN HASAN İBRAHİM İSMAİL OSMAN YUSUF MURAT ÖMER
RAMAZAN HALİL SÜLEYMAN ABDULLAH MAHMUT EMRE BURAK SERKAN ERKAN KEMAL CEMAL FATİH VOLKAN TOLGA
UĞUR GÖKHAN ONUR ŞÜKRÜ RECEP ERDAL İLKER ÇAĞLAR SELİM TUNCAY CENGİZ LEVENT HAKAN KORAY FATMA
AYŞE EMİNE HATİCE ZEYNEP ELİF MERVE ÖZLEM SEVGİ GÜLSÜM ŞERİFE SULTAN HÜLYA DERYA ESRA BÜŞRA
TUĞBA ÇİĞDEM NURCAN GÜLAY SİBEL SEDA GAMZE PINAR DİLEK NESRİN ŞULE FİLİZ YASEMİN AYTEN""")
SECOND_NAMES = _words("ALİ CAN NUR GÜL EMİN KEMAL CAN FARUK SELİM TAHİR ZEHRA SU NAZ")
PLACES = _words("""ANADOLU EGE MARMARA KARADENİZ AKDENİZ BOĞAZİÇİ TOROS ERCİYES ULUDAĞ KAPADOKYA TRAKYA
ÇUKUROVA FIRAT DİCLE KAÇKAR PALANDÖKEN BURSA KONYA İZMİR ANTALYA GAZİANTEP KOCAELİ SAKARYA
ESKİŞEHİR DENİZLİ MANİSA HATAY ADANA SAMSUN TRABZON""")
BRANDS = _words("""ÇAĞDAŞ GÜVEN ÖNDER ATLAS YENİ ALTIN GÜNEY KUZEY UMUT BEREKET ASYA AVRUPA DOĞU BATI ZİRVE
EKSEN MERKEZ ÖZGÜN İNCİ ELMAS PINAR YAKUT SAFİR ORKİDE LALE NERGİS ÇINAR NOVA MEGA TEKNO ARTI
DELTA OMEGA ALFA SİSTEM ÖZLEM BİRLİK İLKE ERA NET YÜCEL ÖZGE ÜNLÜ BAŞAK DEFNE ÇAĞ ŞAFAK TAN
YAMAN ASIL KALE KULE GÖKTÜRK ORKUN TUNA ARAS SEYHAN MERİÇ""")
SECOND_CORES: tuple[Phrase, ...] = (
    ("KARDEŞLER", ("KARD.", "KRD.")), ("VE OĞULLARI", ("VE OĞL.", "OĞULLARI")), ("GRUP", ()),
    ("YAPI", ()), ("ENDÜSTRİ", ("END.",)), ("TEKNİK", ("TEKN.",)),
)  # fmt: skip
SURNAME_HEADS = _words("ÖZ AK KARA GÜL YENİ ER TAŞ")
MONTHS = _words("OCAK ŞUBAT MART NİSAN MAYIS HAZİRAN TEMMUZ AĞUSTOS EYLÜL EKİM KASIM ARALIK")
CITIES = _words("İSTANBUL ANKARA İZMİR BURSA KONYA ADANA KAYSERİ MERSİN")

_TURKISH_TO_ASCII = str.maketrans("İIŞĞÜÖÇÂÎÛışğüöçâîû", "IISGUOCAIUisguocaiu")
_LOWER = str.maketrans("Iİ", "ıi")


def ascii_fold(text: str) -> str:
    """What a bank with an ASCII-only system prints: ``ÖZTÜRK İNŞ.`` → ``OZTURK INS.``."""
    return text.translate(_TURKISH_TO_ASCII)


def tr_title(text: str) -> str:
    """Title case the Turkish way (``YILMAZ İNŞAAT`` → ``Yılmaz İnşaat``), as some ERPs keep it."""
    words = []
    for word in text.split(" "):
        if word.count(".") > 1:  # "A.Ş." stays
            words.append(word)
            continue
        lower = word.translate(_LOWER).lower()
        words.append(lower[:1].replace("i", "İ").upper() + lower[1:])
    return " ".join(words)


@dataclass(slots=True)
class Name:
    """A counterparty's name as phrases. ``person`` is the account holder's name when the party is
    a person or a sole proprietorship (what banks print); ``trade`` the trade-name phrases."""

    trade: list[Phrase] = field(default_factory=list)
    person: list[Phrase] = field(default_factory=list)
    city: str = ""

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(full for full, _ in self.trade + self.person)

    def directory(self, style: str) -> str:
        """The title on the ERP card: ``full``, ``erp`` (legal forms abbreviated) or ``short``."""
        trade = " ".join(_directory_phrase(p, style) for p in self.trade)
        person = " ".join(full for full, _ in self.person)
        text = " - ".join(part for part in (person, trade) if part) if self.person else trade
        return f"{text} - {self.city}" if self.city else text


def _directory_phrase(phrase: Phrase, style: str) -> str:
    full, abbreviations = phrase
    if style == "full" or not abbreviations:
        return full
    if phrase in ERP_SPELLING:
        return ERP_SPELLING[phrase]
    return abbreviations[0] if style == "short" else full


def firm(rng: random.Random, *, core: list[Phrase] | None = None) -> Name:
    """A company: core words, one to three sector words, connectors and a legal form."""
    if core is None:
        core = [_core_word(rng)]
        if rng.random() < 0.18:
            core.append(rng.choice(SECOND_CORES) if rng.random() < 0.6 else _core_word(rng))
    sectors = rng.sample(SECTORS, rng.choice((1, 1, 1, 2, 2, 3)))
    if rng.random() < 0.15:
        sectors = [SECTORS[0], SECTORS[1]]  # "İNŞAAT TAAHHÜT", the classic pair
    return Name(trade=core + sectors + legal_tail(rng))


def legal_tail(rng: random.Random) -> list[Phrase]:
    tail: list[Phrase] = []
    draw = rng.random()
    if draw < 0.15:
        tail.append(ITH_IHR)
    elif draw < 0.25:
        tail.append(PAZ)
    elif draw < 0.30:
        tail.append(DIS_TIC)
    draw = rng.random()
    if draw < 0.55:
        tail.append(SAN_TIC)
    elif draw < 0.80:
        tail.append(TIC)
    tail.append(LTD if rng.random() < 0.65 else AS)
    return tail


def surname(rng: random.Random) -> str:
    """A surname; some compound (``ÖZ`` + ``KAYA``), as many Turkish surnames are."""
    if rng.random() < 0.15:
        return rng.choice(SURNAME_HEADS) + rng.choice(SURNAMES)
    return rng.choice(SURNAMES)


def _core_word(rng: random.Random) -> Phrase:
    draw = rng.random()
    if draw < 0.55:
        return (surname(rng), ())
    return (rng.choice(PLACES if draw < 0.75 else BRANDS), ())


def person(rng: random.Random) -> Name:
    names: list[Phrase] = [(rng.choice(FIRST_NAMES), ())]
    if rng.random() < 0.2:
        second = rng.choice(SECOND_NAMES)
        names.append((second, (second[0] + ".",)))
    return Name(person=[*names, (surname(rng), ())])


def sole_proprietorship(rng: random.Random) -> Name:
    """``AHMET YILMAZ - YILMAZ ELEKTRİK``: a person's firm; banks show the person."""
    holder = person(rng)
    core = holder.person[-1] if rng.random() < 0.7 else _core_word(rng)
    sectors = rng.sample(SECTORS, rng.choice((1, 1, 2)))
    tail = [TIC] if rng.random() < 0.4 else []
    return Name(trade=[core, *sectors, *tail], person=holder.person)


@dataclass(frozen=True, slots=True)
class Spelling:
    """How one bank movement spells a name."""

    drop_legal: bool = False
    full_share: float = 0.35
    """Chance of a phrase keeping its full spelling."""
    ascii: bool = False
    width: int = 0
    """The bank's field width; 0 for none."""
    typo: bool = False
    surname_first: bool = False
    trade_name: bool = False
    """For a sole proprietorship: the trade name instead of the holder's name."""


def bank_spelling(name: Name, spelling: Spelling, rng: random.Random) -> str:
    if name.person and not (spelling.trade_name and name.trade):
        words = [_bank_phrase(p, 0.8, rng) for p in name.person]
        if spelling.surname_first:
            words = words[-1:] + words[:-1]
    else:
        words = []
        for phrase in name.trade:
            if spelling.drop_legal and phrase in LEGAL:
                continue
            words.append(_bank_phrase(phrase, spelling.full_share, rng))
    if spelling.typo:
        words = _with_typo(words, rng)
    text = " ".join(w for w in words if w)
    if spelling.ascii:
        text = ascii_fold(text)
    if spelling.width and len(text) > spelling.width:
        text = text[: spelling.width].rstrip()
    return text


def _bank_phrase(phrase: Phrase, full_share: float, rng: random.Random) -> str:
    full, abbreviations = phrase
    if not abbreviations or rng.random() < full_share:
        return full
    return rng.choice(abbreviations)


def _with_typo(words: list[str], rng: random.Random) -> list[str]:
    """One typing mistake in one of the first two long words: letters swapped, dropped or
    doubled."""
    long_words = [i for i, w in enumerate(words[:3]) if len(w) >= 5 and "." not in w]
    if not long_words:
        return words
    index = rng.choice(long_words)
    word = words[index]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind < 0.8:
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    return [*words[:index], word, *words[index + 1 :]]
