"""Connections: a watched folder and a real FTP server on loopback, refreshed as jobs, with their
status; and a spreadsheet read through a connection's saved column mapping."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from schwifty import IBAN

from bank_ingest.adapters.sources.testing import serve_ftp
from shared.testing import eventually

OWN = str(IBAN.generate("TR", bank_code="00012", account_code="0000000000000042"))


def statement(number: int, *, opening: str, closing: str, amount: str) -> bytes:
    day = f"2512{number:02d}"
    return (
        f":20:VKF{number}\r\n:25:{OWN}\r\n:28C:{number}/1\r\n:60F:C{opening}\r\n"
        f":61:{day}{day[2:]}C{amount}NTRFNONREF//REF{number}\r\n:86:GELEN FAST AYSE YILMAZ\r\n"
        f":62F:C{closing}\r\n"
    ).encode("iso-8859-9")


async def wait_for_job(service, job_id: str) -> dict:
    async def finished() -> bool:
        return (await service.get(f"/jobs/{job_id}"))["state"] in ("succeeded", "failed")

    await eventually(finished, within=15, what=f"job {job_id} finished")
    return await service.get(f"/jobs/{job_id}")


async def refresh(service, connection_id: str) -> dict:
    response = await service.client.post(
        f"/connections/{connection_id}/refresh", headers=service.auth
    )
    assert response.status_code == 202, response.text
    return await wait_for_job(service, response.json()["id"])


async def add(service, body: dict) -> dict:
    response = await service.client.post("/connections", json=body, headers=service.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def test_watched_folder_imports_new_files_and_reports_status(service, tmp_path: Path) -> None:
    inbox = tmp_path / "ekstre"
    inbox.mkdir()
    (inbox / "01.sta").write_bytes(
        statement(1, opening="251130TRY0,00", closing="251201TRY10,00", amount="10,00")
    )
    (inbox / "bad.sta").write_bytes(b":20:X\r\n:25:" + OWN.encode() + b"\r\n:61:99999\r\n")
    connection = await add(
        service,
        {"name": "Vakıf klasör", "kind": "folder", "encoding": "iso-8859-9",
         "source": {"kind": "folder", "path": str(inbox), "min_age_seconds": 0}},
    )  # fmt: skip
    assert connection["status"] == "new"

    job = await refresh(service, connection["id"])
    assert job["state"] == "succeeded", job
    assert (job["files_found"], job["files_imported"], job["files_refused"]) == (2, 1, 1)
    assert job["movements_new"] == 1
    refused = next(f for f in job["files"] if f["name"] == "bad.sta")
    assert "line 3" in refused["error"]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["01.sta"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["bad.sta"]
    assert (await service.get(f"/connections/{connection['id']}"))["status"] == "active"

    (inbox / "02.sta").write_bytes(
        statement(2, opening="251201TRY10,00", closing="251202TRY15,00", amount="5,00")
    )
    job = await refresh(service, connection["id"])
    assert (job["files_imported"], job["movements_new"]) == (1, 1)
    [account] = (await service.get("/accounts"))["items"]
    assert account["balance"] == "15.00"

    inbox.rename(tmp_path / "moved-away")
    job = await refresh(service, connection["id"])
    assert job["state"] == "failed" and "does not exist" in job["error"]
    after = await service.get(f"/connections/{connection['id']}")
    assert after["status"] == "disconnected" and "does not exist" in after["last_error"]
    changes = [
        e.payload["status"] for e in service.of_type("bank_ingest.connection.status_changed")
    ]
    assert changes == ["active", "disconnected"]


async def test_ftp_connection_fetches_once_and_never_shows_the_password(
    service, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.sta").write_bytes(
        statement(3, opening="251202TRY0,00", closing="251203TRY7,50", amount="7,50")
    )
    with serve_ftp(tmp_path) as ftp:
        connection = await add(
            service,
            {"name": "Akbank FTP", "kind": "ftp",
             "source": {"kind": "ftp", "host": ftp.host, "port": ftp.port, "username": ftp.username,
                        "password": ftp.password, "directory": "/out", "timeout_seconds": 5}},
        )  # fmt: skip
        assert ftp.password not in str(connection)
        assert connection["source"]["password_set"] is True

        first = await refresh(service, connection["id"])
        assert (first["state"], first["files_imported"], first["movements_new"]) == (
            "succeeded",
            1,
            1,
        )
        second = await refresh(service, connection["id"])
        assert (second["state"], second["files_found"]) == ("succeeded", 0)
        listed = await service.get("/connections")
        assert ftp.password not in str(listed)

    stopped = await refresh(service, connection["id"])
    assert stopped["state"] == "failed"
    assert ftp.password not in stopped["error"]
    assert (await service.get(f"/connections/{connection['id']}"))["status"] == "disconnected"


async def test_spreadsheet_through_a_saved_column_mapping(service) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["HESAP HAREKETLERİ"])
    sheet.append([])
    sheet.append(["İşlem Tarihi", "Açıklama", "Borç", "Alacak", "Bakiye"])
    sheet.append(["01.12.2025", "GELEN EFT ÇAĞDAŞ GIDA A.Ş.", None, "1.500,00", "11.500,00"])
    sheet.append(["02.12.2025", "POS TAHSİLAT", None, "250,25", "11.750,25"])
    sheet.append(["03.12.2025", "KİRA ÖDEMESİ", "2.000,00", None, "9.750,25"])
    buffer = io.BytesIO()
    book.save(buffer)
    connection = await add(
        service,
        {"name": "Ziraat Excel", "kind": "upload", "format": "excel",
         "column_mapping": {"header_row": 3, "booking_date": "İşlem Tarihi",
                            "description": ["Açıklama"], "debit": "Borç", "credit": "Alacak",
                            "balance": "Bakiye", "fixed_account": OWN}},
    )  # fmt: skip
    response = await service.upload(
        buffer.getvalue(), name="hareketler.xlsx", connection_id=connection["id"]
    )
    assert response.status_code == 201, response.text
    [statement_] = response.json()["statements"]
    assert statement_["balance_check"] == "balanced"
    amounts = [m["amount"] for m in (await service.get("/movements"))["items"]]
    assert amounts == ["-2000.00", "250.25", "1500.00"]

    without = await service.upload(buffer.getvalue(), name="hareketler.xlsx")
    assert without.status_code == 422
    assert "column mapping" in without.json()["detail"]
