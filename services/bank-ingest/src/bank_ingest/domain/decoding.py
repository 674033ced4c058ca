"""Bytes to text, the one place a statement's encoding is decided.

An encoding is a per-connection setting. ``auto`` (the default) reads the file as UTF-8 when every
byte sequence in it is valid UTF-8, else as windows-1254 (Turkish Windows). A named encoding is
used as named — but a single-byte encoding applied to a file that is valid UTF-8 with non-ASCII
characters would turn ``Ş`` into ``Å\x9e`` without a word, so that is refused instead.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO, Literal

from .statement import ParseError

Encoding = Literal["auto", "utf-8", "windows-1254", "iso-8859-9", "iso-8859-1", "cp852", "ascii"]
ENCODINGS: tuple[str, ...] = Encoding.__args__  # type: ignore[attr-defined]
CHUNK = 1 << 20

# SWIFT transmissions wrap messages in SOH/ETX and pad with NULs; the form feed shows up in
# printed exports. Dropped before parsing, they are never part of a field.
_CONTROL = {c: None for c in (0x00, 0x01, 0x02, 0x03, 0x04, 0x0C, 0x1A)}


def is_utf8(stream: BinaryIO) -> tuple[bool, bool]:
    """(valid UTF-8, has non-ASCII bytes), read in chunks from the current position."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    non_ascii = False
    try:
        while chunk := stream.read(CHUNK):
            non_ascii = non_ascii or not chunk.isascii()
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, True
    return True, non_ascii


def resolve_encoding(stream: BinaryIO, setting: str = "auto") -> str:
    """The codec to read ``stream`` with; the stream is rewound afterwards."""
    if setting not in ENCODINGS:
        raise ParseError(f"unknown encoding {setting!r}; use one of {', '.join(ENCODINGS)}")
    start = stream.tell()
    valid_utf8, non_ascii = is_utf8(stream)
    stream.seek(start)
    if setting == "auto":
        return "utf-8" if valid_utf8 else "windows-1254"
    if setting in ("utf-8", "ascii"):
        if not valid_utf8 or (setting == "ascii" and non_ascii):
            raise ParseError(
                f"the file is not {setting}; set the connection's encoding to windows-1254 or "
                "iso-8859-9 (Turkish) or auto"
            )
        return "utf-8"
    if valid_utf8 and non_ascii:
        raise ParseError(
            f"the file is UTF-8 but the connection says {setting}; reading it as {setting} would "
            "garble its Turkish letters. Set the encoding to utf-8 or auto"
        )
    return setting


def text_lines(stream: BinaryIO, setting: str = "auto") -> Iterator[str]:
    """Decoded lines without their line ends (LF, CRLF or CR), control bytes removed."""
    encoding = resolve_encoding(stream, setting)
    number = 0
    for raw in stream:
        if number == 0 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"byte {raw[exc.start : exc.end]!r} is not valid {encoding}", line=number + 1
            ) from exc
        for line in text.rstrip("\r\n").split("\r"):  # a lone CR ends a line too
            number += 1
            yield line.translate(_CONTROL)


def decode(data: bytes, setting: str = "auto") -> str:
    """Whole-text form of :func:`text_lines`, for small inputs and tests."""
    return "\n".join(text_lines(io.BytesIO(data), setting))
