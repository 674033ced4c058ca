"""Reading an uploaded .xlsx: the checks before calamine, the header, and the rows."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from reconciliation.domain.datasets import COLUMNS, Dataset
from reconciliation.domain.workbook import WorkbookError, column_letter, read_rows

MOVEMENT_HEADERS = [column.header for column in COLUMNS[Dataset.MOVEMENTS]]
BABS_HEADERS = [column.header for column in COLUMNS[Dataset.BABS]]
SHEET = "xl/worksheets/sheet1.xml"


def xlsx(*rows: list, at: str = "A1", second_sheet: list | None = None) -> bytes:
    """A workbook whose first sheet holds ``rows`` from cell ``at`` down (None: an empty cell)."""
    book = Workbook()
    sheet = book.active
    first_column, first_row = ord(at[0]) - 64, int(at[1:])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.cell(row=first_row + r, column=first_column + c, value=value)
    if second_sheet is not None:
        book.create_sheet("İkinci").append(second_sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def movement(code: str = "120.01.005", amount: float = 100.0) -> list:
    return [code, "Musteri", None, "15.01.2025", None, None, "GIB1", "Fatura", amount, amount,
            "TRY", "Genel", "57000023461", "0", 14, f"K{code}{amount}"]  # fmt: skip


def read(data: bytes, dataset: Dataset = Dataset.MOVEMENTS, **kwargs) -> list[list]:
    return list(read_rows(io.BytesIO(data), dataset, **kwargs))


def rows_of(data: bytes, dataset: Dataset = Dataset.MOVEMENTS) -> list[tuple[int, tuple]]:
    return [row for block in read(data, dataset) for row in block]


def refusal(data: bytes, dataset: Dataset = Dataset.MOVEMENTS) -> str:
    with pytest.raises(WorkbookError) as caught:
        read(data, dataset)
    return str(caught.value)


def rezipped(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The workbook ``data`` with some of its parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, replace.pop(name, None) or source.read(name))
        for name, part in replace.items():
            target.writestr(name, part)
    return buffer.getvalue()


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def excel_like(rows: list[list[str]], shared_strings: bytes | None = None) -> bytes:
    """A workbook with its texts in xl/sharedStrings.xml as Excel writes them, xml:space="preserve"
    included (openpyxl writes inline strings instead); only the parts calamine needs."""
    texts = sorted({text for row in rows for text in row})
    sheet = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{column_letter(c)}{r}" t="s"><v>{texts.index(t)}</v></c>'
                  for c, t in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )  # fmt: skip
    strings = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in texts)
    return zip_of(
        {
            "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
            "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
            "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">'
            f"<sheetData>{sheet}</sheetData></worksheet>",
            "xl/sharedStrings.xml": shared_strings
            or f'<?xml version="1.0"?><sst xmlns="{MAIN}">{strings}</sst>',
        }
    )


def zip_of(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_rows_come_with_excel_row_numbers_and_none_for_empty_cells() -> None:
    data = xlsx(MOVEMENT_HEADERS, movement("120.01.001"), [], movement("120.01.002", -5.5))
    [(first, cells), (second, other)] = rows_of(data)
    assert (first, second) == (2, 4)  # row 3 is empty: skipped, and row 4 stays row 4
    assert cells == ("120.01.001", "Musteri", None, "15.01.2025", None, None, "GIB1", "Fatura",
                     100.0, 100.0, "TRY", "Genel", "57000023461", "0", 14.0,
                     "K120.01.001100.0")  # fmt: skip
    assert other[0] == "120.01.002" and other[8] == -5.5


def test_a_sheet_that_starts_lower_and_to_the_right_keeps_excels_row_numbers() -> None:
    data = xlsx(MOVEMENT_HEADERS, movement(), at="C4")
    [(number, cells)] = rows_of(data)
    assert number == 5 and cells[0] == "120.01.005" and len(cells) == 16


def test_cell_types_are_calamines_and_strings_are_not_stripped() -> None:
    row = movement()
    row[3], row[5], row[7] = date(2025, 1, 15), datetime(2025, 1, 16, 9, 30), "  Fatura "
    row[13] = True
    [(_, cells)] = rows_of(xlsx(MOVEMENT_HEADERS, row))
    assert cells[3] == date(2025, 1, 15) and type(cells[3]) is date
    assert cells[5] == datetime(2025, 1, 16, 9, 30)
    assert cells[7] == "  Fatura " and cells[13] is True


def test_rows_of_blank_strings_are_skipped_but_blank_cells_in_a_row_are_kept() -> None:
    partly = [str(cell) for cell in movement()]
    partly[1] = "   "
    data = excel_like([MOVEMENT_HEADERS, [" "] * 16, ["\t", *[" "] * 15], partly])
    [(number, cells)] = rows_of(data)
    assert number == 4 and cells[1] == "   " and cells[0] == "120.01.005"


def test_rows_come_in_blocks() -> None:
    data = xlsx(MOVEMENT_HEADERS, *(movement(f"120.01.{i:03d}") for i in range(5)))
    blocks = read(data, block_size=2)
    assert [len(block) for block in blocks] == [2, 2, 1]
    assert [number for block in blocks for number, _ in block] == [2, 3, 4, 5, 6]


def test_cells_right_of_the_template_are_cut_off() -> None:
    """Their header is empty (a header there is refused); a row with nothing else is empty."""
    data = xlsx(MOVEMENT_HEADERS, [*movement(), None, "not"], [None] * 17 + ["a note"])
    [(number, cells)] = rows_of(data)
    assert number == 2 and len(cells) == 16


def test_a_header_only_sheet_has_no_rows_but_an_empty_one_is_refused() -> None:
    assert read(xlsx(MOVEMENT_HEADERS, second_sheet=["x"])) == []  # the second sheet is not read
    assert refusal(xlsx()) == "the first sheet is empty"
    assert refusal(xlsx([" ", None, "  "])) == "the first sheet is empty"


def test_the_header_may_differ_in_case_spaces_and_turkish_letters() -> None:
    header = ["hesapkod", "CARITIP", " Cari Donem ", *BABS_HEADERS[3:]]
    row = ["120.01.005", "Musteri", "2025-01-Ocak", "15.01.2025", None, None, "A1", 10.0,
           "57000023461", "0", "BS", "K1"]  # fmt: skip
    [(number, cells)] = rows_of(xlsx(header, row), Dataset.BABS)
    assert number == 2 and cells[2] == "2025-01-Ocak"


def test_a_wrong_header_names_the_column() -> None:
    header = [*MOVEMENT_HEADERS]
    header[2] = "Bakiye Tarihi"
    assert refusal(xlsx(header)) == (
        "the header row (row 1) is not the Hesap Hareketleri template's: "
        'column C is "Bakiye Tarihi"; the template has "BakiyeTarih" there'
    )


def test_a_missing_and_an_extra_column() -> None:
    assert refusal(xlsx(MOVEMENT_HEADERS[:-1])).endswith('column P "KontrolKey" is missing')
    assert refusal(xlsx([*MOVEMENT_HEADERS, "Fazla"])).endswith(
        'column Q "Fazla" is not in the template'
    )


def test_trailing_empty_header_cells_are_ignored_but_not_an_empty_one_inside() -> None:
    assert read(xlsx([*MOVEMENT_HEADERS, None, None, " "])) == []
    header = [*MOVEMENT_HEADERS[:4], None, *MOVEMENT_HEADERS[5:]]
    assert refusal(xlsx(header)).endswith('column E is empty; the template has "KayitTarih" there')


def test_the_order_counts_and_the_message_says_where_a_column_belongs() -> None:
    header = [*MOVEMENT_HEADERS]
    header[2], header[3] = header[3], header[2]
    assert refusal(xlsx(header)).endswith(
        'column C is "BelgeTarih"; the template has "BakiyeTarih" there '
        '("BelgeTarih" belongs in column D: keep the template\'s column order)'
    )


def test_the_header_row_is_the_first_non_empty_one_and_letters_follow_the_sheet() -> None:
    message = refusal(xlsx(["HesapKod", "Yanlis"], at="B3"))
    assert message.startswith("the header row (row 3)")
    assert 'column C is "Yanlis"' in message


def test_another_data_sets_template_is_named() -> None:
    counterparty_headers = [column.header for column in COLUMNS[Dataset.COUNTERPARTIES]]
    assert refusal(xlsx(counterparty_headers)).endswith(
        "it is the Cari Kayıtlar template; import it as Cari Kayıtlar"
    )


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701)] == ["A", "Z", "AA", "ZZ"]


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole(*names: str) -> bytes:
    """An OLE compound file's header and first directory sector (version 3: 512-byte sectors)."""
    header = bytearray(512)
    header[:8] = OLE
    header[30:32] = (9).to_bytes(2, "little")  # sector shift
    header[48:52] = (0).to_bytes(4, "little")  # first directory sector
    directory = bytearray(512)
    for index, name in enumerate(("Root Entry", *names)):
        encoded = name.encode("utf-16-le")
        directory[index * 128 : index * 128 + len(encoded)] = encoded
    return bytes(header + directory)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"HesapKod;CariTip\n120.01.005;Musteri\n", "this is a text file (CSV?), not an .xlsx"),
        ("HesapKod;Unvan\n1;Öztürk\n".encode("utf-16"), "this is a text file (CSV?)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "this is a PDF, not an .xlsx file"),
        (b"\n<!DOCTYPE html><html><body><table>", "this is a web page (HTML)"),
        (b"<?xml version='1.0'?><Workbook>", "this is an XML file"),
        (bytes(range(256)) * 4, "this is not an .xlsx file: open it in Excel and save it"),
        (OLE + bytes(600), "this is an old Office 97-2003 file or a password-protected workbook"),
        (ole("Workbook", "\x05SummaryInformation"), "this is an old Excel 97-2003 workbook (.xls)"),
        (ole("EncryptionInfo", "EncryptedPackage"), "the workbook is password protected"),
    ],
)
def test_files_that_are_not_xlsx_are_refused_saying_what_they_are(data: bytes, reason: str) -> None:
    assert refusal(data).startswith(reason)


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"a.txt": b"x"}, "this is a zip, but not an Excel workbook"),
        ({"mimetype": b"application/vnd.oasis", "content.xml": b"<a/>"}, "an OpenDocument file"),
        ({"xl/workbook.bin": b"\x83\x01"}, "an Excel binary workbook (.xlsb)"),
    ],
)
def test_a_zip_must_be_an_excel_workbook(files: dict[str, bytes], reason: str) -> None:
    assert reason in refusal(zip_of(files))


