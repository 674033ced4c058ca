"""Small CAMT documents built in code, for the CAMT tests (not a test module itself)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from bank_ingest.domain.camt import parse_camt
from bank_ingest.domain.statement import Statement, collect

ACCOUNT = "TR330006100519786457841326"
OTHER_IBAN = "TR320010009999901234567890"
VKN = "1234567890"  # check digit valid
NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def document(*statements: str, namespace: str = NAMESPACE, header: str = "") -> bytes:
    group = header or "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-03-01T18:00:00</CreDtTm></GrpHdr>"
    body = "\n".join(statements)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{namespace}">\n<BkToCstmrStmt>\n{group}\n{body}\n'
        "</BkToCstmrStmt>\n</Document>\n"
    ).encode()


def balance(code: str, amount: str, *, indicator: str = "CRDT", day: str = "2024-03-01") -> str:
    mark = f"<CdtDbtInd>{indicator}</CdtDbtInd>" if indicator else ""
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="TRY">{amount}</Amt>{mark}<Dt><Dt>{day}</Dt></Dt></Bal>'
    )


def statement(
    *entries: str,
    balances: tuple[str, ...] = (),
    account: str = ACCOUNT,
    extra: str = "",
    identifier: str = "S1",
) -> str:
    return (
        f"<Stmt><Id>{identifier}</Id><ElctrncSeqNb>7</ElctrncSeqNb>{extra}"
        f"<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>TRY</Ccy></Acct>\n"
        + "\n".join(balances)
        + "\n"
        + "\n".join(entries)
        + "\n</Stmt>"
    )


def entry(
    amount: str | None = "10.00",
    indicator: str = "CRDT",
    *,
    status: str = "<Sts><Cd>BOOK</Cd></Sts>",
    booked: str = "<BookgDt><Dt>2024-03-01</Dt></BookgDt>",
    valued: str = "<ValDt><Dt>2024-03-02</Dt></ValDt>",
    details: str = "",
    extra: str = "",
) -> str:
    mark = f"<CdtDbtInd>{indicator}</CdtDbtInd>" if indicator else ""
    amt = f'<Amt Ccy="TRY">{amount}</Amt>' if amount is not None else ""
    return f"<Ntry>{amt}{mark}{extra}{status}{booked}{valued}{details}</Ntry>"


def transaction(
    *,
    debtor: str = "",
    debtor_iban: str = "",
    creditor: str = "",
    creditor_iban: str = "",
    text: str = "",
    end_to_end: str = "",
    party_id: str = "",
    reference: str = "",
) -> str:
    parts = []
    if end_to_end:
        parts.append(f"<Refs><EndToEndId>{end_to_end}</EndToEndId></Refs>")
    related = ""
    if debtor:
        related += f"<Dbtr><Pty><Nm>{debtor}</Nm>{party_id}</Pty></Dbtr>"
    if debtor_iban:
        related += f"<DbtrAcct><Id><IBAN>{debtor_iban}</IBAN></Id></DbtrAcct>"
    if creditor:
        related += f"<Cdtr><Pty><Nm>{creditor}</Nm>{party_id}</Pty></Cdtr>"
    if creditor_iban:
        related += f"<CdtrAcct><Id><IBAN>{creditor_iban}</IBAN></Id></CdtrAcct>"
    if related:
        parts.append(f"<RltdPties>{related}</RltdPties>")
    remittance = f"<Ustrd>{text}</Ustrd>" if text else ""
    if reference:
        remittance += f"<Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd>"
    if remittance:
        parts.append(f"<RmtInf>{remittance}</RmtInf>")
    return f"<TxDtls>{''.join(parts)}</TxDtls>"


def details(*transactions: str) -> str:
    return f"<NtryDtls>{''.join(transactions)}</NtryDtls>"


def parse(data: bytes) -> list[Statement]:
    return collect(parse_camt(io.BytesIO(data)))


class Generated(io.RawIOBase):
    """A camt.053 of ``count`` one-lira credits, produced while it is read: never whole in memory."""

    def __init__(self, count: int) -> None:
        self._chunks = self._produce(count)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._pending += chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    @staticmethod
    def _produce(count: int) -> Iterator[bytes]:
        opening = balance("OPBD", "0.00")
        closing = balance("CLBD", f"{count}.00", day="2024-03-31")
        head, tail = document(statement("@", balances=(opening, closing))).split(b"@")
        yield head
        batch = []
        for number in range(count):
            # Lean entries: the point is the count. Rich ones are the fixtures' business.
            batch.append(
                f'<Ntry><NtryRef>{number}</NtryRef><Amt Ccy="TRY">1.00</Amt>'
                "<CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-03-15</Dt></BookgDt></Ntry>"
            )
            if len(batch) == 500:
                yield "\n".join(batch).encode()
                batch = []
        yield "\n".join(batch).encode() + tail
