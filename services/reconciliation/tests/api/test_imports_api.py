"""Imports over HTTP: templates, xlsx and JSON uploads as jobs, refusal with nothing stored,
skip mode, KontrolKey upserts, unknown counterparties, and the events of a counterparty import."""

from __future__ import annotations

import asyncio
import io
import uuid
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from reconciliation import imports
from reconciliation.adapters.orm import AccountMovement, BabsMovement, ImportJob
from reconciliation.domain.datasets import BABS_COLUMNS, COUNTERPARTY_COLUMNS, MOVEMENT_COLUMNS
from reconciliation.main import create_app
from reconciliation.settings import ReconciliationSettings
from shared.auth import Role
from shared.bus.memory import InProcessBus
from shared.testing import eventually, grant_key, serving

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MOVEMENT_HEADERS = [c.header for c in MOVEMENT_COLUMNS]
BABS_HEADERS = [c.header for c in BABS_COLUMNS]
COUNTERPARTY_HEADERS = [c.header for c in COUNTERPARTY_COLUMNS]


def movement(n: int, amount, *, code: str = "120.001", currency: str = "TRY", local=None,
             day: str = "15.01.2025", kind: int = 14, reverses: str = "0", text: str = ""):  # fmt: skip
    return [code, "Musteri", day, day, day, day, f"F{n}", text or f"Fatura {n}", amount,
            amount if local is None else local, currency, "Genel", f"S{n}", reverses, kind,
            f"K{n}"]  # fmt: skip


def babs_row(n: int, base, *, code: str = "320.001", form: str = "BA", reverses: str = "0"):
    return [code, "Satici", "2025-01-Ocak", "10.01.2025", "10.01.2025", "11.01.2025",
            f"GIB2025{n:09d}", base, f"S{n}", reverses, form, f"B{n}"]  # fmt: skip


async def upload(service, dataset: str, body: bytes, *, wait: bool = True, auth=None, **params):
    query = {"wait": "true" if wait else "false", **params}
    return await service.client.post(
        f"/imports/{dataset}", params=query, headers=auth or service.auth,
        files={"file": (f"{dataset}.xlsx", body, XLSX)},
    )  # fmt: skip


async def stored_count(service, entity) -> int:
    async with service.app.state.runtime.sessions() as session:
        query = (
            select(func.count()).select_from(entity).where(entity.tenant_id == service.tenant_id)
        )
        return await session.scalar(query)


async def test_templates_have_the_exact_columns_and_an_example_row(service) -> None:
    for dataset, headers in (("counterparties", COUNTERPARTY_HEADERS),
                             ("movements", MOVEMENT_HEADERS), ("babs", BABS_HEADERS)):  # fmt: skip
        response = await service.client.get(f"/templates/{dataset}", headers=service.auth)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX
        assert ".xlsx" in response.headers["content-disposition"]
        rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        sheet = rows.get_sheet_by_index(0).to_python()
        assert sheet[0] == headers
        assert len(sheet) == 2

    # The template, filled in as it comes (its example row), imports as it is.
    template = await service.client.get("/templates/movements", headers=service.auth)
    response = await upload(service, "movements", template.content)
    assert response.status_code == 200, response.text
    assert response.json()["rows_created"] == 1


async def test_xlsx_import_upserts_by_control_key(service, xlsx) -> None:
    rows = [movement(1, 1000), movement(2, -250.5), movement(3, 99.99)]
    response = await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["state"] == "stored" and report["source"] == "xlsx"
    assert (report["rows_read"], report["rows_created"], report["rows_stored"]) == (3, 3, 3)
    assert report["errors"] == [] and report["rows_refused"] == 0

    again = (await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows))).json()
    assert (again["rows_created"], again["rows_updated"], again["rows_unchanged"]) == (0, 0, 3)

    rows[1] = movement(2, -300)
    rows.append(movement(4, 10))
    changed = (await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows))).json()
    assert (changed["rows_created"], changed["rows_updated"], changed["rows_unchanged"]) == (
        1, 1, 2,
    )  # fmt: skip
    assert await stored_count(service, AccountMovement) == 4
    balance = await service.get("/balances", at="2025-12-31")
    assert Decimal(balance["items"][0]["currencies"][0]["balance"]) == Decimal("809.99")


