"""MT940/MT942 text to fields, one line at a time.

The tokenizer knows the SWIFT framing (``{1:…}{2:…}{4:`` … ``-}``) and which lines start a tag;
what a field's value means is :mod:`.mt940_fields`' business. It keeps at most one field in
memory, so a file of any length streams through.

A line starts a tag only when it begins with ``:`` and a tag id the ``mt940`` package knows
(``:20:``, ``:28C:``, ``:61:``, ``:NS:`` …): a wrapped ``:86:`` line reading ``:00:00/`` is text.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import NamedTuple

import mt940.tags

MESSAGE_START = "{"
"""Pseudo tag of a SWIFT block 4 start; ``lines[0]`` holds the message type (``940``, ``942``)."""
MESSAGE_END = "-"
"""Pseudo tag of a message trailer (``-}``, a lone ``-``, ING's ``-XXX``)."""
IGNORED = "?"
"""Pseudo tag of an unknown tag outside free text, kept out of the statement."""

FREE_TEXT = frozenset({"86", "NS"})
"""Fields whose continuation lines may start with ``:`` (a wrapped timestamp, ``:00:00/``)."""


class Field(NamedTuple):
    tag: str
    """Canonical id: ``20``, ``25``, ``28``, ``60F``, ``60M``, ``61``, ``62F``, ``62M``, ``64``,
    ``65``, ``86``, ``NS``, ``90D``, ``90C``, ``13``, ``34``, ``21`` or a pseudo tag."""
    head: str
    """The tag as written, with its colons (``:28C:``), for error messages and raw text."""
    lines: list[str]
    """The value's first line (after the tag) and the continuation lines, as in the file."""
    line: int
    """1-based line number of the tag."""


def _canonical_tags() -> dict[str, str]:
    """Written tag id → canonical id, derived from the mt940 package's tag registry.

    Like ``mt940``, an id with a letter the registry lacks (``28C``, ``13D``, ``34F``, ``NSF``)
    falls back to its two-character base.
    """
    known = {str(tag_id) for tag_id in mt940.tags.TAG_BY_ID}
    tags = {}
    for base in [t for t in known if len(t) == 2]:
        tags[base] = base
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            tags[base + letter] = base + letter if base + letter in known else base
    for name in ("60", "62"):  # a balance without F/M is read like the F form
        tags[name] = name + "F"
    del tags["90"]  # a sum without D/C cannot be signed
    return tags


_TAGS = _canonical_tags()


def _tag_of(line: str) -> tuple[str, int] | None:
    """(canonical tag, end of the head) when ``line`` starts a known tag."""
    end = line.find(":", 2, 6)
    if end < 0:
        return None
    tag = _TAGS.get(line[1:end])
    return None if tag is None else (tag, end + 1)


def _looks_like_tag(line: str) -> bool:
    end = line.find(":", 2, 6)
    return end > 0 and line[1:end].isalnum()


DASH = "-?"
"""Frame event of a line holding only ``-``: a trailer, or a wrapped ``:86:`` line (ING)."""

Frame = tuple[int, str, str | None]
"""(line number, text, frame event or None for a content line)."""


def _is_message_end(line: str) -> bool:
    text = line.rstrip()
    if text == "-XXX" or text.startswith("-}"):
        return True
    # "-å": a national ISO 646 variant of "-}" (Swedish å sits where ASCII has "}").
    return len(text) == 2 and not text[1].isascii()


def _blocks(text: str, depth: int) -> tuple[str | None, str, int, str | None]:
    """Walk SWIFT header blocks on one line.

    Returns (message type seen in block 2, text after ``{4:`` or "" if none, open brace depth
    carried to the next line, ``"4"`` when block 4 started).
    """
    kind = None
    pos = 0
    while pos < len(text):
        char = text[pos]
        if depth == 0:
            if text.startswith("{4:", pos):
                return kind, text[pos + 3 :], 0, "4"
            if char != "{":
                break
            if text.startswith("{2:", pos) and len(text) >= pos + 7 and text[pos + 3] in "IO":
                kind = text[pos + 4 : pos + 7]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        pos += 1
    return kind, "", depth, None


