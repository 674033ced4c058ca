"""The letter page's HTML, and its answer to one visitor: the CSRF cookie (made once per browser)
and the form's field, put into the page's slot."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import letters
from ..adapters.repository import StoredLetter
from ..domain.words import Language
from ..letters import Visitor
from .cache import CSRF_SLOT, KeptPage
from .csrf import COOKIE
from .site import Site, base_path
from .views import FormState, Pages, letter_context, messages

FIELD_IDS = {"answer": "answered_by"}
"""Where an error's link in the summary leads when the field has no input of its own id."""


@dataclass(frozen=True)
class Opened:
    """A letter found by its token, and who is looking, in which language."""

    token: str
    letter: StoredLetter
    visitor: Visitor
    language: Language

    def url(self, request: Request, suffix: str = "", **query: Any) -> str:
        pairs = {"lang": self.language, **query}.items()
        params = "&".join(f"{key}={value}" for key, value in pairs)
        return f"{base_path(request)}/letters/{self.token}{suffix}?{params}"

    def in_language(self, language: Language) -> Opened:
        return Opened(self.token, self.letter, self.visitor, language)


def context(site: Site, opened: Opened, documents: list[Any], pages: Pages) -> dict[str, Any]:
    return letter_context(
        opened.letter, documents, pages, language=opened.language, zone=site.zone,
        is_open=letters.is_open(opened.letter, site.today()),
        max_attachment_bytes=site.settings.max_attachment_bytes,
    )  # fmt: skip


@dataclass(frozen=True)
class Rendered:
    html: str
    """With :data:`~portal.web.cache.CSRF_SLOT` for the form's token."""
    has_form: bool


def render(
    request: Request,
    site: Site,
    opened: Opened,
    documents: list[Any],
    pages: Pages,
    *,
    notice: str | None = None,
    form: FormState | None = None,
) -> Rendered:
    """The page for any visitor: the CSRF field is left as a slot (see :func:`respond`)."""
    values = context(site, opened, documents, pages)
    form = form or FormState()
    other: Language = "en" if opened.language == "tr" else "tr"
    links = {
        "switch": opened.in_language(other).url(request, page=pages.page),
        "pdf": opened.url(request, "/pdf"),
        "answer": opened.url(request, "/answer"),
        "previous": opened.url(request, page=pages.page - 1) if pages.page > 1 else None,
        "next": opened.url(request, page=pages.page + 1) if pages.page < pages.pages else None,
    }
    errors = messages(form.errors, opened.language)
    if form.file_again and "attachment" not in errors:
        errors["attachment"] = values["t"]["error_file_again"]
    html = site.render(
        "letter.html", base=base_path(request), links=links, other_lang=other, notice=notice,
        form=form.values, errors=errors, field_ids=FIELD_IDS, csrf_token=CSRF_SLOT, **values,
    )  # fmt: skip
    return Rendered(html, values["state"] == "open")


def respond(
    request: Request,
    site: Site,
    page: Rendered | KeptPage,
    letter_id: uuid.UUID,
    *,
    status: int = 200,
) -> Response:
    """The page for this visitor: their CSRF field in the form, and a cookie if they have none
    of ours yet."""
    if not page.has_form:
        return HTMLResponse(page.html, status_code=status)
    cookie = request.cookies.get(COOKIE, "")
    fresh = site.csrf.nonce_of(cookie) is None
    if fresh:
        cookie = site.csrf.new_cookie()
    html = page.html.replace(CSRF_SLOT, site.csrf.field_for(cookie, letter_id), 1)
    response = HTMLResponse(html, status_code=status)
    if fresh:
        response.set_cookie(
            COOKIE, cookie, path=base_path(request) or "/", httponly=True, samesite="strict",
            secure=site.clients.scheme(request) == "https",
        )  # fmt: skip
    return response