async def test_a_bad_row_refuses_the_file_and_nothing_is_stored(service, xlsx) -> None:
    rows = [
        movement(1, 1000),
        movement(2, 50, day="31.02.2025"),
        movement(3, 10, currency="XXY"),
        movement(4, 10, kind=15),
        movement(5, 10, text="2025 yılı kapanış fişi"),
    ]
    response = await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert "nothing was stored" in problem["detail"]
    by_row = {(e["row"], e["column"]) for e in problem["errors"]}
    assert {(3, "BakiyeTarih"), (3, "BelgeTarih"), (4, "ParaBirimi"), (5, "HareketTipi"),
            (6, "Aciklama")} <= by_row  # fmt: skip
    assert all(e["row"] != 2 for e in problem["errors"])
    assert await stored_count(service, AccountMovement) == 0

    job = await service.get(f"/imports/{problem['import_id']}")
    assert job["state"] == "refused" and job["rows_refused"] == 4 and job["rows_stored"] == 0

    skipped = await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows), on_error="skip")
    assert skipped.status_code == 200, skipped.text
    report = skipped.json()
    assert (report["rows_created"], report["rows_refused"]) == (1, 4)
    assert await stored_count(service, AccountMovement) == 1


async def test_a_file_that_is_not_the_template_is_refused_clearly(service, xlsx) -> None:
    response = await upload(service, "movements", b"HesapKod;Tutar\n120;5\n")
    assert response.status_code == 422
    assert ".xlsx" in response.json()["detail"]

    swapped = MOVEMENT_HEADERS[:2] + [MOVEMENT_HEADERS[3], MOVEMENT_HEADERS[2]]
    swapped += MOVEMENT_HEADERS[4:]
    response = await upload(service, "movements", xlsx(swapped, [movement(1, 5)]))
    assert response.status_code == 422
    assert "BelgeTarih" in response.json()["detail"]
    assert await stored_count(service, AccountMovement) == 0


async def test_unknown_counterparties_are_reported_not_dropped(service, xlsx) -> None:
    assert (await service.put([{"code": "120.001", "title": "Bilinen Ltd."}])).status_code == 200
    rows = [movement(1, 10), movement(2, 20, code="120.999"), movement(3, 30, code="120.999")]
    report = (await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows))).json()
    assert report["rows_created"] == 3
    assert report["warning_count"] == 1
    warning = report["warnings"][0]
    assert (warning["column"], warning["value"], warning["rows"]) == ("HesapKod", "120.999", 2)


async def test_json_import_and_job_progress(service) -> None:
    items = [
        {"HesapKod": "320.001", "CariDönem": "2025-01-Ocak", "BelgeTarih": "10.01.2025",
         "MatbuuEvrakNo": "A1", "Matrah": "4000", "SistemEvrakNo": "S1", "Tip": "BA",
         "KontrolKey": "B1"},
        {"code": "320.001", "period": "2025-01-Ocak", "document_date": "2025-01-12",
         "document_no": "A2", "base_amount": 1000, "system_document_no": "S2", "form": "ba",
         "control_key": "B2"},
    ]  # fmt: skip
    response = await service.client.post("/imports/babs", json=items, headers=service.auth)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"].endswith(f"/imports/{job['id']}")
    assert job["source"] == "json" and job["state"] in ("queued", "running", "stored")

    async def done() -> bool:
        return (await service.get(f"/imports/{job['id']}"))["state"] == "stored"

    await eventually(done, what="import stored")
    assert await stored_count(service, BabsMovement) == 2
    listing = await service.get("/imports")
    assert listing["items"][0]["id"] == job["id"]
    report = await service.get("/babs", period="2025-01")
    assert report["lines"] == [
        {"key": "320.001", "codes": ["320.001"], "title": None, "tax_id": None,
         "ba": {"count": 2, "total": report["lines"][0]["ba"]["total"]}, "bs": None}
    ]  # fmt: skip
    assert Decimal(report["lines"][0]["ba"]["total"]) == 5000


