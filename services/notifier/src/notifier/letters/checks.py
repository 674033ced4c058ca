"""Whether a tenant's template may be saved: it compiles in the sandbox, and renders every
built-in sample letter (both kinds, with and without the optional parts) to something that is
not empty and, for the bodies, shows the portal link."""

from __future__ import annotations

from shared.letter_formats import Language

from .render import (
    PARTS,
    LetterTemplateError,
    Part,
    TemplateOverride,
    compile_part,
    default_source,
    one_line,
    render_part,
    template_context,
)
from .samples import check_samples


def template_problems(language: Language, override: TemplateOverride) -> list[LetterTemplateError]:
    """The first problem of each part the override gives; empty when all of them are fine."""
    found = []
    for part in PARTS:
        text = getattr(override, part)
        if text is None:
            continue
        try:
            _check(language, part, text)
        except LetterTemplateError as problem:
            found.append(problem)
    return found


def _check(language: Language, part: Part, text: str) -> None:
    compile_part(language, part, text)
    for sample in check_samples(language):
        context = template_context(sample)
        if part != "subject":  # as in render_letter: the bodies see the rendered subject
            subject = render_part(language, "subject", default_source(language, "subject"), context)
            context["title"] = one_line(subject)
        rendered = render_part(language, part, text, context)
        if not rendered.strip():
            raise LetterTemplateError(part, None, f"renders to nothing for a {sample.kind} letter")
        if part != "subject" and sample.portal_url not in rendered:
            raise LetterTemplateError(
                part, None, "does not show the portal link: the letter needs {{ portal_url }}"
            )
