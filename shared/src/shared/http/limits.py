"""A cap on request bodies, enforced while the body streams in (no trust in Content-Length)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import PayloadTooLarge


class _TooLarge(PayloadTooLarge):
    """Raised into the app reading the body: one of our errors, so the app answers it as a
    problem (which the middleware replaces) instead of logging an unhandled error and a 500."""


class BodySizeLimit:
    """Answers 413 (problem details) to a POST to one of ``paths`` whose body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, paths: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith(self.paths):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if not exceeded:  # the app's answer to a cut-off body is replaced by ours
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = json.dumps(
            {
                "type": "https://mutabik.dev/problems/payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"The upload limit is {self.max_bytes} bytes "
                f"({self.max_bytes / 1024 / 1024:.0f} MB); nothing was stored.",
                "instance": scope["path"],
                "max_bytes": self.max_bytes,
            }
        ).encode()
        # No `Connection: close`: closing a socket with the rest of the upload still unread
        # makes the kernel answer with a reset that wipes the 413 from the client's buffer. Kept
        # open, the server reads and drops what still comes (uvicorn discards a body after the
        # response); a client that reads the early answer stops sending, one that does not
        # gets the 413 when it has sent all. Nothing is kept either way.
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
