"""The portal link of a letter: ``<portal base>/<token>``.

The token is derived, not stored: HMAC-SHA256 of the letter's id under a key derived from the
services' common ``secret_key``. The notifier computes it when it writes an e-mail (so a resend
carries the same link without anyone keeping the token), and the portal keeps only its SHA-256
(:func:`token_digest`) to find the letter. 256 bits, URL-safe. Changing ``secret_key`` changes
every link: links already sent stop working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from pydantic import SecretStr


def letter_token(secret_key: SecretStr | str, letter_id: uuid.UUID) -> str:
    raw = secret_key.get_secret_value() if isinstance(secret_key, SecretStr) else secret_key
    key = hashlib.sha256(b"mutabik-portal-link:" + raw.encode()).digest()
    mac = hmac.new(key, letter_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    """What the portal stores and looks a token up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def letter_link(base_url: str, secret_key: SecretStr | str, letter_id: uuid.UUID) -> str:
    return f"{base_url.rstrip('/')}/{letter_token(secret_key, letter_id)}"
