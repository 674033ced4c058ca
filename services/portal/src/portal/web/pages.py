"""The counterparty's pages: the letter, the answer (Post/Redirect/Get), the PDF, the stylesheet.

Every token route first asks the rate limiter, then looks the token's digest up; a token never
issued and one whose link has expired get the same 404 page. A first view is one query for the
letter, the first-view update, one query for its page of documents; a repeat view is served from
the page cache (:mod:`portal.web.cache`).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import anyio
import structlog
from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from shared.http.deps import get_runtime
from shared.portal_links import token_digest

from .. import letters, pdf
from ..adapters.repository import PortalUnitOfWork
from ..domain.answers import check_answer
from ..domain.words import file_size, language_of
from ..letters import Visitor
from .cache import variant
from .csrf import COOKIE, FIELD
from .forms import (
    FORM_OVERHEAD,
    BadForm,
    BodyTooLarge,
    check_file,
    chosen_file,
    read_form,
    text_fields,
)
from .letter_page import Opened, context, render, respond
from .site import PageRouter, Site, base_path, site_of
from .views import FormState, pages_of

log = structlog.get_logger(__name__)

router = PageRouter()


def _admitted(request: Request, address: str) -> Response | None:
    """The 429 page when this client has used up its lookups, else ``None``."""
    site = site_of(request)
    gate = site.limiter.admit(address)
    if gate.allowed:
        return None
    return site.too_many(request, language_of(request.query_params.get("lang")), gate.retry_after)


async def _open(
    request: Request, token: str, address: str, uow: PortalUnitOfWork
) -> Opened | Response:
    """The letter of ``token`` for an admitted request, or the 404 page."""
    site = site_of(request)
    visitor = Visitor(address, request.headers.get("user-agent", "")[:500])
    letter = await letters.find(
        token, uow=uow, today=site.today(), lifetime_days=site.settings.link_lifetime_days
    )
    site.limiter.settle(visitor.address, known=letter is not None)
    if letter is None:
        return site.not_found(request)
    language = language_of(request.query_params.get("lang"), letter.language)
    return Opened(token, letter, visitor, language)


@router.page("/static/portal.css")
async def stylesheet(request: Request) -> Response:
    return Response(
        site_of(request).css,
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.page("/letters/{token}")
async def letter_page(request: Request) -> Response:
    """The letter, its documents (``?page=N``), and the answer form or the answer given."""
    site, token = site_of(request), request.path_params["token"]
    address = site.clients.of(request)
    if refused := _admitted(request, address):
        return refused
    query = request.query_params
    key = variant(base_path(request), query.get("lang"), query.get("page"))
    digest = token_digest(token)
    if "answered" not in query and (kept := site.pages.get(digest, key, site.today())):
        site.limiter.settle(address, known=True)
        return respond(request, site, kept, kept.letter_id)
    async with get_runtime(request).new_uow() as uow:
        opened = await _open(request, token, address, uow)
        if isinstance(opened, Response):
            return opened
        if await letters.mark_viewed(opened.letter, opened.visitor, uow=uow):
            site.pages.forget(digest)
        pages = pages_of(
            opened.letter.document_count, query.get("page"), site.settings.documents_per_page
        )
        documents = await uow.letters.documents(
            opened.letter.letter_id, start=pages.start, stop=pages.stop
        )
    thanked = query.get("answered") == "1" and opened.letter.answer is not None
    page = render(request, site, opened, documents, pages, notice="thank_you" if thanked else None)
    if not thanked:
        site.pages.put(digest, key, html=page.html, letter_id=opened.letter.letter_id,
                       has_form=page.has_form, today=site.today())  # fmt: skip
    return respond(request, site, page, opened.letter.letter_id)


@router.page("/letters/{token}/answer", methods=("POST",))
async def answer_letter(request: Request) -> Response:
    """Take the answer (multipart form) once; then 303 to the page, which shows it."""
    site, token = site_of(request), request.path_params["token"]
    address = site.clients.of(request)
    if refused := _admitted(request, address):
        return refused
    async with get_runtime(request).new_uow() as uow:
        opened = await _open(request, token, address, uow)
    if isinstance(opened, Response):
        return opened
    language, back = opened.language, opened.url(request)
    limit = site.settings.max_attachment_bytes
    try:
        form = await read_form(request, max_bytes=limit + FORM_OVERHEAD)
    except BodyTooLarge:
        return site.message(
            request, language, status=413, title="too_large_title", text="error_file_too_large",
            back=back, size=file_size(limit, language=language),
        )  # fmt: skip
    except BadForm:
        return site.message(
            request, language, status=400, title="bad_form_title", text="bad_form_text", back=back
        )
    try:
        return await _answer(request, site, opened, form)
    finally:
        await form.close()


async def _answer(request: Request, site: Site, opened: Opened, form: FormData) -> Response:
    field = form.get(FIELD)
    if not site.csrf.check(
        request.cookies.get(COOKIE), field if isinstance(field, str) else None,
        opened.letter.letter_id,
    ):  # fmt: skip
        return site.message(
            request, opened.language, status=403, title="forbidden_title", text="forbidden_text",
            back=opened.url(request),
        )  # fmt: skip
    today = site.today()
    if opened.letter.answer is not None:
        return await _show_again(request, site, opened, notice="already_answered")
    if not letters.is_open(opened.letter, today):
        return await _show_again(request, site, opened)
    typed = text_fields(form)
    given, errors = check_answer(typed)
    upload, chosen = None, chosen_file(form)
    if chosen is not None:
        upload, refused = await check_file(chosen, max_bytes=site.settings.max_attachment_bytes)
        if refused:
            errors.append(refused)
    if given is None or errors:
        values = {name: getattr(typed, name) for name in
                  ("reason", "their_balance", "answered_by", "answered_title")}  # fmt: skip
        state = FormState(values, errors, file_again=chosen is not None)
        return await _show_again(request, site, opened, status=422, form=state)
    async with get_runtime(request).new_uow() as uow:
        outcome = await letters.answer(
            opened.letter, given, upload, opened.visitor, uow=uow, today=today
        )
    site.pages.forget(token_digest(opened.token))
    if outcome == "answered":
        return RedirectResponse(opened.url(request, answered=1), status_code=303)
    notice = "already_answered" if outcome == "already_answered" else None
    return await _show_again(request, site, opened, notice=notice)


async def _show_again(
    request: Request,
    site: Site,
    opened: Opened,
    *,
    status: int = 409,
    notice: str | None = None,
    form: FormState | None = None,
) -> Response:
    """The letter page in answer to a POST that stored nothing: the letter as it is now (an
    answer given meanwhile shows), its first page of documents."""
    async with get_runtime(request).new_uow() as uow:
        letter = await uow.letters.by_digest(token_digest(opened.token))
        if letter is None:  # pragma: no cover - letters are never deleted
            return site.not_found(request)
        pages = pages_of(letter.document_count, "1", site.settings.documents_per_page)
        documents = await uow.letters.documents(letter.letter_id, start=0, stop=pages.stop)
    now = Opened(opened.token, letter, opened.visitor, opened.language)
    page = render(request, site, now, documents, pages, notice=notice, form=form)
    return respond(request, site, page, letter.letter_id, status=status)


@router.page("/letters/{token}/pdf")
async def letter_pdf(request: Request) -> Response:
    """The letter, and the answer once given, as a PDF (all its documents)."""
    site, token = site_of(request), request.path_params["token"]
    address = site.clients.of(request)
    if refused := _admitted(request, address):
        return refused
    async with get_runtime(request).new_uow() as uow:
        opened = await _open(request, token, address, uow)
        if isinstance(opened, Response):
            return opened
        if await letters.mark_viewed(opened.letter, opened.visitor, uow=uow):
            site.pages.forget(token_digest(token))
        documents = await uow.letters.documents(opened.letter.letter_id)
    values = context(site, opened, documents, pages_of(len(documents), "1", len(documents) or 1))
    make = functools.partial(
        pdf.render, values, font=site.settings.pdf_font, bold=site.settings.pdf_font_bold
    )
    try:
        body = await anyio.to_thread.run_sync(make)
    except pdf.FontMissing as exc:
        log.error("letter PDF unavailable", reason=str(exc))
        return site.message(
            request, opened.language, status=503, title="pdf_unavailable_title",
            text="pdf_unavailable_text", back=opened.url(request), detail=str(exc),
        )  # fmt: skip
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="mutabakat-{_day(values)}.pdf"'},
    )


def _day(values: dict[str, Any]) -> str:
    """The letter's date for the file name: the balance date, or the BA/BS month."""
    letter = values["letter"]
    moment: date | None = letter.as_of or letter.period
    if moment is None:
        return letter.valid_until.isoformat()
    return moment.isoformat() if letter.as_of else moment.strftime("%Y-%m")
