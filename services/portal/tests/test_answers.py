"""Answering: agree, disagree with a reason and a file, the checks that refuse an answer and
store nothing, one answer per letter, CSRF."""

from __future__ import annotations

import asyncio
import hashlib
from decimal import Decimal

from portal.adapters.orm import Attachment
from shared.events import LetterAnswered

from .files import tiny_image, tiny_pdf, tiny_xlsx, windows_program, word_document
from .issued import balance_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def answers(portal) -> list[LetterAnswered]:
    await portal.settled()
    return [LetterAnswered.model_validate(e.payload) for e in portal.of_type(LetterAnswered.type)]


async def stored_file(portal, letter_id) -> Attachment | None:
    async with portal.app.state.runtime.sessions() as session:
        return await session.get(Attachment, letter_id)


async def test_agreeing_stores_the_answer_announces_it_and_shows_it(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    headers = {"X-Forwarded-For": "198.51.100.20", "User-Agent": "Mozilla/5.0 (Answer)"}
    response = await portal.answer(
        letter_id, answer="agreed", answered_by="  Ayşe   Yılmaz ", answered_title="Muhasebe Müdürü",
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == portal.url(letter_id) + "?lang=tr&answered=1"
    page = await portal.client.get(response.headers["location"])
    assert "Teşekkür ederiz, yanıtınız kaydedildi." in page.text
    assert '<dd class="answer-choice answer-agreed">Evet, mutabıkız</dd>' in page.text
    assert '<dd class="answered-by">Ayşe Yılmaz</dd>' in page.text
    assert '<dd class="answered-title">Muhasebe Müdürü</dd>' in page.text
    assert "<form" not in page.text
    [event] = await answers(portal)
    assert event.letter_id == letter_id and event.answer == "agreed"
    assert (event.answered_by, event.answered_title) == ("Ayşe Yılmaz", "Muhasebe Müdürü")
    assert (event.from_address, event.user_agent) == ("198.51.100.20", "Mozilla/5.0 (Answer)")
    assert event.attachment is None and event.their_balance is None
    assert portal.of_type(LetterAnswered.type)[0].tenant == portal.tenant_id
    stored = await portal.letter(letter_id)
    assert (stored.answer, stored.answered_at) == ("agreed", event.answered_at)


async def test_disagreeing_without_a_reason_is_refused_and_nothing_is_stored(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    response = await portal.answer(
        letter_id, answer="disagreed", answered_by="Ali Veli", their_balance="1.000,00"
    )
    assert response.status_code == 422
    assert "Mutabık değilseniz açıklama yazmanız gerekir." in response.text
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    assert 'value="Ali Veli"' in response.text and 'value="1.000,00"' in response.text
    assert (await portal.letter(letter_id)).answer is None
    assert await answers(portal) == []
    english = await portal.client.post(
        portal.url(letter_id, "/answer?lang=en"),
        data={"csrf_token": (await portal.open(letter_id))[1], "answer": "disagreed"},
        files={"attachment": ("", b"", "application/octet-stream")},
    )
    assert english.status_code == 422
    assert "Please give the reason why you do not agree." in english.text
    assert "Please give your name." in english.text


async def test_the_name_and_a_choice_are_required(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    response = await portal.answer(issued.letter.letter_id, answer="", reason="x")
    assert response.status_code == 422
    assert "“Evet, mutabıkız” ya da “Hayır, mutabık değiliz” düğmesini seçin." in response.text
    assert "Adınızı ve soyadınızı yazın." in response.text
    assert (await portal.letter(issued.letter.letter_id)).answer is None


async def test_disagreeing_with_a_reason_their_balance_and_a_pdf(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    content = tiny_pdf()
    response = await portal.answer(
        letter_id, answer="disagreed", reason="Son faturanız bize ulaşmadı.\nFTR-3 eksik.",
        their_balance="1.134,56", answered_by="Mehmet Öz",
        files={"attachment": ("../../Mutabakat formu (imzalı).pdf", content, "application/pdf")},
    )  # fmt: skip
    assert response.status_code == 303
    [event] = await answers(portal)
    assert event.answer == "disagreed"
    assert event.reason == "Son faturanız bize ulaşmadı.\nFTR-3 eksik."
    assert event.their_balance == Decimal("1134.56")
    assert event.attachment is not None
    assert event.attachment.file_name == "Mutabakat formu (imzalı).pdf"
    assert event.attachment.content_type == "application/pdf"
    assert event.attachment.size == len(content)
    assert event.attachment.sha256 == hashlib.sha256(content).hexdigest()
    stored = await stored_file(portal, letter_id)
    assert stored is not None and stored.content == content and stored.tenant_id == portal.tenant_id
    page = (await portal.client.get(response.headers["location"])).text
    assert "Hayır, mutabık değiliz" in page and "FTR-3 eksik." in page
    assert '<dd class="their-balance amount">1.134,56 TL</dd>' in page
    assert "Mutabakat formu (imzalı).pdf" in page


async def test_their_balance_in_english_notation(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    response = await portal.answer(
        issued.letter.letter_id, answer="agreed", answered_by="John Smith", their_balance="1234.56"
    )
    assert response.status_code == 303
    [event] = await answers(portal)
    assert event.their_balance == Decimal("1234.56")


async def test_a_balance_that_is_not_an_amount_is_refused(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    response = await portal.answer(
        issued.letter.letter_id, answer="agreed", answered_by="Ali", their_balance="bin lira"
    )
    assert response.status_code == 422
    assert "Bakiye bir tutar olmalı" in response.text


async def test_workbooks_and_images_are_accepted_by_their_content(portal) -> None:
    letters = [balance_letter() for _ in range(3)]
    await portal.issue(*letters)
    kinds = [("mutabakat.xlsx", tiny_xlsx(), XLSX), ("scan.png", tiny_image("PNG"), "image/png"),
             ("photo.JPG", tiny_image("JPEG"), "image/jpeg")]  # fmt: skip
    for issued, (name, content, expected) in zip(letters, kinds, strict=True):
        response = await portal.answer(
            issued.letter.letter_id, answer="agreed", answered_by="Ali",
            files={"attachment": (name, content, "application/octet-stream")},
        )  # fmt: skip
        assert response.status_code == 303, name
        stored = await stored_file(portal, issued.letter.letter_id)
        assert (stored.file_name, stored.content_type) == (name, expected)


async def test_files_of_other_kinds_are_refused_whatever_their_name(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    for name, content in (("fatura.pdf", windows_program()), ("rapor.xlsx", word_document()),
                          ("notes.txt", b"just text")):  # fmt: skip
        response = await portal.answer(
            letter_id, answer="agreed", answered_by="Ali",
            files={"attachment": (name, content, "application/pdf")},
        )  # fmt: skip
        assert response.status_code == 422, name
        assert "Dosya türü kabul edilmiyor" in response.text
        assert (await portal.letter(letter_id)).answer is None
        assert await stored_file(portal, letter_id) is None
    empty = await portal.answer(
        letter_id, answer="agreed", answered_by="Ali",
        files={"attachment": ("empty.pdf", b"", "application/pdf")},
    )  # fmt: skip
    assert empty.status_code == 422 and "Eklenen dosya boş." in empty.text
    assert await answers(portal) == []


async def test_a_file_over_the_cap_is_refused(make_portal) -> None:
    portal = await make_portal(max_attachment_bytes=4096)
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    slightly = await portal.answer(
        letter_id, answer="agreed", answered_by="Ali",
        files={"attachment": ("big.pdf", b"%PDF-1.4\n" + b"0" * 5000, "application/pdf")},
    )  # fmt: skip
    assert slightly.status_code == 422 and "Dosya çok büyük: en çok 4 KB" in slightly.text
    far = await portal.answer(
        letter_id, answer="agreed", answered_by="Ali",
        files={"attachment": ("huge.pdf", b"%PDF-1.4\n" + b"0" * 200_000, "application/pdf")},
    )  # fmt: skip
    assert far.status_code == 413 and "Dosya çok büyük" in far.text
    assert (await portal.letter(letter_id)).answer is None


async def test_a_second_answer_is_refused_and_the_first_is_shown(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    _, stale_form = await portal.open(letter_id)
    first = await portal.answer(letter_id, csrf=stale_form, answer="agreed", answered_by="Ayşe")
    assert first.status_code == 303
    second = await portal.answer(
        letter_id, csrf=stale_form, answer="disagreed", reason="Yanlış", answered_by="Burak"
    )
    assert second.status_code == 409
    assert "Bu mektup daha önce yanıtlandı; yeni yanıtınız kaydedilmedi." in second.text
    assert '<dd class="answered-by">Ayşe</dd>' in second.text and "<form" not in second.text
    stored = await portal.letter(letter_id)
    assert (stored.answer, stored.answered_by) == ("agreed", "Ayşe")
    assert len(await answers(portal)) == 1


async def test_two_answers_at_once_store_exactly_one(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    _, csrf = await portal.open(letter_id)
    results = await asyncio.gather(
        *(portal.answer(letter_id, csrf=csrf, answer=choice, reason="r", answered_by=name)
          for choice, name in (("agreed", "Ayşe"), ("disagreed", "Burak"), ("agreed", "Can")))
    )  # fmt: skip
    assert sorted(r.status_code for r in results) == [303, 409, 409]
    [event] = await answers(portal)
    assert (await portal.letter(letter_id)).answered_by == event.answered_by


async def test_an_answer_without_the_form_token_is_forbidden(portal) -> None:
    issued, other = balance_letter(), balance_letter()
    await portal.issue(issued, other)
    letter_id = issued.letter.letter_id
    fields = {"answer": "agreed", "answered_by": "Mallory"}
    no_cookie = await portal.answer(letter_id, csrf="made-up", **fields)
    assert no_cookie.status_code == 403
    assert "Form doğrulanamadı" in no_cookie.text
    _, other_form = await portal.open(other.letter.letter_id)  # a genuine cookie from now on
    for csrf in ("", "made-up", other_form):  # none, forged, another letter's
        refused = await portal.answer(letter_id, csrf=csrf, **fields)
        assert refused.status_code == 403, csrf
    _, genuine = await portal.open(letter_id)
    portal.client.cookies.clear()
    portal.client.cookies.set(
        "mutabik_portal_csrf", "planted.cookie", domain="portal.test", path="/portal"
    )
    assert (await portal.answer(letter_id, csrf=genuine, **fields)).status_code == 403
    assert (await portal.letter(letter_id)).answer is None
    assert await answers(portal) == []


async def test_a_body_that_is_not_a_form_is_refused_plainly(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    response = await portal.client.post(
        portal.url(issued.letter.letter_id, "/answer"), content=b"{}",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 400 and "Form okunamadı" in response.text
    assert response.headers["content-type"].startswith("text/html")
