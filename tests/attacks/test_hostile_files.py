"""Hostile files through the real upload routes of the whole system (embedded mode): refused with
a problem, quickly, without memory to speak of, and nothing stored. The parsers' own unit tests
(bank-ingest ``test_camt_security``, ``test_archive``, ``test_tabular_excel``; reconciliation
``test_workbook``; ``tests/shared/test_archive``) cover the refusals in detail; these follow one
of each through HTTP, the job and the database."""

from __future__ import annotations

import asyncio
import io
import random
import sys
import time
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import pytest_asyncio
from fastapi import FastAPI

from mutabik.embedded import embedded_system, wait_until_key_works
from mutabik.tenants import new_tenant_with_key

from .hostile import BILLION_LAUGHS, MemoryWatch, camt053, with_bomb
from .world import tr_iban

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROBLEM_JSON = "application/problem+json"
PASSWD = Path("/etc/passwd").read_text().splitlines()[0]
"""The first line of the file an external entity reaches for (``root:x:0:0:...``)."""
_opened: list[str] = []


def _record_opens(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str | Path) and "passwd" in str(args[0]):
        _opened.append(str(args[0]))


sys.addaudithook(_record_opens)  # cannot be removed; it only notes opens of a passwd file


@dataclass
class System:
    client: httpx.AsyncClient
    apps: dict[str, FastAPI]
    headers: dict[str, str]

    async def upload(self, content: bytes, name: str, **form: str) -> httpx.Response:
        return await self.client.post(
            "/bank-ingest/statements", files={"file": (name, content)}, data=form,
            headers=self.headers,
        )  # fmt: skip

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.client.get(path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def nothing_in_bank_ingest(self) -> None:
        for path in ("/imports", "/statements", "/movements", "/accounts"):
            assert (await self.get(f"/bank-ingest{path}"))["items"] == [], path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    root, apps = embedded_system(tmp_path_factory.mktemp("hostile"), retry_delays=(0.05, 0.1))
    async with root.router.lifespan_context(root):
        transport = httpx.ASGITransport(app=root)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield System(client, apps, {})


@pytest_asyncio.fixture(loop_scope="module")
async def tenant(system: System) -> System:
    """The system with a fresh tenant's admin key: each test starts with nothing stored."""
    async with system.apps["reconciliation"].state.runtime.new_uow() as uow:
        _, issued = await new_tenant_with_key(uow, f"Hostile {uuid.uuid4().hex[:8]}")
    await wait_until_key_works(system.apps, issued.api_key)
    return System(system.client, system.apps, {"Authorization": f"Bearer {issued.api_key}"})


def refused(response: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    assert PASSWD not in response.text
    return response.json()


# -- XML ------------------------------------------------------------------------------------------

XXE_FILE = b'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
XXE_PARAMETER = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
)


@pytest.mark.parametrize(
    ("doctype", "note"),
    [(BILLION_LAUGHS, "&i;"), (XXE_FILE, "&x;"), (XXE_PARAMETER, "EFT")],
    ids=["billion-laughs", "external-entity", "external-parameter-entity"],
)
async def test_hostile_camt_is_refused_unread_and_nothing_is_stored(
    tenant: System, doctype: bytes, note: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _opened.clear()
    hostile = camt053(tr_iban(31), doctype=doctype, note=note)
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("ekstre.xml", hostile)
    for content, name in ((hostile, "ekstre.xml"), (bundle.getvalue(), "ekstreler.zip")):
        started = time.perf_counter()
        with MemoryWatch() as memory:
            problem = refused(await tenant.upload(content, name))
        assert time.perf_counter() - started < 2, name
        assert memory.grew_mb < 50, (name, memory.grew_mb)
        assert "nothing was stored" in problem["detail"], problem
        assert "XML entities and DTDs" in problem["errors"][0]["message"], problem
    await tenant.nothing_in_bank_ingest()
    assert _opened == []
    logged = capsys.readouterr()
    assert PASSWD not in logged.out + logged.err
    # The same statement without the DOCTYPE goes in: the refusal was about the entities.
    clean = await tenant.upload(camt053(tr_iban(31)), "ekstre.xml")
    assert clean.status_code == 201, clean.text


# -- zip bombs ------------------------------------------------------------------------------------


def workbook(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_a_zip_bomb_statement_is_refused_before_it_inflates(tenant: System) -> None:
    """A gigabyte of zeros deflated to a megabyte: as a zipped CAMT bundle, and as the sheet of
    an Excel statement read through a connection's column mapping."""
    excel = await tenant.client.post("/bank-ingest/connections", headers=tenant.headers, json={
        "name": "Excel", "kind": "upload", "format": "excel",
        "column_mapping": {"booking_date": "Tarih", "description": ["Açıklama"],
                           "amount": "Tutar", "fixed_account": tr_iban(32)}})  # fmt: skip
    assert excel.status_code == 201, excel.text
    sheet = workbook([["Tarih", "Açıklama", "Tutar"], ["03.11.2025", "EFT", "50,00"]])
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("ekstre.xml", camt053(tr_iban(32)))
    for content, name, form in (
        (with_bomb(bundle.getvalue(), "bomb.xml", 1024), "ekstreler.zip", {}),
        (with_bomb(sheet, "xl/worksheets/sheet1.xml", 1024), "ekstre.xlsx",
         {"connection_id": excel.json()["id"]}),
    ):  # fmt: skip
        assert len(content) < 2 << 20
        started = time.perf_counter()
        with MemoryWatch() as memory:
            problem = refused(await tenant.upload(content, name, **form))
        assert time.perf_counter() - started < 3, name
        assert memory.grew_mb < 100, (name, memory.grew_mb)
        assert "zip bomb" in problem["detail"] or "inflate" in problem["detail"], problem
    await tenant.nothing_in_bank_ingest()


async def test_a_zip_bomb_import_is_refused_before_it_inflates(tenant: System) -> None:
    template = await tenant.client.get(
        "/reconciliation/templates/movements", headers=tenant.headers
    )
    bomb = with_bomb(template.content, "xl/worksheets/sheet1.xml", 1024)
    started = time.perf_counter()
    with MemoryWatch() as memory:
        answer = await tenant.client.post(
            "/reconciliation/imports/movements", params={"wait": "true"}, headers=tenant.headers,
            files={"file": ("hareketler.xlsx", bomb)},
        )  # fmt: skip
    assert time.perf_counter() - started < 3
    assert memory.grew_mb < 100, memory.grew_mb
    problem = refused(answer)
    assert "cannot be opened safely" in problem["detail"], problem
    job = await tenant.get(f"/reconciliation/imports/{problem['import_id']}")
    assert job["state"] == "refused" and (job["rows_created"], job["rows_updated"]) == (0, 0)
    balances = await tenant.get("/reconciliation/balances", at="2025-12-31")
    assert balances["items"] == [], balances


# -- MT940 ------------------------------------------------------------------------------------------


async def test_binary_garbage_is_refused_with_a_line_and_a_reason(tenant: System) -> None:
    noise = random.Random(940).randbytes(64 * 1024)
    garbage = refused(await tenant.upload(noise, "ekstre.sta", format="mt940"))
    assert "not a statement we can read" in garbage["errors"][0]["message"], garbage
    # Noise after an MT940 start, and noise of printable characters only: the line and why.
    start = b":20:X\r\n:25:" + tr_iban(33).encode() + b"\r\n:28C:1/1\r\n"
    printable = bytes(random.Random(941).choice(b":/-0123456789CDN ABZ\r\n") for _ in range(4096))
    for content, line in ((start + noise, 4), (start + b":60F:" + printable, 4)):
        [error] = refused(await tenant.upload(content, "ekstre.sta", format="mt940"))["errors"]
        assert error["line"] >= line and error["message"], error
    await tenant.nothing_in_bank_ingest()


# -- formulas (CSV/Excel injection) ---------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/x","Tıkla")',
    "=cmd|' /C calc'!A0",
    "+90 212 555 12 34",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


async def test_formulas_in_cells_are_stored_as_text_and_never_evaluated(tenant: System) -> None:
    template = await tenant.client.get(
        "/reconciliation/templates/counterparties", headers=tenant.headers
    )
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)  # the example row
    for n, title in enumerate(FORMULAS):
        sheet.append([f"120.66.{n:03d}", "Musteri"])
        cell = sheet.cell(row=sheet.max_row, column=3, value=title)
        cell.data_type = "s"  # text that looks like a formula, as a user may type it
    # A genuine formula cell, saved without a computed value: nothing may compute it.
    sheet.append(["120.66.100", "Musteri", '=HYPERLINK("http://evil.example/y","y")'])
    buffer = io.BytesIO()
    book.save(buffer)
    answer = await tenant.client.post(
        "/reconciliation/imports/counterparties", params={"wait": "true", "on_error": "skip"},
        headers=tenant.headers, files={"file": ("cari.xlsx", buffer.getvalue())},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    job = answer.json()
    assert job["rows_created"] == len(FORMULAS), job
    [error] = job["errors"]
    assert (error["column"], error["value"], error["reason"]) == ("Unvan", None, "is required")
    stored = (await tenant.get("/reconciliation/counterparties"))["items"]
    assert {x["code"]: x["title"] for x in stored} == {
        f"120.66.{n:03d}": title for n, title in enumerate(FORMULAS)
    }

    async def replicated() -> bool:
        found = await tenant.client.get(
            "/matcher/counterparties/120.66.004", headers=tenant.headers
        )
        return found.status_code == 200

    deadline = time.monotonic() + 10
    while not await replicated():
        assert time.monotonic() < deadline, "the counterparties reach the matcher"
        await asyncio.sleep(0.05)
    for n, title in enumerate(FORMULAS):
        matched = await tenant.get(f"/matcher/counterparties/120.66.{n:03d}")
        assert matched["title"] == title


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet cell a formula or a DDE call when opened (OWASP CSV injection)."""


async def test_the_spreadsheets_the_product_writes_hold_no_formula(tenant: System) -> None:
    """The .xlsx templates are the only spreadsheets the services write (imports' reports,
    balances and BA/BS lists are JSON; letters are e-mails and PDFs); an uploaded attachment is
    handed back as the counterparty sent it, as a download."""
    checked = 0
    for dataset in ("counterparties", "movements", "babs"):
        answer = await tenant.client.get(
            f"/reconciliation/templates/{dataset}", headers=tenant.headers
        )
        assert answer.status_code == 200, answer.text
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (dataset, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(FORMULA_START), (dataset, cell.value)
                        checked += 1
    assert checked > 50, checked


def sheet_of_rows(header: list[str], inflated_mb: int) -> bytes:
    """A workbook whose one sheet holds ``inflated_mb`` MiB of plain rows that deflate about
    190 times: under ``shared.archive``'s 200x zip-bomb ratio and its 512 MB total."""
    cells = "".join(f'<c t="inlineStr"><is><t>{title}</t></is></c>' for title in header)
    same = b'<row><c t="inlineStr"><is><t>AAAAAAAAAA</t></is></c><c><v>1</v></c></row>'
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook([header]))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info))
                continue
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>'
                    + cells.encode() + b"</row>"
                )  # fmt: skip
                n, written = 0, 0
                while written < inflated_mb << 20:
                    rows = b"".join(
                        same
                        if (n + i) % 40
                        else b'<row><c t="inlineStr"><is><t>%d</t></is></c>'
                        b"<c><v>%d</v></c></row>" % (n + i, n + i)
                        for i in range(10_000)
                    )
                    part.write(rows)
                    n, written = n + 10_000, written + len(rows)
                part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


