"""Streaming, defused XML reading for CAMT: one statement child at a time, with its line and text.

The document is fed to defusedxml's expat parser in chunks. A DOCTYPE (and with it any entity,
internal or external) is refused before anything else is read, so a billion-laughs file or one
pointing at ``file:///etc/passwd`` never expands. Elements are built namespace-free (``Ntry``, not
``{urn:...}Ntry``), so the same code reads every CAMT version. Each statement child (``Bal``,
``Ntry`` ...) is handed out when it ends, with the exact text the bank wrote for it, and then
dropped, so memory holds one entry at a time however many the file has.
"""

from __future__ import annotations

import codecs
import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Literal

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from .statement import ParseError

CHUNK = 1 << 16
STATEMENT_TAGS = frozenset({"Stmt", "Rpt", "Ntfctn"})
"""camt.053 statement, camt.052 report, camt.054 notification: the same shape for our purposes."""

# What may precede the document: a UTF-8 byte-order mark, whitespace, and the SOH/STX/ETX framing
# some transmission systems wrap files in. Expat refuses all of it before ``<?xml``.
_LEADING = b" \t\r\n\x01\x02\x03\x04\x0c\x1a"
_BOM = b"\xef\xbb\xbf"
_UTF16_CLOSE = {"utf-16-le": b">\x00", "utf-16-be": b"\x00>"}

EventKind = Literal["open", "child", "close"]
Event = tuple[EventKind, ET.Element, int, str]
"""(kind, element, line where it starts, its source text — for ``child`` events only)."""
RootCheck = Callable[[str, str, int], None]


class _Target:
    """Builds elements from expat's callbacks and queues statement-level events as they end."""

    def __init__(self, check_root: RootCheck, line_offset: int) -> None:
        self.tree = ET.TreeBuilder()
        self.events: list[Event] = []
        self.buffer = bytearray()
        self.base = 0  # offset in the document of buffer[0]
        self.child_start: int | None = None  # offset of the open statement child, if any
        self.encoding = "utf-8"
        self.check_root = check_root
        self.line_offset = line_offset

    def install(self, expat: Any) -> None:
        """Point expat's element callbacks at closures: they run once per element, where local
        names are measurably faster than attribute look-ups."""
        tree_start, tree_end, events = self.tree.start, self.tree.end, self.events
        top: list[ET.Element] = []  # the open elements of depth 1-3: document, message, statement
        lines: list[int] = []  # where each of them (and the open statement child) starts
        depth = 0
        in_statement = False
        names: dict[str, str] = {}

        def start(name: str, attributes: list[str]) -> None:
            nonlocal depth, in_statement
            local = names.get(name) or names.setdefault(name, name.rpartition("}")[2])
            node = tree_start(local, _attributes(attributes) if attributes else {})
            depth += 1
            if depth > 4:
                return
            line = expat.CurrentLineNumber + self.line_offset
            if depth == 4:
                if in_statement:
                    self.child_start = expat.CurrentByteIndex
                    lines.append(line)
                return
            if depth == 1:
                self.check_root(name.rpartition("}")[0], local, line)
            elif depth == 3:
                in_statement = local in STATEMENT_TAGS
                events.append(("open", node, line, ""))
            top.append(node)
            lines.append(line)

        def end(name: str) -> None:
            nonlocal depth
            node = tree_end(name)
            depth -= 1
            if depth > 3:
                return
            if depth == 3:
                if in_statement:
                    source = self.source(expat.CurrentByteIndex)
                    events.append(("child", node, lines.pop(), source))
                    top[-1].remove(node)
                return
            top.pop()
            line = lines.pop()
            if depth == 2:
                events.append(("close", node, line, ""))
                top[-1].remove(node)

        expat.StartElementHandler = start
        expat.EndElementHandler = end
        expat.XmlDeclHandler = self.xml_declaration

    def xml_declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        if encoding is None or self.encoding in _UTF16_CLOSE:
            return  # the byte-order mark said more than "UTF-16" does
        # An encoding Python does not know is one expat refuses too; until it does, keep UTF-8.
        with contextlib.suppress(LookupError):
            self.encoding = codecs.lookup(encoding).name

    def source(self, end_tag: int) -> str:
        """The text from the open statement child's ``<`` to its end tag's ``>``."""
        start = (self.child_start or 0) - self.base
        close = _UTF16_CLOSE.get(self.encoding, b">")
        end = self.buffer.find(close, end_tag - self.base) + len(close)
        self.child_start = None
        return self.buffer[start:end].decode(self.encoding, errors="replace")

    def keep_only_open_child(self) -> None:
        """Forget the bytes no open statement child needs any more."""
        keep = self.child_start if self.child_start is not None else self.base + len(self.buffer)
        del self.buffer[: keep - self.base]
        self.base = keep


