"""The letter page: what the counterparty sees, in Turkish and English, page by page; the first
view announced once; the plain pages for wrong, expired and too many tokens; the headers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.adapters.orm import Letter
from portal.web.csrf import Csrf
from shared.events import LetterViewed

from .conftest import SECRET
from .issued import babs_letter, balance_letter, later

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def rows(html: str) -> list[str]:
    return re.findall(r'<td class="document-no">([^<]*)</td>', html)


async def test_a_balance_letter_shows_both_firms_the_amounts_and_the_form(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    page, csrf = await portal.open(issued.letter.letter_id)
    assert page.status_code == 200
    html = page.text
    assert '<html lang="tr">' in html
    for text in ("Deniz Makina San. ve Tic. A.Ş.", "Ümraniye", "4560012345",
                 "Öztürk İnşaat Ltd. Şti.", "120.01.005", "4540536920",
                 "31.12.2025 tarihli cari hesap bakiyesi", "Geçerlilik tarihi"):  # fmt: skip
        assert text in html, text
    assert '<td class="num amount" data-currency="TRY">1.234,56 TL</td>' in html
    assert '<td class="side side-debit">Borç</td>' in html
    assert '<td class="num amount" data-currency="EUR">2.500,00 EUR</td>' in html
    assert '<td class="side side-credit">Alacak</td>' in html
    assert "90.000,00 TL" in html  # the EUR balance in TL
    assert later().strftime("%d.%m.%Y") in html
    assert (
        '<button type="submit" class="button agree" name="answer" value="agreed">Evet, mutabıkız'
        in html
    )
    assert 'value="disagreed">Hayır, mutabık değiliz</button>' in html
    for field in ("answered_by", "answered_title", "reason", "their_balance", "attachment"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert csrf
    assert rows(html) == ["FTR-00001", "FTR-00002", "FTR-00003"]
    assert "<script" not in html and " style=" not in html
    assert 'href="/portal/static/portal.css"' in html


async def test_english_on_request_with_a_switch_back(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    url = portal.url(issued.letter.letter_id)
    english = (await portal.client.get(url, params={"lang": "en"})).text
    assert '<html lang="en">' in english
    assert "1,234.56 TRY" in english and ">Debit<" in english and ">Credit<" in english
    assert "Account balance at 31 Dec 2025" in english
    assert ">Yes, we agree</button>" in english and ">No, we do not agree</button>" in english
    assert f'href="{url}?lang=tr&amp;page=1"' in english and ">Türkçe</a>" in english
    turkish = (await portal.client.get(url)).text
    assert f'href="{url}?lang=en&amp;page=1"' in turkish and ">English</a>" in turkish


async def test_a_letter_written_in_english_opens_in_english(portal) -> None:
    issued = balance_letter(language="en")
    await portal.issue(issued)
    page, _ = await portal.open(issued.letter.letter_id)
    assert '<html lang="en">' in page.text and "1,234.56 TRY" in page.text
    page = await portal.client.get(portal.url(issued.letter.letter_id), params={"lang": "tr"})
    assert "1.234,56 TL" in page.text


async def test_documents_come_fifty_a_page(portal) -> None:
    issued = balance_letter(documents=120)
    await portal.issue(issued)
    url = portal.url(issued.letter.letter_id)
    first = (await portal.client.get(url)).text
    assert rows(first) == [f"FTR-{n:05d}" for n in range(1, 51)]
    assert "Sayfa 1 / 3 (120 belge)" in first
    assert f'rel="next" href="{url}?lang=tr&amp;page=2"' in first and 'rel="prev"' not in first
    last = (await portal.client.get(url, params={"page": 3})).text
    assert rows(last) == [f"FTR-{n:05d}" for n in range(101, 121)]
    assert f'rel="prev" href="{url}?lang=tr&amp;page=2"' in last and 'rel="next"' not in last
    assert "100,00 TL" in last and "40,50 TL" in last
    beyond = (await portal.client.get(url, params={"page": "99"})).text
    assert rows(beyond) == rows(last)
    nonsense = (await portal.client.get(url, params={"page": "x"})).text
    assert rows(nonsense) == rows(first)


async def test_a_babs_letter_shows_the_month_and_the_form_totals(portal) -> None:
    issued = babs_letter()
    await portal.issue(issued)
    html = (await portal.client.get(portal.url(issued.letter.letter_id))).text
    assert "Ocak 2025 dönemi Form Ba / Form Bs bildirimi" in html
    assert "Şahin Ğıda İthalat A.Ş." in html
    assert '<td class="num count">2</td>' in html
    assert '<td class="num amount" data-currency="TRY">18.000,00 TL</td>' in html
    assert "Form Bs" in html and 'class="form-bs"' not in html  # no Bs line in this letter
    assert rows(html) == ["GIB2025000000001", "GIB2025000000002"]
    assert '<td class="num net">6.000,00 TL</td>' in html
    english = (await portal.client.get(portal.url(issued.letter.letter_id) + "?lang=en")).text
    assert "Form Ba / Form Bs for January 2025" in english and "18,000.00 TRY" in english


async def test_the_first_view_is_announced_once_with_the_address_and_browser(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    headers = {"X-Forwarded-For": "198.51.100.7", "User-Agent": "Mozilla/5.0 (Test)"}
    await portal.client.get(portal.url(issued.letter.letter_id), headers=headers)
    await portal.client.get(portal.url(issued.letter.letter_id))
    await portal.client.get(portal.url(issued.letter.letter_id, "/pdf"))
    await portal.settled()
    viewed = portal.of_type(LetterViewed.type)
    assert len(viewed) == 1
    assert viewed[0].tenant == portal.tenant_id
    event = LetterViewed.model_validate(viewed[0].payload)
    assert event.letter_id == issued.letter.letter_id
    assert (event.from_address, event.user_agent) == ("198.51.100.7", "Mozilla/5.0 (Test)")
    assert (await portal.letter(issued.letter.letter_id)).viewed_at == event.viewed_at


async def test_a_wrong_token_and_an_expired_link_get_the_same_plain_404(portal) -> None:
    expired = balance_letter(valid_until=later(-91))  # past the link's 90 days
    await portal.issue(expired)
    wrong = await portal.client.get("/portal/letters/" + "A" * 43)
    old = await portal.client.get(portal.url(expired.letter.letter_id))
    assert wrong.status_code == old.status_code == 404
    assert wrong.content == old.content
    assert "Sayfa bulunamadı" in wrong.text and "Page not found" in wrong.text
    assert "Öztürk" not in old.text and "Deniz" not in old.text
    assert "set-cookie" not in old.headers
    for suffix in ("/pdf", "/answer"):
        method = portal.client.post if suffix == "/answer" else portal.client.get
        late = await method(portal.url(expired.letter.letter_id, suffix))
        assert (late.status_code, late.content) == (404, wrong.content)
    await portal.settled()
    assert portal.events == []  # an expired link is not even a view


async def test_a_letter_past_its_validity_date_is_shown_but_closed(portal) -> None:
    issued, other = balance_letter(valid_until=later(-1)), balance_letter()
    await portal.issue(issued, other)
    page, csrf = await portal.open(issued.letter.letter_id)
    assert page.status_code == 200
    assert "Yanıt süresi doldu" in page.text and "1.234,56 TL" in page.text
    assert "Deniz Makina San. ve Tic. A.Ş. ile iletişime geçin" in page.text
    assert "<form" not in page.text and csrf == ""
    # a form opened before the validity date passed, sent after it
    await portal.open(other.letter.letter_id)
    stale = Csrf(SECRET).field_for(
        portal.client.cookies["mutabik_portal_csrf"], issued.letter.letter_id
    )
    late = await portal.answer(
        issued.letter.letter_id, csrf=stale, answer="agreed", answered_by="Ali"
    )
    assert late.status_code == 409
    assert "Yanıt süresi doldu" in late.text and "<form" not in late.text
    assert (await portal.letter(issued.letter.letter_id)).answer is None
    await portal.settled()
    assert portal.of_type("portal.letter.answered") == []


async def test_the_last_valid_day_is_still_open(portal) -> None:
    issued = balance_letter(valid_until=later(0))
    await portal.issue(issued)
    page, csrf = await portal.open(issued.letter.letter_id)
    assert "<form" in page.text and csrf


async def test_unknown_tokens_are_rate_limited_per_address(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    guesser = {"X-Forwarded-For": "203.0.113.66"}
    for n in range(10):
        miss = await portal.client.get(f"/portal/letters/guess{n}", headers=guesser)
        assert miss.status_code == 404
    blocked = await portal.client.get("/portal/letters/guess-more", headers=guesser)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "Çok fazla deneme" in blocked.text
    assert blocked.headers["content-security-policy"] == CSP
    known = await portal.client.get(portal.url(issued.letter.letter_id), headers=guesser)
    assert known.status_code == 429  # a guesser is stopped for everything
    other = await portal.client.get(portal.url(issued.letter.letter_id))
    assert other.status_code == 200


async def test_known_tokens_have_a_larger_allowance(make_portal) -> None:
    portal = await make_portal(lookups_per_minute=30)
    issued = balance_letter()
    await portal.issue(issued)
    statuses = [
        (await portal.client.get(portal.url(issued.letter.letter_id))).status_code
        for _ in range(31)
    ]
    assert statuses == [200] * 30 + [429]


async def test_every_portal_page_carries_the_security_headers(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    answers = [
        await portal.client.get(portal.url(letter_id)),
        await portal.client.get("/portal/letters/nope"),
        await portal.client.get(portal.url(letter_id, "/pdf")),
        await portal.client.post(portal.url(letter_id, "/answer"), data={"answer": "agreed"}),
        await portal.client.get("/portal/static/portal.css"),
    ]
    for response in answers:
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert [r.headers["cache-control"] for r in answers[:4]] == ["no-store"] * 4
    css = answers[-1]
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert b"@media print" in css.content and b":focus-visible" in css.content


async def test_the_csrf_cookie_is_strict_http_only_and_under_the_mount(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    page, _ = await portal.open(issued.letter.letter_id)
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("mutabik_portal_csrf=")
    for part in ("HttpOnly", "Path=/portal", "SameSite=strict"):
        assert part in cookie
    again, _ = await portal.open(issued.letter.letter_id)
    assert "set-cookie" not in again.headers  # one cookie serves every letter


async def test_a_redelivered_or_repeated_letter_changes_nothing(portal) -> None:
    issued = balance_letter()
    envelope = await portal.issue(issued)
    await portal.answer(issued.letter.letter_id, answer="agreed", answered_by="Ayşe Yılmaz")
    await portal.bus.publish([envelope])  # the same event again
    changed = issued.model_copy(
        update={"letter": issued.letter.model_copy(update={"counterparty_title": "Başka"})}
    )
    await portal.issue(changed)  # the same letter in a new event
    stored = await portal.letter(issued.letter.letter_id)
    assert stored.content["counterparty_title"] == "Öztürk İnşaat Ltd. Şti."
    assert stored.answer == "agreed" and stored.document_count == 3
    async with portal.app.state.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Letter)) == 1
    html = (await portal.client.get(portal.url(issued.letter.letter_id))).text
    assert len(rows(html)) == 3


async def test_letters_of_one_event_are_stored_together(portal) -> None:
    letters = [balance_letter(documents=n) for n in (0, 1, 70)]
    await portal.issue(*letters)
    for issued in letters:
        html = (await portal.client.get(portal.url(issued.letter.letter_id))).text
        assert len(rows(html)) == min(len(issued.documents), 50)
    assert (
        "Bu mektupta listelenen belge yok."
        in (await portal.client.get(portal.url(letters[0].letter.letter_id))).text
    )