async def test_a_sheet_that_inflates_190_times_costs_no_memory_to_speak_of(tenant: System) -> None:
    from reconciliation.domain.datasets import COLUMNS, Dataset

    header = [column.header for column in COLUMNS[Dataset.MOVEMENTS]]
    content = sheet_of_rows(header, 6)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert 150 < sheet.file_size / sheet.compress_size < 200, "under the zip-bomb ratio"
    with MemoryWatch() as memory:
        answer = await tenant.client.post(
            "/reconciliation/imports/movements", params={"wait": "true"}, headers=tenant.headers,
            files={"file": ("hareketler.xlsx", content)},
        )  # fmt: skip
    assert memory.grew_mb < 24, f"{len(content) >> 10} KB took {memory.grew_mb:.0f} MB"
    problem = refused(answer)
    assert "'xl/worksheets/sheet1.xml' inflates 1" in problem["detail"], problem
    assert "refused as a zip bomb" in problem["detail"], problem
    assert "save it as .xlsx" in problem["detail"], problem


async def test_a_large_repetitive_workbook_is_still_taken_in(tenant: System) -> None:
    """The other side of the tighter ratio: 6,000 rows that differ only in their KontrolKey (the
    most repetitive legitimate shape measured, 16x; the benchmark's generator writes 11.5x)."""
    from reconciliation.domain.datasets import COLUMNS, Dataset

    header = [column.header for column in COLUMNS[Dataset.MOVEMENTS]]
    same = ["120.00001", "Musteri", "15.01.2025", "15.01.2025", "15.01.2025", "15.01.2025",
            "GIB2025000000001", "Fatura", 1000.0, 1000.0, "TRY", "Genel", "1", "0", 14]  # fmt: skip
    content = workbook([header] + [[*same, f"K{n:012d}"] for n in range(6000)])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size > 1 << 20 and sheet.file_size / sheet.compress_size > 12
    answer = await tenant.client.post(
        "/reconciliation/imports/movements", params={"wait": "true"}, headers=tenant.headers,
        files={"file": ("hareketler.xlsx", content)},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    job = answer.json()
    assert (job["state"], job["rows_created"], job["errors"]) == ("stored", 6000, []), job


# -- sparse sheets: a dense grid of billions of cells ------------------------------------------------

FAR_CELL = '<c r="XFD1048576"><v>1</v></c>'
SPARSE_SHEETS = {
    "far-row": f'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">{FAR_CELL}</row>',
    "far-cell-in-row-1": f'<row r="1"><c r="A1"><v>1</v></c>{FAR_CELL}</row>',
    "rows-without-r": f'<row><c r="A1"><v>1</v></c></row><row>{FAR_CELL}</row>',
    "cells-without-r": '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
    + "<c><v>1</v></c>" * 16384
    + "</row>",
}


def with_sheet(workbook_bytes: bytes, sheet_data: str) -> bytes:
    """The workbook with its first sheet's rows replaced by ``sheet_data``."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook_bytes)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = (
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                    + sheet_data.encode() + b"</sheetData></worksheet>"
                )  # fmt: skip
            target.writestr(info.filename, data)
    return buffer.getvalue()


@pytest.mark.parametrize("sheet_data", SPARSE_SHEETS.values(), ids=SPARSE_SHEETS.keys())
async def test_a_sparse_sheet_of_billions_of_cells_is_refused_and_the_process_lives(
    tenant: System, sheet_data: str
) -> None:
    """Two cells, A1 and XFD1048576, in a 5 KB file: calamine would allocate 17 billion cells
    (550 GB) and Rust would abort the process, every service of the embedded mode with it."""
    template = await tenant.client.get(
        "/reconciliation/templates/movements", headers=tenant.headers
    )
    content = with_sheet(template.content, sheet_data)
    assert len(content) < 64 << 10
    answer = await tenant.client.post(
        "/reconciliation/imports/movements", params={"wait": "true"}, headers=tenant.headers,
        files={"file": ("hareketler.xlsx", content)},
    )  # fmt: skip
    problem = refused(answer)
    assert "the sheet spans A1:XFD1048576 (17,179,869,184 cells); at most" in problem["detail"]
    assert "save it again" in problem["detail"], problem

    excel = await tenant.client.post("/bank-ingest/connections", headers=tenant.headers, json={
        "name": "Excel", "kind": "upload", "format": "excel",
        "column_mapping": {"booking_date": "Tarih", "description": ["Açıklama"],
                           "amount": "Tutar", "fixed_account": tr_iban(33)}})  # fmt: skip
    assert excel.status_code == 201, excel.text
    statement = with_sheet(workbook([["Tarih", "Açıklama", "Tutar"]]), sheet_data)
    problem = refused(
        await tenant.upload(statement, "ekstre.xlsx", connection_id=excel.json()["id"])
    )
    assert "17,179,869,184 cells" in problem["detail"] + str(problem.get("errors")), problem
    await tenant.nothing_in_bank_ingest()

    # still alive: the same connection takes an ordinary statement
    ordinary = workbook([["Tarih", "Açıklama", "Tutar"], ["03.11.2025", "EFT", "50,00"]])
    taken = await tenant.upload(ordinary, "ekstre.xlsx", connection_id=excel.json()["id"])
    assert taken.status_code == 201, taken.text
    balances = await tenant.client.get(
        "/reconciliation/balances", params={"at": "2025-12-31"}, headers=tenant.headers
    )
    assert balances.status_code == 200, balances.text