def _header(
    number: int, text: str, depth: int, kind: str
) -> Generator[Frame, None, tuple[int, str]]:
    """Frames of a header line; returns (open brace depth, message type) for the next line."""
    seen, rest, depth, block4 = _blocks(text, depth)
    kind = seen or kind
    if block4:
        yield number, kind, MESSAGE_START
        kind = "940"
        if rest.strip():
            yield number, rest, None
    return depth, kind


def _framed(lines: Iterable[str]) -> Iterator[Frame]:
    """(number, text, frame event) per content line; events are MESSAGE_START, MESSAGE_END and
    DASH. Header blocks are consumed here, including a header split over several lines and a
    block 4 whose first tag sits on the same line."""
    depth, kind = 0, "940"
    for number, line in enumerate(lines, 1):
        first = line[:1]
        if depth or (first == "{" and line[2:3] == ":" and line[1:2].isdigit()):
            depth, kind = yield from _header(number, line, depth, kind)
        elif first == "-" and line.rstrip() == "-":
            yield number, "-", DASH
        elif first == "-" and _is_message_end(line):
            yield number, "", MESSAGE_END
            rest = line.rstrip()[2:]
            if rest.startswith("{"):  # "-}{5:…}{1:…}{2:…}{4:" on one line
                depth, kind = yield from _header(number, rest, 0, kind)
        else:
            yield number, line, None


def _dash_ends_message(tag: str | None, text: str, event: str | None) -> bool | None:
    """Whether a ``-`` line before ``text`` ended the message: True, False (drop the dash) or
    None (keep it as a wrapped line of free text)."""
    if event is not None or not text.strip():
        return True
    found = _tag_of(text) if text[:1] == ":" else None
    if found is not None:
        return found[0] == "20"  # Rabobank: "… -" / "-" / ":62F:" is still the same statement
    if tag in FREE_TEXT or tag == "61":
        return None if not _looks_like_tag(text) else True
    return True


def tokenize(lines: Iterable[str]) -> Iterator[Field]:
    """Fields in file order. Blank lines are dropped; lines outside a field (preambles such as
    Bunq's ``BUNQNL2A``/``940`` or Rabobank's ``:940:``, trailers) are skipped.

    A line holding only ``-`` ends the message unless a tag other than ``:20:`` follows, or text
    follows inside ``:61:``/``:86:``/``:NS:``: ING wraps ``…MND-EV01`` as ``…MND`` / ``-`` /
    ``EV01``.
    """
    tag: str | None = None
    head = ""
    buf: list[str] = []
    start = 0
    dash = 0  # line number of a "-" inside free text, until the next line decides
    for number, text, event in _framed(lines):
        if dash:
            ends = _dash_ends_message(tag, text, event)
            if ends and tag is not None:
                yield Field(tag, head, buf, start)
            if ends:
                tag = None
                yield Field(MESSAGE_END, "", [""], dash)
            elif ends is None:
                buf.append("-")
            dash = 0
        if event is not None:
            if event == DASH:
                dash = number
                continue
            if tag is not None:
                yield Field(tag, head, buf, start)
            tag = None
            yield Field(event, "", [text], number)
            continue
        if text[:1] == ":":
            found = _tag_of(text)
            if found is None and tag not in FREE_TEXT and _looks_like_tag(text):
                found = (IGNORED, text.find(":", 2, 6) + 1)
            if found is not None:
                if tag is not None:
                    yield Field(tag, head, buf, start)
                tag, end = found
                head, buf, start = text[:end], [text[end:]], number
                continue
        if tag is not None and text and not text.isspace():
            buf.append(text)
    if tag is not None:
        yield Field(tag, head, buf, start)
    if dash:
        yield Field(MESSAGE_END, "", [""], dash)
