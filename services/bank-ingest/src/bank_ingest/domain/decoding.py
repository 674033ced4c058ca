"""Bytes to text, the one place a statement's encoding is decided.

An encoding is a per-connection setting. ``auto`` (the default) reads the file as UTF-8 when every
byte sequence in it is valid UTF-8, else as windows-1254 (Turkish Windows). A named encoding is
used as named — but a single-byte encoding applied to a file that is valid UTF-8 with non-ASCII
characters would turn ``Ş`` into ``Å\x9e`` without a word, so that is refused instead.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from typing import BinaryIO, Literal

from .statement import ParseError

Encoding = Literal["auto", "utf-8", "windows-1254", "iso-8859-9", "iso-8859-1", "cp852", "ascii"]
ENCODINGS: tuple[str, ...] = Encoding.__args__  # type: ignore[attr-defined]
CHUNK = 1 << 20

# SWIFT transmissions wrap messages in SOH/ETX and pad with NULs; the form feed shows up in
# printed exports. Dropped before parsing, they are never part of a field.
_CONTROL = re.compile("[\x00-\x04\x0c\x1a]")


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
    start = stream.tell()
    reader = io.TextIOWrapper(
        stream, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=None
    )
    try:
        for line in reader:
            line = line.rstrip("\n")
            yield _CONTROL.sub("", line) if _CONTROL.search(line) else line
    except UnicodeDecodeError as exc:
        stream.seek(start)
        raise _undecodable(stream, encoding) from exc
    finally:
        reader.detach()


def _undecodable(stream: BinaryIO, encoding: str) -> ParseError:
    """The error for the first line that does not decode — found again line by line, because the
    fast reader decodes in chunks and can't tell which line it was in."""
    for number, raw in enumerate(stream, start=1):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError as exc:
            return ParseError(
                f"byte {raw[exc.start : exc.end]!r} is not valid {encoding}", line=number
            )
    return ParseError(f"the file is not valid {encoding}")


def decode(data: bytes, setting: str = "auto") -> str:
    """Whole-text form of :func:`text_lines`, for small inputs and tests."""
    return "\n".join(text_lines(io.BytesIO(data), setting))