async def test_babs_threshold_reversal_and_documents(service, xlsx) -> None:
    rows = [
        babs_row(1, 3000), babs_row(2, 1999.99), babs_row(3, 700),
        babs_row(4, 700, reverses="S3"),  # cancels document S3
        babs_row(5, 6000, code="120.001", form="BS"),
    ]  # fmt: skip
    assert (await upload(service, "babs", xlsx(BABS_HEADERS, rows))).status_code == 200
    default = await service.get("/babs", period="2025-01-Ocak")  # 5,000 TRY
    assert [line["key"] for line in default["lines"]] == ["120.001"]
    report = await service.get("/babs", period="2025-01", threshold="4999.99")
    lines = {line["key"]: line for line in report["lines"]}
    assert set(lines) == {"320.001", "120.001"}
    assert lines["320.001"]["ba"]["count"] == 2
    assert Decimal(lines["320.001"]["ba"]["total"]) == Decimal("4999.99")
    assert lines["120.001"]["bs"]["count"] == 1 and lines["120.001"]["ba"] is None

    documents = await service.get("/babs/documents", period="2025-01", form="BA", code="320.001")
    by_key = {d["document_key"]: d for d in documents}
    assert by_key["S3"]["reversed"] is True and Decimal(by_key["S3"]["net"]) == 0
    assert Decimal(by_key["S1"]["net"]) == 3000


async def test_counterparty_import_announces_changes_and_deactivations(service, xlsx) -> None:
    rows = [
        ["120.001", "Musteri", "Bir Ltd.", "a@bir.com.tr", "", "", "", "Cad. 1", "İzmir",
         "35000", "ayse@biz.com.tr", "", 1],
        ["120.002", "Satici", "İki A.Ş.", "", "", "", "", "", "", "", "", "", 1],
    ]  # fmt: skip
    response = await upload(service, "counterparties", xlsx(COUNTERPARTY_HEADERS, rows))
    assert response.status_code == 200, response.text
    assert response.json()["rows_created"] == 2
    rows[1][-1] = 0
    response = await upload(service, "counterparties", xlsx(COUNTERPARTY_HEADERS, rows))
    assert (response.json()["rows_updated"], response.json()["rows_unchanged"]) == (1, 1)

    await eventually(lambda: service.of_type("reconciliation.counterparties.deactivated"),
                     what="deactivation event")  # fmt: skip
    await service.outbox_empty()
    [deactivated] = service.of_type("reconciliation.counterparties.deactivated")
    assert deactivated.payload == {"codes": ["120.002"]}
    first = service.of_type("reconciliation.counterparties.changed")[0].payload
    record = first["counterparties"][0]
    assert (record["city"], record["address"], record["email"]) == ("İzmir", "Cad. 1",
                                                                    "a@bir.com.tr")  # fmt: skip

    bad = [["120.003", "Musteri", "Üç", "", "", "", "1234567891", "", "", "", "", "", 2]]
    response = await upload(service, "counterparties", xlsx(COUNTERPARTY_HEADERS, bad))
    assert response.status_code == 422
    columns = {e["column"] for e in response.json()["errors"]}
    assert {"VergiNo", "Aktif"} <= columns


async def test_contacts_over_rest(service) -> None:
    contact = {"name": "Mehmet Öz", "email": "mehmet@bir.com.tr", "reconciliation_contact": True}
    response = await service.put([{"code": "120.001", "title": "Bir", "contacts": [contact]}])
    assert response.status_code == 200, response.text
    stored = await service.get("/counterparties/120.001")
    assert stored["contacts"] == [{**contact, "phone": ""}]
    await eventually(lambda: service.of_type("reconciliation.counterparties.changed"),
                     what="changed event")  # fmt: skip
    record = service.of_type("reconciliation.counterparties.changed")[0].payload
    assert record["counterparties"][0]["contacts"] == [{**contact, "phone": ""}]


