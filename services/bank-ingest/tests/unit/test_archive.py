"""Zipped statement bundles: what is read, what is skipped, what is refused."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from bank_ingest.domain.archive import guard_zip, iter_members, read_member
from bank_ingest.domain.statement import ParseError


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            if name.endswith("/"):
                archive.mkdir(name)
            else:
                archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def workbook() -> bytes:
    book = Workbook()
    book.active.append(["Tarih", "Tutar"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_members_in_order_without_folders_and_resource_forks() -> None:
    bundle = zipped(
        {
            "ekstre/": b"",
            "ekstre/a.xml": b"<Document/>",
            "__MACOSX/ekstre/._a.xml": b"\x00\x05\x16\x07",
            "ekstre/b.sta": b":20:X",
        }
    )
    found = [(name, member.read()) for name, member in iter_members(bundle)]
    assert found == [("ekstre/a.xml", b"<Document/>"), ("ekstre/b.sta", b":20:X")]


def test_members_are_seekable() -> None:
    [(_, member)] = list(iter_members(zipped({"a.txt": b"abc"})))
    assert member.read() == b"abc" and member.seek(0) == 0 and member.read(1) == b"a"


@pytest.mark.parametrize("name", ["inner.zip", "inner.dat"])
def test_a_zip_inside_the_zip_is_refused(name: str) -> None:
    inner = zipped({"a.xml": b"<Document/>"}).getvalue()
    with pytest.raises(ParseError, match="zip inside the zip"):
        list(iter_members(zipped({"ok.txt": b"x", name: inner})))


def test_an_excel_workbook_in_a_bundle_is_a_statement_not_a_nested_zip() -> None:
    [(name, member)] = list(iter_members(zipped({"ekstre.xlsx": workbook()})))
    assert name == "ekstre.xlsx" and member.read(2) == b"PK"


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(ParseError, match="not a readable zip file"):
        list(iter_members(io.BytesIO(b"<Document/>")))


def test_a_zip_bomb_is_refused_before_inflating() -> None:
    """200 MB of zeros, written in 1 MB steps: the archive is about 200 KB."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.xml", "w", force_zip64=True) as member,
    ):
        block = bytes(1 << 20)
        for _ in range(200):
            member.write(block)
    assert buffer.tell() < 1_000_000
    buffer.seek(0)
    with pytest.raises(ParseError, match="refused as a zip bomb"):
        list(iter_members(buffer))


def test_the_limits_on_count_and_total_size() -> None:
    with pytest.raises(ParseError, match="holds 3 files; at most 2"):
        guard_zip(zipped({"a": b"1", "b": b"2", "c": b"3"}), max_members=2)
    with pytest.raises(ParseError, match="would inflate to 3000 bytes; the limit is 2000"):
        guard_zip(zipped({"a": bytes(1500), "b": bytes(1500)}), max_total=2000)


def test_a_member_larger_than_its_directory_entry_says_is_refused() -> None:
    """The central directory claims 10 bytes; the data inflates to 5000. zipfile itself stops at
    the claimed size, and the checksum of the cut-off data gives the lie away."""
    data = bytearray(zipped({"lie.xml": b"A" * 5000}).getvalue())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)  # uncompressed size
    archive = guard_zip(io.BytesIO(bytes(data)))
    with pytest.raises(ParseError, match="'lie.xml' (is larger than|cannot be read.*CRC)"):
        read_member(archive, archive.infolist()[0])


def test_a_corrupt_member_is_refused() -> None:
    data = bytearray(zipped({"a.xml": b"<Document>" * 100}).getvalue())
    start = data.find(b"a.xml") + len("a.xml")
    data[start + 5 : start + 15] = bytes(10)
    with pytest.raises(ParseError, match="cannot be read from the zip"):
        list(iter_members(io.BytesIO(bytes(data))))
