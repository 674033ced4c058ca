"""Document types, and the default one for a bank transaction code (LogoConnect's "Banka İşlem
Kodları"): each tenant may override any code; what it doesn't override comes from here."""

from __future__ import annotations

from enum import StrEnum


class DocumentType(StrEnum):
    INCOMING_TRANSFER = "incoming_transfer"
    """Gelen havale/EFT."""
    OUTGOING_TRANSFER = "outgoing_transfer"
    """Gönderilen havale/EFT."""
    VIRMAN = "virman"
    POS_COLLECTION = "pos_collection"
    BANK_FEE = "bank_fee"
    TAX_PAYMENT = "tax_payment"
    """Vergi / SGK ödemesi."""
    CHEQUE = "cheque"
    CREDIT_CARD = "credit_card"
    LOAN = "loan"
    INTEREST = "interest"
    OTHER = "other"


TITLES = {
    DocumentType.INCOMING_TRANSFER: "Gelen Havale/EFT",
    DocumentType.OUTGOING_TRANSFER: "Gönderilen Havale/EFT",
    DocumentType.VIRMAN: "Virman",
    DocumentType.POS_COLLECTION: "POS Tahsilatı",
    DocumentType.BANK_FEE: "Banka Masrafı",
    DocumentType.TAX_PAYMENT: "Vergi/SGK Ödemesi",
    DocumentType.CHEQUE: "Çek",
    DocumentType.CREDIT_CARD: "Kredi Kartı",
    DocumentType.LOAN: "Kredi",
    DocumentType.INTEREST: "Faiz",
    DocumentType.OTHER: "Diğer",
}

TRANSFER = (DocumentType.INCOMING_TRANSFER, DocumentType.OUTGOING_TRANSFER)
SAME = {t: (t, t) for t in DocumentType}

DEFAULT_CODES: dict[str, tuple[DocumentType, DocumentType]] = {
    # SWIFT MT940 :61: codes (after the N/F/S prefix): (incoming, outgoing)
    "TRF": TRANSFER, "TRN": TRANSFER, "MSC": TRANSFER, "STO": TRANSFER, "DDT": TRANSFER,
    "SAL": TRANSFER, "EFT": TRANSFER, "HVL": TRANSFER,
    "CHG": SAME[DocumentType.BANK_FEE], "COM": SAME[DocumentType.BANK_FEE],
    "CMS": SAME[DocumentType.BANK_FEE], "CHK": SAME[DocumentType.CHEQUE],
    "CLR": SAME[DocumentType.CHEQUE], "TCK": SAME[DocumentType.CHEQUE],
    "INT": SAME[DocumentType.INTEREST], "TAX": SAME[DocumentType.TAX_PAYMENT],
    "POS": SAME[DocumentType.POS_COLLECTION], "CMZ": SAME[DocumentType.POS_COLLECTION],
    "LDP": SAME[DocumentType.LOAN], "LBX": SAME[DocumentType.LOAN],
    "CCR": SAME[DocumentType.CREDIT_CARD],
    # ISO 20022 sub-family codes (CAMT BkTxCd Domn/Fmly/SubFmlyCd)
    "RCDT": TRANSFER, "ICDT": TRANSFER, "ESCT": TRANSFER, "DMCT": TRANSFER,
    "CHRG": SAME[DocumentType.BANK_FEE], "FEES": SAME[DocumentType.BANK_FEE],
    "POSD": SAME[DocumentType.POS_COLLECTION], "POSP": SAME[DocumentType.POS_COLLECTION],
    "CCRD": SAME[DocumentType.CREDIT_CARD], "TAXE": SAME[DocumentType.TAX_PAYMENT],
    "INTR": SAME[DocumentType.INTEREST], "CCHQ": SAME[DocumentType.CHEQUE],
}  # fmt: skip


def default_document_type(code: str, incoming: bool) -> DocumentType:
    """The built-in document type for a transaction code: ``NTRF`` incoming → incoming transfer,
    ``NCHG`` → bank fee, ``PMNT/RCDT/ESCT`` → incoming transfer; unknown codes → transfer."""
    for part in _parts(code.upper()):
        if pair := DEFAULT_CODES.get(part):
            return pair[0] if incoming else pair[1]
    return TRANSFER[0] if incoming else TRANSFER[1]


def _parts(code: str) -> list[str]:
    parts = [p for p in code.replace("-", "/").split("/") if p]
    found = []
    for part in reversed(parts):  # the most specific sub-family first
        found.append(part)
        if len(part) == 4 and part[0] in "NFS":
            found.append(part[1:])
    return found
