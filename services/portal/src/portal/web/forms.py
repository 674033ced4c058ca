"""Reading the answer form: the body counted while it streams (no trust in Content-Length), at
most one file, a few small fields; the file checked by its content."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from ..domain.answers import AnswerInput, FieldError
from ..domain.files import RefusedFile, clean_file_name, sniff
from ..letters import UploadedFile

FORM_OVERHEAD = 64 * 1024
"""Room for the text fields and the multipart framing on top of the largest attachment."""


class BodyTooLarge(Exception):
    pass


class BadForm(Exception):
    pass


async def read_form(request: Request, *, max_bytes: int) -> FormData:
    """The form of a POST whose body is at most ``max_bytes``; :class:`BodyTooLarge` as soon as
    more arrives, :class:`BadForm` when it is not a form."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge

    async def limited() -> AsyncGenerator[bytes, None]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise BodyTooLarge
            yield chunk

    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        parser: MultiPartParser | FormParser = MultiPartParser(
            request.headers, limited(), max_files=1, max_fields=20, max_part_size=FORM_OVERHEAD
        )
    elif content_type.startswith("application/x-www-form-urlencoded"):
        parser = FormParser(request.headers, limited())
    else:
        raise BadForm
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise BadForm from exc


def text_fields(form: FormData) -> AnswerInput:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    return AnswerInput(
        answer=text("answer"),
        reason=text("reason"),
        their_balance=text("their_balance"),
        answered_by=text("answered_by"),
        answered_title=text("answered_title"),
    )


def chosen_file(form: FormData) -> UploadFile | None:
    """The attachment, unless the file field was left empty (browsers send an empty part)."""
    value = form.get("attachment")
    if not isinstance(value, UploadFile) or (not value.filename and not value.size):
        return None
    return value


async def check_file(
    upload: UploadFile, *, max_bytes: int
) -> tuple[UploadedFile | None, FieldError | None]:
    """The attachment's bytes, type and a plain name; or why it is refused."""
    content = await upload.read(max_bytes + 1)
    if not content:
        return None, FieldError("attachment", "error_file_empty")
    if len(content) > max_bytes:
        return None, FieldError("attachment", "error_file_too_large", {"size": max_bytes})
    try:
        content_type = sniff(content)
    except RefusedFile:
        return None, FieldError("attachment", "error_file_type")
    return UploadedFile(clean_file_name(upload.filename, content_type), content_type, content), None
