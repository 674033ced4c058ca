"""Repeat views come from memory; what this process changes shows at once; what another replica
changes shows after ``page_cache_seconds``; every visitor gets a form token of their own."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, timedelta

from sqlalchemy import update

from portal.adapters.orm import Letter
from portal.web.cache import PageCache, variant

from .conftest import CSRF_FIELD
from .issued import balance_letter


async def test_an_answer_shows_on_the_next_plain_view(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    await portal.open(letter_id)
    await portal.open(letter_id)  # kept now
    answered = await portal.answer(letter_id, answer="agreed", answered_by="Ayşe")
    assert answered.status_code == 303
    page, csrf = await portal.open(letter_id)
    assert '<dd class="answered-by">Ayşe</dd>' in page.text and csrf == ""


async def test_each_visitor_gets_a_form_token_of_their_own(portal) -> None:
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    _, mine = await portal.open(letter_id)
    async with portal.browser() as other:
        theirs_page = await other.get(portal.url(letter_id))
        theirs = CSRF_FIELD.search(theirs_page.text).group(1)
        assert theirs != mine and "csrf-slot" not in theirs_page.text
        answer = await other.post(
            portal.url(letter_id, "/answer"),
            data={"csrf_token": theirs, "answer": "agreed", "answered_by": "Burak"},
            files={"attachment": ("", b"", "application/octet-stream")},
        )
        assert answer.status_code == 303
    assert (await portal.letter(letter_id)).answered_by == "Burak"


async def test_another_replicas_answer_shows_after_the_cache_time(make_portal) -> None:
    portal = await make_portal(page_cache_seconds=0.3)
    issued = balance_letter()
    await portal.issue(issued)
    letter_id = issued.letter.letter_id
    await portal.open(letter_id)
    async with portal.app.state.runtime.sessions() as session, session.begin():
        await session.execute(
            update(Letter).where(Letter.letter_id == letter_id)
            .values(answer="agreed", answered_by="Elsewhere", answered_at=Letter.issued_at)
        )  # fmt: skip
    stale, stale_form = await portal.open(letter_id)
    assert "<form" in stale.text
    await asyncio.sleep(0.4)
    fresh, _ = await portal.open(letter_id)
    assert "<form" not in fresh.text and "Elsewhere" in fresh.text
    refused = await portal.answer(
        letter_id, csrf=stale_form, answer="disagreed", reason="x", answered_by="Me"
    )
    assert refused.status_code == 409  # the database decides, never the kept page


async def test_without_a_cache_every_view_is_rendered(make_portal) -> None:
    portal = await make_portal(page_cache_size=0)
    issued = balance_letter(documents=60)
    await portal.issue(issued)
    url = portal.url(issued.letter.letter_id)
    first = await portal.client.get(url)
    second = await portal.client.get(url, params={"page": 2})
    assert len(re.findall('class="document"', first.text)) == 50
    assert len(re.findall('class="document"', second.text)) == 10
    assert not portal.app.state.site.pages._letters


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_kept_pages_expire_with_time_and_with_the_day() -> None:
    clock, today, letter = Clock(), date(2026, 1, 15), uuid.uuid4()
    cache = PageCache(size=2, seconds=30, clock=clock)
    cache.put("a", ("", "", ""), html="A", letter_id=letter, has_form=True, today=today)
    assert cache.get("a", ("", "", ""), today).html == "A"
    assert cache.get("a", ("", "en", ""), today) is None
    assert cache.get("a", ("", "", ""), today + timedelta(days=1)) is None  # dropped at midnight
    cache.put("a", ("", "", ""), html="A", letter_id=letter, has_form=True, today=today)
    clock.now += 31
    assert cache.get("a", ("", "", ""), today) is None
    for digest in "abc":
        cache.put(digest, ("", "", ""), html=digest, letter_id=letter, has_form=False, today=today)
    assert cache.get("a", ("", "", ""), today) is None and cache.get("c", ("", "", ""), today)
    cache.forget("c")
    assert cache.get("c", ("", "", ""), today) is None
    off = PageCache(size=0, seconds=30)
    off.put("a", ("", "", ""), html="A", letter_id=letter, has_form=False, today=today)
    assert off.get("a", ("", "", ""), today) is None


def test_page_variants_are_normalised_and_bounded() -> None:
    assert variant("/portal", "en", "002") == ("/portal", "en", "2")
    assert variant("", "de", "x") == ("", "", "") == variant("", None, "1234567")
    cache, today, letter = PageCache(size=10, seconds=30), date(2026, 1, 1), uuid.uuid4()
    for page in range(40):
        cache.put("a", ("", "", str(page)), html="p", letter_id=letter, has_form=False, today=today)
    assert len(cache._letters["a"]) <= 16
