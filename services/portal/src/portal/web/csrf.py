"""CSRF protection of the answer form: a signed double-submit token bound to the letter.

The browser gets a random nonce in a cookie (``SameSite=Strict; HttpOnly``, signed so a cookie
planted by someone else is refused) and the form a hidden field: the HMAC of the letter's id and
that nonce. A POST is taken only when the cookie is genuine and the field is the MAC of this
letter under this cookie's nonce. One cookie serves every letter open in the browser: opening a
second letter does not break the first one's form.

The key is derived from ``secret_key`` for this purpose alone, so a CSRF token never verifies as
anything else (a link token, a sealed secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from pydantic import SecretStr

COOKIE = "mutabik_portal_csrf"
FIELD = "csrf_token"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Csrf:
    """Makes and checks the cookie and the form field."""

    def __init__(self, secret_key: SecretStr | str) -> None:
        raw = secret_key.get_secret_value() if isinstance(secret_key, SecretStr) else secret_key
        self._key = hashlib.sha256(b"mutabik-portal-csrf:" + raw.encode()).digest()

    def _mac(self, *parts: bytes) -> str:
        return _b64(hmac.new(self._key, b"\x00".join(parts), hashlib.sha256).digest())

    def new_cookie(self) -> str:
        """A fresh cookie value: ``<nonce>.<signature>``, 128-bit nonce."""
        nonce = _b64(secrets.token_bytes(16))
        return f"{nonce}.{self._mac(b'cookie', nonce.encode())}"

    def nonce_of(self, cookie: str | None) -> str | None:
        """The cookie's nonce when the cookie is one of ours, else ``None``."""
        if not cookie or cookie.count(".") != 1:
            return None
        nonce, signature = cookie.split(".")
        if not nonce or not hmac.compare_digest(signature, self._mac(b"cookie", nonce.encode())):
            return None
        return nonce

    def field_for(self, cookie: str, letter_id: uuid.UUID) -> str:
        """The hidden field's value for ``letter_id`` under a genuine ``cookie``."""
        nonce = self.nonce_of(cookie)
        if nonce is None:
            raise ValueError("not a genuine CSRF cookie")
        return self._mac(b"form", letter_id.bytes, nonce.encode())

    def check(self, cookie: str | None, field: str | None, letter_id: uuid.UUID) -> bool:
        """True when both came back and belong together and to this letter."""
        nonce = self.nonce_of(cookie)
        if nonce is None or not field:
            return False
        return hmac.compare_digest(field, self._mac(b"form", letter_id.bytes, nonce.encode()))
