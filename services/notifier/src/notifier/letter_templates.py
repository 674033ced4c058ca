"""A tenant's letter templates: shown, set part by part, reset to the default, previewed.

A template is checked before it is stored (it compiles in the sandbox and renders every sample
letter), so a broken one is refused at once instead of failing a round of letters later.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import IntegrityError

from shared.auth import Principal
from shared.errors import Conflict, ValidationFailed

from .adapters.orm import LetterTemplate
from .adapters.repository import NotifierUnitOfWork
from .letters import (
    PARTS,
    Language,
    LetterContent,
    LetterTemplateError,
    TemplateOverride,
    default_source,
    render_letter,
)
from .letters.checks import template_problems
from .letters.samples import preview_samples
from .schemas import (
    LetterPreview,
    LetterPreviewsOut,
    LetterTemplateIn,
    LetterTemplateOut,
    TemplatePartOut,
)

log = structlog.get_logger(__name__)


async def current(
    tenant_id: uuid.UUID, language: Language, *, uow: NotifierUnitOfWork
) -> LetterTemplateOut:
    """The templates that apply, part by part: the tenant's own, else the default."""
    async with uow:
        row = await uow.letter_templates.get(tenant_id, language)
    return _out(language, row)


async def override_for(
    tenant_id: uuid.UUID, language: Language, *, uow: NotifierUnitOfWork
) -> TemplateOverride | None:
    """The tenant's own template in ``language``, for :func:`render_letter`."""
    async with uow:
        row = await uow.letter_templates.get(tenant_id, language)
    return _override(row)


async def save(
    language: Language, body: LetterTemplateIn, *, principal: Principal, uow: NotifierUnitOfWork
) -> LetterTemplateOut:
    """Set the tenant's template whole: the parts given, the default for the rest. A body with
    no part at all is a reset."""
    override = TemplateOverride(subject=body.subject, text=body.text, html=body.html)
    problems = template_problems(language, override)
    if problems:
        raise ValidationFailed(
            "; ".join(str(problem) for problem in problems),
            [
                {"location": f"body.{p.part}", "line": p.line, "message": p.message}
                for p in problems
            ],
        )
    if override == TemplateOverride():
        await reset(language, principal=principal, uow=uow)
        return _out(language, None)
    async with uow:
        row = await uow.letter_templates.get(principal.tenant_id, language)
        if row is None:
            row = LetterTemplate(tenant_id=principal.tenant_id, language=language)
            uow.letter_templates.add(row)
        row.subject, row.text, row.html = body.subject, body.text, body.html
        row.updated_at, row.updated_by = datetime.now(UTC), principal.key_id
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict("The template was saved by someone else just now; send again.") from exc
    log.info(
        "letter template saved",
        tenant=str(principal.tenant_id),
        language=language,
        parts=[part for part in PARTS if getattr(override, part) is not None],
        by=principal.key_id,
    )
    return _out(language, row)


async def reset(language: Language, *, principal: Principal, uow: NotifierUnitOfWork) -> None:
    """Remove the tenant's template in ``language``: its letters use the default again."""
    async with uow:
        removed = await uow.letter_templates.remove(principal.tenant_id, language)
        await uow.commit()
    if removed:
        log.info(
            "letter template reset",
            tenant=str(principal.tenant_id),
            language=language,
            by=principal.key_id,
        )


async def preview(
    language: Language,
    letter: LetterContent | None,
    *,
    tenant_id: uuid.UUID,
    uow: NotifierUnitOfWork,
) -> LetterPreviewsOut:
    """The letter (else each sample) rendered with the templates that apply."""
    if letter is not None and letter.language != language:
        raise ValidationFailed(
            f"The letter is in {letter.language!r}; this is the {language!r} template.",
            [{"location": "body.language", "message": f"must be {language!r}"}],
        )
    letters = (letter,) if letter is not None else preview_samples(language)
    override = await override_for(tenant_id, language, uow=uow)
    previews = []
    for content in letters:
        try:
            rendered = render_letter(content, override)
        except LetterTemplateError as problem:
            raise ValidationFailed(
                f"The letter cannot be rendered: {problem}",
                [{"location": f"template.{problem.part}", "line": problem.line,
                  "message": problem.message}],
            ) from problem  # fmt: skip
        previews.append(
            LetterPreview(
                kind=content.kind, subject=rendered.subject, text=rendered.text, html=rendered.html
            )
        )
    return LetterPreviewsOut(language=language, letters=previews)


def _override(row: LetterTemplate | None) -> TemplateOverride | None:
    if row is None:
        return None
    return TemplateOverride(subject=row.subject, text=row.text, html=row.html)


def _out(language: Language, row: LetterTemplate | None) -> LetterTemplateOut:
    override = _override(row)
    parts = {}
    for part in PARTS:
        own = getattr(override, part) if override is not None else None
        parts[part] = (
            TemplatePartOut(source="tenant", template=own)
            if own is not None
            else TemplatePartOut(source="default", template=default_source(language, part))
        )
    return LetterTemplateOut(
        language=language,
        **parts,
        updated_at=row.updated_at if row is not None else None,
        updated_by=row.updated_by if row is not None else None,
    )
