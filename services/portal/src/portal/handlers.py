"""What portal does with the events it receives (run in the inbox's transaction)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from shared.errors import PermanentEventError
from shared.events import Envelope, IssuedLetter, LettersIssued
from shared.portal_links import letter_token, token_digest

from .adapters.repository import PortalUnitOfWork


def issued_rows(
    tenant_id: Any, issued: list[IssuedLetter], *, secret_key: SecretStr, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of the letters and of their documents (numbered in the issued order)."""
    letters, documents = [], []
    for item in issued:
        letter = item.letter
        digest = token_digest(letter_token(secret_key, letter.letter_id))
        letters.append(
            {"letter_id": letter.letter_id, "tenant_id": tenant_id, "round_id": letter.round_id,
             "token_digest": digest, "content": letter.model_dump(mode="json"),
             "valid_until": letter.valid_until, "language": letter.language,
             "document_count": len(item.documents), "issued_at": now, "viewed_at": None,
             "answer": None, "reason": "", "answered_by": "", "answered_title": "",
             "their_balance": None, "answered_at": None, "from_address": "", "user_agent": ""}
        )  # fmt: skip
        documents += [
            {"letter_id": letter.letter_id, "position": position, "date": document.date,
             "document_no": document.document_no[:100], "description": document.description,
             "currency": document.currency, "debit": document.debit, "credit": document.credit,
             "form": document.form, "net": document.net}
            for position, document in enumerate(item.documents)
        ]  # fmt: skip
    return letters, documents


def on_letters_issued(secret_key: SecretStr):
    """The handler of ``reconciliation.letters.issued``: store the letters new to the portal,
    with their documents, reachable by their link token's digest. A letter already known (a
    redelivery, a replay) is left exactly as it is, answer and all."""

    async def handle(event: LettersIssued, *, envelope: Envelope, uow: PortalUnitOfWork) -> None:
        if envelope.tenant is None:
            raise PermanentEventError("letters issued without a tenant")
        known = await uow.letters.known([item.letter.letter_id for item in event.letters])
        fresh = [item for item in event.letters if item.letter.letter_id not in known]
        letters, documents = issued_rows(
            envelope.tenant, fresh, secret_key=secret_key, now=datetime.now(UTC)
        )
        await uow.letters.add(letters, documents)

    return handle
