"""shared.archive: the zip size guard and bounded member reads."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from shared.archive import SPREADSHEET_RATIO, ArchiveError, guard_zip, read_member


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def test_an_ordinary_zip_opens_and_its_members_read_whole() -> None:
    archive = guard_zip(zipped({"a.xml": b"<a/>" * 100, "b.txt": b"b"}))
    assert [read_member(archive, m) for m in archive.infolist()] == [b"<a/>" * 100, b"b"]


def test_archive_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a readable zip file"):
        guard_zip(io.BytesIO(b"not a zip at all"))


def test_the_limits_on_count_and_total_size() -> None:
    with pytest.raises(ArchiveError, match="holds 3 files; at most 2"):
        guard_zip(zipped({"a": b"1", "b": b"2", "c": b"3"}), max_members=2)
    with pytest.raises(ArchiveError, match="would inflate to 3000 bytes; the limit is 2000"):
        guard_zip(zipped({"a": bytes(1500), "b": bytes(1500)}), max_total=2000)


def test_a_high_ratio_member_is_refused_before_inflating() -> None:
    """4 MB of zeros deflate to about 4 KB: a thousandfold, where real files stay below 30x."""
    with pytest.raises(ArchiveError, match="'zeros.xml' inflates \\d+x; refused as a zip bomb"):
        guard_zip(zipped({"zeros.xml": bytes(4 << 20)}))


def test_spreadsheet_readers_pass_a_tighter_ratio() -> None:
    """A sheet deflated ~150x passes the default (statements in a zip) and is refused at the
    spreadsheet readers' ratio, which names the member, the ratio and the limit."""
    rows = b"".join(
        b"<row><c><v>%d</v></c></row>" % n if n % 30 == 0 else b"<row><c><v>1</v></c></row>"
        for n in range(200_000)
    )
    sheet = zipped({"xl/worksheets/sheet1.xml": rows})
    info = zipfile.ZipFile(sheet).getinfo("xl/worksheets/sheet1.xml")
    assert SPREADSHEET_RATIO < info.file_size / info.compress_size < 200
    guard_zip(sheet).close()
    sheet.seek(0)
    with pytest.raises(
        ArchiveError,
        match=r"'xl/worksheets/sheet1\.xml' inflates \d+x; refused as a zip bomb \(at most 100x",
    ):
        guard_zip(sheet, max_ratio=SPREADSHEET_RATIO)


def test_a_small_member_may_compress_well() -> None:
    """Below 1 MB a high ratio is harmless: an XML part of spaces."""
    archive = guard_zip(zipped({"spaces.xml": b" " * 500_000}))
    assert len(read_member(archive, archive.infolist()[0])) == 500_000


def test_read_member_with_a_limit_inflates_only_the_start() -> None:
    archive = guard_zip(zipped({"a.xml": b"<?xml?><root>" + b"x" * 100_000}))
    member = archive.infolist()[0]
    assert read_member(archive, member, limit=13) == b"<?xml?><root>"
    assert len(read_member(archive, member, limit=10**9)) == member.file_size


def test_a_member_larger_than_its_directory_entry_says_is_refused() -> None:
    data = bytearray(zipped({"lie.xml": b"A" * 5000}).getvalue())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)  # uncompressed size
    archive = guard_zip(io.BytesIO(bytes(data)))
    with pytest.raises(ArchiveError, match="'lie.xml' (is larger than|cannot be read.*CRC)"):
        read_member(archive, archive.infolist()[0])


def test_a_corrupt_member_is_refused() -> None:
    data = bytearray(zipped({"a.xml": b"<Document>" * 100}).getvalue())
    start = data.find(b"a.xml") + len("a.xml")
    data[start + 5 : start + 15] = bytes(10)
    archive = guard_zip(io.BytesIO(bytes(data)))
    with pytest.raises(ArchiveError, match="'a.xml' cannot be read from the zip"):
        read_member(archive, archive.infolist()[0])