def test_a_zip_bomb_member_is_refused_before_inflating() -> None:
    data = rezipped(xlsx(MOVEMENT_HEADERS), {"xl/media/zeros.bin": bytes(4 << 20)})
    assert re.fullmatch(
        r"the \.xlsx file cannot be opened safely: 'xl/media/zeros\.bin' inflates \d+x; "
        r"refused as a zip bomb \(at most 100x is accepted\); open it in Excel and save it as "
        r"\.xlsx \(Excel Workbook\) again",
        refusal(data),
    )


LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE sst [<!ENTITY lol0 "lol">{LAUGHS}]>
<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>""".encode()


def test_a_billion_laughs_shared_strings_part_is_refused() -> None:
    data = excel_like([MOVEMENT_HEADERS], shared_strings=BILLION_LAUGHS)
    assert refusal(data) == (
        "'xl/sharedStrings.xml' in the workbook declares a DOCTYPE or ENTITY, which Excel never "
        "writes; refused as unsafe (save the file from Excel again, as .xlsx)"
    )


@pytest.mark.parametrize(
    "part",
    [
        "\ufeff<?xml version='1.0'?>\n<!doctype worksheet><worksheet/>".encode(),
        "<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE x><worksheet/>".encode("utf-16"),
        "<!DOCTYPE x><worksheet/>".encode("utf-16-le"),
    ],
)
def test_a_doctype_in_the_sheet_is_refused_in_any_encoding(part: bytes) -> None:
    data = rezipped(xlsx(MOVEMENT_HEADERS), {SHEET: part})
    assert f"{SHEET!r} in the workbook declares a DOCTYPE" in refusal(data)


def test_a_doctype_hidden_behind_a_long_prolog_is_refused() -> None:
    padding = b"<!-- <a> -->" + b" " * 100_000
    part = b"<?xml version='1.0'?>" + padding + b"<!DOCTYPE x [<!ENTITY a 'b'>]><worksheet/>"
    data = rezipped(xlsx(MOVEMENT_HEADERS), {SHEET: part})
    assert refusal(data) == f"{SHEET!r} in the workbook does not start like XML; refused"


def test_a_corrupt_workbook_part_is_refused_with_calamines_reason() -> None:
    data = rezipped(xlsx(MOVEMENT_HEADERS), {"xl/workbook.xml": b"<workbook><sheets><sheet"})
    message = refusal(data)
    assert message.startswith("the workbook cannot be read (")
    assert message.endswith("open it in Excel and save it as .xlsx (Excel Workbook) again")
