"""Hostile files, made cheaply: zip members that inflate to a gigabyte from a megabyte, XML that
expands or reaches for local files; and a watch on this process's memory while they are fed in."""

from __future__ import annotations

import io
import struct
import threading
import time
import zipfile
import zlib
from types import TracebackType

_BLOCK = bytes(1 << 20)


def deflated_zeros(size_mb: int) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``size_mb`` MiB of zero bytes, its CRC-32 and its size, made
    without deflating a gigabyte: after a full flush the compressor's output for the next MiB
    of zeros is the same bytes again, so one flushed MiB is repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(_BLOCK) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(_BLOCK) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert zlib.decompressobj(-15).decompress(first + again) == _BLOCK * 2
    raw = first + again * (size_mb - 1) + compressor.flush()
    crc = 0
    for _ in range(size_mb):
        crc = zlib.crc32(_BLOCK, crc)
    return raw, crc, size_mb << 20


def with_bomb(archive: bytes, name: str, size_mb: int) -> bytes:
    """``archive`` with member ``name`` (added or replaced) honestly declared as ``size_mb`` MiB
    of zeros, deflated to about a thousandth of that."""
    raw, crc, size = deflated_zeros(size_mb)
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        stored = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
        target.writestr(stored, raw, compress_type=zipfile.ZIP_STORED)
    data = bytearray(out.getvalue())
    encoded = name.encode()
    # Declare the stored bytes as deflated: method 8, the zeros' CRC and size, in both headers.
    local = _find(data, b"PK\x03\x04", 26, 30, encoded)
    struct.pack_into("<HHHI", data, local + 8, 8, 0, 0x21, crc)
    struct.pack_into("<I", data, local + 22, size)
    central = _find(data, b"PK\x01\x02", 28, 46, encoded)
    struct.pack_into("<HHHI", data, central + 10, 8, 0, 0x21, crc)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def _find(data: bytearray, signature: bytes, length_at: int, name_at: int, name: bytes) -> int:
    at = data.find(signature)
    while at >= 0:
        length = struct.unpack_from("<H", data, at + length_at)[0]
        if bytes(data[at + name_at : at + name_at + length]) == name:
            return at
        at = data.find(signature, at + 4)
    raise AssertionError(f"{name!r} not in the zip")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY a "lollollollollollollollollollol">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
  <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
  <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
"""


def camt053(iban: str, *, doctype: bytes = b"", note: str = "EFT") -> bytes:
    """A small CAMT.053 statement with one entry; ``doctype`` goes before the root element and
    ``note`` into the entry's additional information (where an entity would be expanded)."""
    return (
        doctype
        + f"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt><GrpHdr><MsgId>ATTACK-1</MsgId><CreDtTm>2025-11-03T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>ATTACK-STMT-1</Id><CreDtTm>2025-11-03T18:00:00</CreDtTm>
<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>TRY</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">100.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-11-02</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">150.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-11-03</Dt></Dt></Bal>
<Ntry><Amt Ccy="TRY">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2025-11-03</Dt></BookgDt><ValDt><Dt>2025-11-03</Dt></ValDt>
<BkTxCd/><AddtlNtryInf>{note}</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>
""".encode()
    )


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


class MemoryWatch:
    """The most this process's resident memory grew while the block ran (sampled every 5 ms)."""

    def __init__(self) -> None:
        self.baseline = self.peak = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self.baseline = self.peak = _rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.005)

    @property
    def grew_mb(self) -> float:
        return self.peak - self.baseline
