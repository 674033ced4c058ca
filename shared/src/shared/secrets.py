"""Secrets at rest (FTP and SMTP passwords): encrypted with a key derived from ``secret_key``."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from .errors import MutabikError


class SecretUnreadable(MutabikError):
    status, title, type_slug = 500, "A stored secret cannot be decrypted", "secret-unreadable"


class SecretBox:
    """Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the service's secret key."""

    def __init__(self, secret_key: SecretStr | str) -> None:
        raw = secret_key.get_secret_value() if isinstance(secret_key, SecretStr) else secret_key
        digest = hashlib.sha256(b"mutabik-secret-box:" + raw.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable(
                "The stored secret was encrypted under another secret_key; enter it again."
            ) from exc
