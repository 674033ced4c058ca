"""The operator's side: a letter's answer as the portal recorded it, and the attached file."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.responses import Response

from shared.auth import Principal, Role
from shared.errors import NotFound
from shared.http.deps import get_uow, require
from shared.http.problems import PROBLEM_RESPONSES

from .adapters.repository import PortalUnitOfWork

router = APIRouter(prefix="/answers", tags=["answers"], responses=PROBLEM_RESPONSES)


class AttachmentOut(BaseModel):
    file_name: str
    content_type: str = Field(description="By the file's content, not by its name")
    size: int
    sha256: str


class AnswerOut(BaseModel):
    letter_id: uuid.UUID
    round_id: uuid.UUID
    viewed_at: datetime | None = Field(description="The first time the letter was opened")
    answer: Literal["agreed", "disagreed"] | None = Field(description="null: not answered yet")
    reason: str
    answered_by: str
    answered_title: str
    their_balance: Decimal | None
    answered_at: datetime | None
    from_address: str = Field(description="The answering client's IP address")
    user_agent: str
    attachment: AttachmentOut | None


@router.get(
    "/{letter_id}",
    response_model=AnswerOut,
    summary="A letter's answer",
    description="What the counterparty answered on the portal (who, when, from where, the "
    "reason, their balance, the attached file's description), or `answer: null` while "
    "unanswered. Admin and operator keys of the letter's tenant; other tenants' letters are "
    "404.",
)
async def get_answer(
    letter_id: uuid.UUID,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: PortalUnitOfWork = Depends(get_uow),
) -> AnswerOut:
    async with uow:
        letter = await uow.letters.of_tenant(principal.tenant_id, letter_id)
    if letter is None:
        raise NotFound(f"No letter {letter_id} is known to the portal for your tenant.")
    attachment = letter.attachment
    return AnswerOut(
        letter_id=letter.letter_id,
        round_id=letter.round_id,
        viewed_at=letter.viewed_at,
        answer=letter.answer,  # type: ignore[arg-type]
        reason=letter.reason,
        answered_by=letter.answered_by,
        answered_title=letter.answered_title,
        their_balance=letter.their_balance,
        answered_at=letter.answered_at,
        from_address=letter.from_address,
        user_agent=letter.user_agent,
        attachment=AttachmentOut(**attachment.__dict__) if attachment else None,
    )


@router.get(
    "/{letter_id}/attachment",
    summary="The file attached to a letter's answer",
    description="The file as the counterparty sent it, with the content type its content "
    "showed (PDF, XLSX, PNG, JPEG), always as a download.",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def get_attachment(
    letter_id: uuid.UUID,
    principal: Principal = Depends(require(Role.OPERATOR)),
    uow: PortalUnitOfWork = Depends(get_uow),
) -> Response:
    async with uow:
        attachment = await uow.letters.attachment_of(principal.tenant_id, letter_id)
    if attachment is None:
        raise NotFound(f"No file is attached to the answer of letter {letter_id}.")
    return Response(
        attachment.content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": content_disposition(attachment.file_name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII name for old clients and the UTF-8 name (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in file_name)  # fmt: skip
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"
