"""The tenant's letter templates: show, set, reset, preview."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Response

from shared.auth import Principal, Role
from shared.http.deps import ADMIN, get_uow, require
from shared.http.problems import CONFLICT, PROBLEM_RESPONSES

from .. import letter_templates
from ..adapters.repository import NotifierUnitOfWork
from ..letters import Language, LetterContent
from ..schemas import LetterPreviewsOut, LetterTemplateIn, LetterTemplateOut

router = APIRouter(
    prefix="/letter-templates", tags=["letter templates"], responses=PROBLEM_RESPONSES
)


@router.get(
    "/{language}",
    response_model=LetterTemplateOut,
    summary="The letter templates that apply in one language",
    description="Subject, text and HTML templates (Jinja2), each with `source`: `tenant` for the "
    "tenant's own, `default` for the one shipped with Mutabık.",
)
async def get_letter_template(
    language: Language,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: NotifierUnitOfWork = Depends(get_uow),
) -> LetterTemplateOut:
    return await letter_templates.current(principal.tenant_id, language, uow=uow)


@router.put(
    "/{language}",
    response_model=LetterTemplateOut,
    summary="Set the tenant's own letter template",
    description="Replaces the tenant's template in this language. A part left out (or null) uses "
    "the default; a body with no part is a reset. Each part must compile in the sandbox and "
    "render every sample letter (text and HTML must show `{{ portal_url }}`); otherwise 422 "
    "names the part, the line and what is wrong, and nothing is saved.",
    responses=CONFLICT,
)
async def put_letter_template(
    language: Language,
    body: LetterTemplateIn,
    principal: Principal = Depends(ADMIN),
    uow: NotifierUnitOfWork = Depends(get_uow),
) -> LetterTemplateOut:
    return await letter_templates.save(language, body, principal=principal, uow=uow)


@router.delete(
    "/{language}",
    status_code=204,
    response_class=Response,
    summary="Go back to the default letter template",
    description="Removes the tenant's template in this language. Resetting when none is set "
    "changes nothing.",
)
async def delete_letter_template(
    language: Language,
    principal: Principal = Depends(ADMIN),
    uow: NotifierUnitOfWork = Depends(get_uow),
) -> Response:
    await letter_templates.reset(language, principal=principal, uow=uow)
    return Response(status_code=204)


@router.post(
    "/{language}/preview",
    response_model=LetterPreviewsOut,
    summary="Render a letter with the templates that apply",
    description="Renders the letter in the body (its `language` must be the path's), or without "
    "a body a sample balance letter and a sample BA/BS letter. Nothing is sent.",
)
async def preview_letter(
    language: Language,
    letter: LetterContent | None = Body(default=None),
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: NotifierUnitOfWork = Depends(get_uow),
) -> LetterPreviewsOut:
    return await letter_templates.preview(language, letter, tenant_id=principal.tenant_id, uow=uow)