async def test_row_level_access_by_reconciliation_email(service, xlsx) -> None:
    await service.put([
        {"code": "120.001", "title": "Ayşe'nin", "reconciliation_email": "ayse@biz.com.tr"},
        {"code": "120.002", "title": "Başkasının", "reconciliation_email": "veli@biz.com.tr"},
    ])  # fmt: skip
    rows = [movement(1, 100), movement(2, 200, code="120.002")]
    assert (await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows))).status_code == 200
    ayse = await grant_key(service.app, service.tenant_id, Role.OPERATOR,
                           user_email="Ayse@biz.com.tr")  # fmt: skip
    desk = await grant_key(service.app, service.tenant_id, Role.OPERATOR)

    mine = await service.get("/counterparties", auth=ayse)
    assert [c["code"] for c in mine["items"]] == ["120.001"]
    hidden = await service.client.get("/counterparties/120.002", headers=ayse)
    assert hidden.status_code == 404
    balances = await service.get("/balances", auth=ayse, at="2025-12-31")
    assert [b["code"] for b in balances["items"]] == ["120.001"]
    everything = await service.get("/balances", auth=desk, at="2025-12-31")
    assert [b["code"] for b in everything["items"]] == ["120.001", "120.002"]
    refused = await upload(service, "movements", xlsx(MOVEMENT_HEADERS, rows), auth=ayse)
    assert refused.status_code == 403


async def test_another_tenant_sees_no_import(service, xlsx) -> None:
    report = (await upload(service, "movements", xlsx(MOVEMENT_HEADERS, [movement(1, 5)]))).json()
    other = await grant_key(service.app, uuid.uuid4(), Role.ERP)
    response = await service.client.get(f"/imports/{report['id']}", headers=other)
    assert response.status_code == 404
    assert (await service.get("/balances", auth=other, at="2025-12-31"))["items"] == []


async def test_an_interrupted_job_is_failed_on_start(service) -> None:
    """A job that a crash cut off (still "running" in the table) is failed when the service
    starts again; its transaction never committed, so nothing of it is stored."""
    job_id = uuid.uuid4()
    runtime = service.app.state.runtime
    async with runtime.new_uow() as uow:
        uow.imports.add(ImportJob(
            id=job_id, tenant_id=service.tenant_id, dataset="movements", source="xlsx",
            file_name="cut.xlsx", on_error="refuse", state="running", rows_read=5000,
            rows_created=0, rows_updated=0, rows_unchanged=0, rows_refused=0, errors=[],
            error_count=0, warnings=[], warning_count=0, message="", created_by="test",
            created_at=datetime.now(UTC),
        ))  # fmt: skip
        await uow.commit()
    watcher = asyncio.create_task(service.app.state.imports.watch(runtime))
    try:

        async def failed() -> bool:
            return (await service.get(f"/imports/{job_id}"))["state"] == "failed"

        await eventually(failed, what="interrupted job failed")
        assert "Import the file again" in (await service.get(f"/imports/{job_id}"))["message"]
    finally:
        watcher.cancel()


async def test_a_large_file_is_read_in_a_child_process_with_the_same_result(
    pg_url, xlsx, monkeypatch
) -> None:
    """On PostgreSQL a file above ``import_in_child_bytes`` is read and checked in a child
    process; a bad row still refuses it whole, and the good file is stored exactly once."""
    children: list[int] = []
    real = imports.stream_from_child

    def counted(*args, **kwargs):
        children.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "stream_from_child", counted)
    settings = ReconciliationSettings(database_url=pg_url, import_in_child_bytes=0)
    app = create_app(settings, bus=InProcessBus({}))
    async with serving(app) as client:
        tenant_id = uuid.uuid4()
        auth = await grant_key(app, tenant_id, Role.ERP)
        rows = [movement(n, n * 10, currency="USD", local=n * 385) for n in range(1, 12001)]
        bad = [*rows, movement(99999, 5, day="32.01.2025")]

        async def send(body: bytes):
            return await client.post(
                "/imports/movements", params={"wait": "true"}, headers=auth,
                files={"file": ("big.xlsx", body, XLSX)},
            )  # fmt: skip

        refused = await send(xlsx(MOVEMENT_HEADERS, bad))
        assert refused.status_code == 422, refused.text
        assert {(e["row"], e["column"]) for e in refused.json()["errors"]} >= {
            (12002, "BakiyeTarih")
        }
        body = xlsx(MOVEMENT_HEADERS, rows)
        stored = await send(body)
        assert stored.status_code == 200, stored.text
        assert stored.json()["rows_created"] == 12000
        again = (await send(body)).json()
        assert (again["rows_created"], again["rows_updated"], again["rows_unchanged"]) == (
            0, 0, 12000,
        )  # fmt: skip
        assert len(children) == 3
        balances = await client.get("/balances", params={"at": "2025-12-31"}, headers=auth)
        [line] = balances.json()["items"][0]["currencies"]
        assert Decimal(line["debit"]) == sum(Decimal(n * 10) for n in range(1, 12001))
        assert Decimal(line["debit_try"]) == sum(Decimal(n * 385) for n in range(1, 12001))


