"""Just enough PDF reading to see the text fpdf2 wrote: its content streams are deflated, its
text shown as 2-byte glyph ids, mapped back to Unicode by each font's ToUnicode CMap."""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,})>")
_SHOWN = re.compile(rb"\((.*?)(?<!\\)\)\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


def texts(pdf: bytes) -> list[str]:
    """The shown text decoded with each font's map in turn (one of them is the right one)."""
    streams = []
    for match in _STREAM.finditer(pdf):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            streams.append(match.group(1))
    maps = [
        {int(code, 16): bytes.fromhex(uni.decode()).decode("utf-16-be") for code, uni in
         _BFCHAR.findall(stream)}
        for stream in streams
        if b"beginbfchar" in stream
    ]  # fmt: skip
    shown = [_unescape(raw) for stream in streams for raw in _SHOWN.findall(stream)]
    decoded = []
    for cmap in maps:
        parts = []
        for raw in shown:
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            parts.append("".join(cmap.get(code, "\ufffd") for code in codes))
        decoded.append("\n".join(parts))
    return decoded
