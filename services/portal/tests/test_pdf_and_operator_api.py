"""The letter's PDF (Turkish letters intact, the answer once given, a clear page without the
font) and the operator's view of answers and files, tenant by tenant."""

from __future__ import annotations

import uuid

from shared.auth import Role

from .files import tiny_xlsx
from .issued import babs_letter, balance_letter
from .pdf_text import texts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_the_letter_downloads_as_a_pdf_with_turkish_letters(portal) -> None:
    issued = balance_letter(documents=120)
    await portal.issue(issued)
    response = await portal.client.get(portal.url(issued.letter.letter_id, "/pdf"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["content-disposition"] == 'attachment; filename="mutabakat-2025-12-31.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = "\n".join(texts(response.content))
    for expected in ("Öztürk İnşaat Ltd. Şti.", "Deniz Makina San. ve Tic. A.Ş.", "Ümraniye",
                     "1.234,56 TL", "Borç", "Alacak", "Geçerlilik tarihi", "FTR-00120",
                     "Sayfa 1/"):  # fmt: skip
        assert expected in text, expected
    assert b"DejaVu" in response.content


async def test_the_pdf_in_english_and_with_the_answer(portal) -> None:
    issued = babs_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    await portal.answer(letter_id, answer="disagreed", reason="Şubat faturası eksik",
                        answered_by="Gülşen Işık")  # fmt: skip
    english = await portal.client.get(portal.url(letter_id, "/pdf"), params={"lang": "en"})
    text = "\n".join(texts(english.content))
    assert "Form Ba / Form Bs for January 2025" in text and "18,000.00 TRY" in text
    assert "No, we do not agree" in text and "Gülşen Işık" in text
    assert "Şubat faturası eksik" in text and "GIB2025000000002" in text
    assert english.headers["content-disposition"].endswith('filename="mutabakat-2025-01.pdf"')


async def test_without_the_font_a_clear_page_names_the_package(make_portal) -> None:
    portal = await make_portal(pdf_font="/nonexistent/DejaVuSans.ttf")
    issued = balance_letter()
    await portal.issue(issued)
    response = await portal.client.get(portal.url(issued.letter.letter_id, "/pdf"))
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "fonts-dejavu-core" in response.text and "/nonexistent/DejaVuSans.ttf" in response.text
    page = await portal.client.get(portal.url(issued.letter.letter_id))
    assert page.status_code == 200


async def test_operators_read_the_answer_and_download_the_file(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    operator = await portal.key(Role.OPERATOR)
    before = await portal.client.get(f"/portal/answers/{letter_id}", headers=operator)
    assert before.status_code == 200
    assert before.json()["answer"] is None and before.json()["viewed_at"] is None
    content = tiny_xlsx()
    await portal.answer(
        letter_id, answer="disagreed", reason="Fark var", their_balance="1.000,5",
        answered_by="Ayşe", answered_title="Muhasebe",
        files={"attachment": ("Ekstre Şubat.xlsx", content, "application/octet-stream")},
        headers={"X-Forwarded-For": "198.51.100.9", "User-Agent": "UA"},
    )  # fmt: skip
    body = (await portal.client.get(f"/portal/answers/{letter_id}", headers=operator)).json()
    assert body["answer"] == "disagreed" and body["reason"] == "Fark var"
    assert body["their_balance"] == "1000.50"
    assert (body["answered_by"], body["answered_title"]) == ("Ayşe", "Muhasebe")
    assert (body["from_address"], body["user_agent"]) == ("198.51.100.9", "UA")
    assert body["viewed_at"] is not None and body["answered_at"] is not None
    assert body["attachment"]["file_name"] == "Ekstre Şubat.xlsx"
    assert body["attachment"]["size"] == len(content)
    admin = await portal.key(Role.ADMIN)
    download = await portal.client.get(f"/portal/answers/{letter_id}/attachment", headers=admin)
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"] == body["attachment"]["content_type"]
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Ekstre _ubat.xlsx"')
    assert "filename*=UTF-8''Ekstre%20%C5%9Eubat.xlsx" in disposition


async def test_answers_are_only_for_the_letters_tenant_and_its_operators(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    await portal.answer(letter_id, answer="agreed", answered_by="Ayşe",
                        files={"attachment": ("a.xlsx", tiny_xlsx(), XLSX)})  # fmt: skip
    stranger = await portal.key(Role.ADMIN, tenant=uuid.uuid4())
    for path in (f"/portal/answers/{letter_id}", f"/portal/answers/{letter_id}/attachment"):
        assert (await portal.client.get(path, headers=stranger)).status_code == 404
        assert (await portal.client.get(path)).status_code == 401
        erp = await portal.key(Role.ERP)
        assert (await portal.client.get(path, headers=erp)).status_code == 403
    operator = await portal.key(Role.OPERATOR)
    unknown = await portal.client.get(f"/portal/answers/{uuid.uuid4()}", headers=operator)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    other = balance_letter()
    await portal.issue(other)
    none = await portal.client.get(
        f"/portal/answers/{other.letter.letter_id}/attachment", headers=operator
    )
    assert none.status_code == 404