def with_far_cell(workbook: bytes) -> bytes:
    """The workbook with one more value, in XFD1048576: calamine would size its grid to 17
    billion cells."""
    source, target = zipfile.ZipFile(io.BytesIO(workbook)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
                data = data.replace(b"</sheetData>", far)
            out.writestr(info, data)
    return target.getvalue()


async def test_a_sheet_too_large_for_the_childs_memory_ends_only_the_child(pg_url, xlsx) -> None:
    """A child reads without counting the cells first, under an address-space limit: a sheet
    that asks for more ends the child alone, the import is refused whole with the reason, and
    the service goes on importing."""
    settings = ReconciliationSettings(
        database_url=pg_url, import_in_child_bytes=0, import_child_memory_bytes=2 * 1024**3
    )
    app = create_app(settings, bus=InProcessBus({}))
    async with serving(app) as client:
        auth = await grant_key(app, uuid.uuid4(), Role.ERP)
        rows = [movement(n, n * 10) for n in range(1, 51)]

        async def send(body: bytes):
            return await client.post(
                "/imports/movements", params={"wait": "true"}, headers=auth,
                files={"file": ("hareketler.xlsx", body, XLSX)},
            )  # fmt: skip

        refused = await send(with_far_cell(xlsx(MOVEMENT_HEADERS, rows)))
        assert refused.status_code == 422, refused.text
        assert "needs more memory than an import may take" in refused.text
        assert "XFD1048576" in refused.text
        stored = await send(xlsx(MOVEMENT_HEADERS, rows))
        assert stored.status_code == 200, stored.text
        assert stored.json()["rows_created"] == 50


async def test_a_row_moved_to_another_month_leaves_the_old_month(service, xlsx) -> None:
    """The forms count documents summed per month at import; a KontrolKey re-imported with another
    CariDönem must leave the month it was in."""
    rows = [babs_row(1, 6000)]
    assert (await upload(service, "babs", xlsx(BABS_HEADERS, rows))).status_code == 200
    assert [line["key"] for line in (await service.get("/babs", period="2025-01"))["lines"]] == [
        "320.001"
    ]
    moved = [[*rows[0][:2], "2025-02-Şubat", *rows[0][3:]]]
    report = (await upload(service, "babs", xlsx(BABS_HEADERS, moved))).json()
    assert report["rows_updated"] == 1
    assert (await service.get("/babs", period="2025-01"))["lines"] == []
    february = await service.get("/babs", period="2025-02")
    assert february["lines"][0]["ba"]["count"] == 1


async def test_an_excluded_series_leaves_its_documents_out_whole(service, xlsx) -> None:
    """A reversal numbered in another series still belongs to (and leaves with) its document."""
    rows = [babs_row(1, 7000), babs_row(2, 6000)]
    reversal = babs_row(3, 6000, reverses="S2")
    reversal[6] = "IPT2025000000001"  # the cancelling document has a series of its own
    rows.append(reversal)
    rows[0][6] = "ABC2025000000001"
    assert (await upload(service, "babs", xlsx(BABS_HEADERS, rows))).status_code == 200
    everything = await service.get("/babs", period="2025-01")
    assert everything["lines"][0]["ba"] == {
        "count": 1,
        "total": everything["lines"][0]["ba"]["total"],
    }
    assert Decimal(everything["lines"][0]["ba"]["total"]) == 7000
    without = await service.get("/babs", period="2025-01", exclude_series="abc", threshold="0.01")
    assert without["lines"] == []  # GIB document cancelled, ABC document left out
    documents = await service.get(
        "/babs/documents", period="2025-01", form="BA", code="320.001", exclude_series="ABC"
    )
    assert [(d["document_key"], d["reversed"], d["rows"]) for d in documents] == [("S2", True, 2)]
