"""One entry point for every statement format: detect, decode, parse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal

from .archive import iter_members
from .camt import parse_camt
from .decoding import resolve_encoding, text_lines
from .detect import HEAD_SIZE, detect_format
from .mt940 import parse_mt940
from .statement import ParseError, StatementPart
from .tabular import ColumnMapping, parse_tabular

FormatSetting = Literal["auto", "mt940", "camt", "excel", "csv"]
FORMAT_SETTINGS: tuple[str, ...] = FormatSetting.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ReadOptions:
    format: FormatSetting = "auto"
    encoding: str = "auto"
    column_mapping: ColumnMapping | None = None
    account: str = ""
    """The account for spreadsheets that don't name it (IBAN or local number)."""


@dataclass
class Reading:
    """What :func:`read_statements` found out about the file while parsing it."""

    format: str = ""
    encoding: str = ""


def read_statements(
    stream: BinaryIO, options: ReadOptions, reading: Reading
) -> Iterator[StatementPart]:
    """Parts of every statement in ``stream`` (a seekable binary file at position 0)."""
    kind = _kind(stream, options)
    if kind != "zip":
        reading.format = kind
    if kind == "mt940":
        reading.encoding = resolve_encoding(stream, options.encoding)
        yield from parse_mt940(text_lines(stream, reading.encoding))
    elif kind == "camt":
        reading.encoding = reading.encoding or "xml"
        yield from parse_camt(stream)
    elif kind == "zip":
        for name, member in iter_members(stream):
            try:
                yield from read_statements(member, options, reading)
            except ParseError as exc:
                raise ParseError(f"{name}: {exc.reason}", line=exc.line, field=exc.field) from exc
    else:
        if options.column_mapping is None:
            raise ParseError(
                f"{kind} statements need a column mapping: create a connection with one and "
                "upload with its connection_id"
            )
        reading.encoding = "xlsx" if kind != "csv" else resolve_encoding(stream, options.encoding)
        yield from parse_tabular(
            stream,
            options.column_mapping,
            kind="csv" if kind == "csv" else "excel",
            encoding=reading.encoding if kind == "csv" else "auto",
            account=options.account,
        )


def _kind(stream: BinaryIO, options: ReadOptions) -> str:
    if options.format in ("csv", "excel"):
        return options.format  # xlsx, xls and ods alike: calamine tells them apart
    head = stream.read(HEAD_SIZE)
    stream.seek(0)
    detected = detect_format(head)
    if options.format == "auto" or detected == "zip":
        return "excel" if detected == "xlsx" else detected
    if detected != options.format:
        raise ParseError(f"the connection expects {options.format} but the file is {detected}")
    return detected