def _attributes(flat: list[str]) -> dict[str, str]:
    """Expat's ``[name, value, ...]`` as a dict, qualified names as ElementTree writes them."""
    names = ("{" + key if "}" in key else key for key in flat[::2])
    return dict(zip(names, flat[1::2], strict=True))


def iter_events(stream: BinaryIO, check_root: RootCheck) -> Iterator[Event]:
    """``open``/``close`` for every element two levels below the root (``GrpHdr``, ``Stmt``...),
    ``child`` for every element directly inside a statement, in document order.

    ``check_root(namespace, local_name, line)`` sees the root element first and may refuse it.
    """
    chunk, skipped_lines = _skip_leading(stream)
    target = _Target(check_root, skipped_lines)
    parser = _parser(target, chunk)
    try:
        while chunk:
            target.buffer += chunk
            parser.feed(chunk)
            yield from _drain(target)
            target.keep_only_open_child()
            chunk = stream.read(CHUNK)
        parser.close()
        yield from _drain(target)
    except DefusedXmlException as exc:
        raise ParseError(
            "XML entities and DTDs (<!DOCTYPE ...>) are not accepted in a bank statement; "
            f"refused before expanding anything ({type(exc).__name__})"
        ) from exc
    except ET.ParseError as exc:
        line = exc.position[0] + skipped_lines
        raise ParseError(f"malformed XML: {_expat_message(exc)}", line=line) from exc
    except (LookupError, ValueError) as exc:  # expat's verdict on the declared encoding
        raise ParseError(
            f"the XML declares an encoding we cannot read ({exc}); use UTF-8", line=1
        ) from exc


def _parser(target: _Target, first: bytes) -> DefusedXMLParser:
    """defusedxml's parser, its element callbacks pointed straight at ``target``.

    The DOCTYPE/entity guards defusedxml installs stay in place; only the per-element work skips
    ElementTree's pure-Python layer, which would otherwise double the parse time.
    """
    parser = DefusedXMLParser(target=target.tree, forbid_dtd=True)
    target.install(parser.parser)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        target.encoding = "utf-16-le" if first.startswith(b"\xff\xfe") else "utf-16-be"
    return parser


def _drain(target: _Target) -> Iterator[Event]:
    events = target.events[:]
    target.events.clear()
    yield from events


def _skip_leading(stream: BinaryIO) -> tuple[bytes, int]:
    """The first chunk without leading BOM/whitespace/framing bytes, and the newlines dropped."""
    chunk = stream.read(CHUNK)
    if chunk.startswith(_BOM):
        chunk = chunk[len(_BOM) :]
    skipped = 0
    while chunk:
        stripped = chunk.lstrip(_LEADING)
        skipped += chunk[: len(chunk) - len(stripped)].count(b"\n")
        if stripped:
            return stripped, skipped
        chunk = stream.read(CHUNK)
    return b"", skipped


def _expat_message(exc: ET.ParseError) -> str:
    """Expat's message without its own ``line N, column M`` suffix (we report the line)."""
    return str(exc).split(": line ")[0]
