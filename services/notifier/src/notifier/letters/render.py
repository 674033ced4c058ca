"""A letter rendered from Jinja2 templates: the default ones shipped in ``templates/``, or a
tenant's own for any part (subject, text, html).

Templates run in Jinja's immutable sandbox: no attribute or item whose name starts with ``_``
(so no way from ``''.__class__`` to Python's internals), no changing the data, ranges capped.
``*`` and ``**`` are capped as well, so ``'x' * 10**10`` cannot eat the memory. Undefined names
are errors (``StrictUndefined``), never silently empty. HTML is autoescaped; text and subject are
not.
"""

from __future__ import annotations

import dataclasses
import traceback
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache, partial
from importlib import resources
from typing import Any, Literal

from jinja2 import (
    Environment,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateSyntaxError,
    nodes,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from shared import letter_formats as formats
from shared.letter_formats import Language

from .model import LetterContent

Part = Literal["subject", "text", "html"]
PARTS: tuple[Part, ...] = ("subject", "text", "html")
FILES: dict[Part, str] = {"subject": "subject.txt", "text": "body.txt", "html": "body.html"}

MAX_POWER = 100
MAX_REPEAT = 100_000
"""The longest string or list that ``*`` may make."""


@dataclass(frozen=True)
class TemplateOverride:
    """A tenant's own template for one language; a part left ``None`` uses the default."""

    subject: str | None = None
    text: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    """One line."""
    text: str
    html: str


class LetterTemplateError(Exception):
    """A template that does not compile, reaches for what the sandbox forbids, or fails to
    render a letter. ``line`` is the template's line, when Jinja knows it."""

    def __init__(self, part: Part, line: int | None, message: str) -> None:
        where = f"{part} template" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
        self.part, self.line, self.message = part, line, message


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        number = isinstance(right, int | float | Decimal)
        if operator == "**" and number and not -MAX_POWER <= right <= MAX_POWER:
            raise SecurityError(f"the exponent is limited to {MAX_POWER}")
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                sized = isinstance(sequence, str | list | tuple) and isinstance(times, int)
                if sized and len(sequence) * times > MAX_REPEAT:
                    raise SecurityError(f"'*' may make at most {MAX_REPEAT} items or characters")
        return super().call_binop(context, operator, left, right)


@cache
def environment(language: Language, *, html: bool, trusted: bool = False) -> Environment:
    """The sandbox for one language's templates; its filters speak that language. ``trusted``:
    a plain environment with the same settings and filters, for the shipped templates only —
    they are ours, and skipping the sandbox's check of every attribute halves their rendering
    time, which counts when a round sends thousands of letters."""
    kind = Environment if trusted else _Sandbox
    env = kind(autoescape=html, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        money=partial(formats.money, language=language),
        date=partial(formats.day, language=language),
        period=partial(formats.period, language=language),
        side=partial(formats.side, language=language),
    )
    return env


@cache
def default_source(language: Language, part: Part) -> str:
    """The shipped template of one part."""
    path = resources.files(__package__).joinpath("templates", language, FILES[part])
    return path.read_text(encoding="utf-8")


def render_letter(
    content: LetterContent, override: TemplateOverride | None = None
) -> RenderedLetter:
    """The letter's subject, text and HTML; raises :class:`LetterTemplateError` naming the part
    when a template fails."""
    language = content.language
    sources = {part: source(language, part, override) for part in PARTS}
    context = template_context(content)
    subject = one_line(render_part(language, "subject", sources["subject"], context))
    context["title"] = subject
    text = render_part(language, "text", sources["text"], context)
    html = render_part(language, "html", sources["html"], context)
    return RenderedLetter(subject=subject, text=text, html=html)


def source(language: Language, part: Part, override: TemplateOverride | None) -> str:
    """The template of ``part`` that applies: the override's, else the default."""
    own = getattr(override, part) if override is not None else None
    return own if own is not None else default_source(language, part)


def template_context(content: LetterContent) -> dict[str, Any]:
    """What a template sees: the letter's fields by name (``sender``, ``balances`` …); the body
    templates also get ``title``, the rendered subject."""
    return {field.name: getattr(content, field.name) for field in dataclasses.fields(content)}


def render_part(language: Language, part: Part, text: str, context: dict[str, Any]) -> str:
    template = compile_part(language, part, text)
    try:
        return template.render(context)
    except Exception as exc:  # a tenant's template may fail in any way; say where and why
        raise LetterTemplateError(part, _template_line(exc), _message(exc)) from exc


@lru_cache(maxsize=256)
def compile_part(language: Language, part: Part, text: str) -> Template:
    """Compile one part in its sandbox (a shipped template in the trusted environment); names
    starting with ``_`` are refused here already, so even a branch no letter reaches cannot hold
    them."""
    env = environment(language, html=part == "html", trusted=text == default_source(language, part))
    try:
        ast = env.parse(text)
    except TemplateSyntaxError as exc:
        raise LetterTemplateError(part, exc.lineno, exc.message or str(exc)) from exc
    forbidden = _private_names(ast)
    if forbidden:
        line, name = forbidden[0]
        raise LetterTemplateError(part, line, f"access to {name!r} is not allowed")
    return env.from_string(ast)


def one_line(text: str) -> str:
    """A header value: single spaces, no line breaks (a newline would end the header)."""
    return " ".join(text.split())


def _private_names(ast: nodes.Template) -> list[tuple[int, str]]:
    found = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, nodes.Const) else None
        if isinstance(name, str) and name.startswith("_"):
            found.append((node.lineno, name))
    return found


def _template_line(exc: BaseException) -> int | None:
    # Jinja rewrites the traceback so a template's frames carry the template's own line numbers.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


def _message(exc: BaseException) -> str:
    if isinstance(exc, TemplateError):  # Jinja's own words are clear: "'x' is undefined"
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
