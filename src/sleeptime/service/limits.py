"""Refuse request bodies over the size limit before they are read into memory, and paths
whose percent-escapes are not UTF-8."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Utf8Path:
    """ASGI middleware: 400 for a path whose percent-escapes do not decode as UTF-8.

    The server decodes such bytes to U+FFFD, so ``PUT /v1/contexts/%FF`` would otherwise
    create a context named '\ufffd' where the command line refuses undecodable names.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path") if scope["type"] == "http" else None
        if raw:
            try:
                unquote_to_bytes(raw).decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = unquote_to_bytes(raw)[exc.start]
                message = (
                    f"the request path holds byte 0x{bad:02x}, which is not valid UTF-8; "
                    "percent-encode names as UTF-8"
                )
                await _send_error(send, 400, "invalid_request_error", message)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """ASGI middleware: 413 for a body over ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await _refuse(send, self.max_bytes)
                return
        seen = 0
        refused = False
        started = False

        async def limited() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    # Answer here: the framework turns any error raised while it reads
                    # the body into its own 400, which ``guarded`` then drops.
                    refused = True
                    if not started:
                        await _refuse(send, self.max_bytes)
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, limited, guarded)


class _TooLarge(Exception):
    pass


async def _refuse(send: Send, max_bytes: int) -> None:
    message = (
        f"the request body is over the limit of {max_bytes} bytes; send less (split the "
        "context, or raise SLEEPTIME_SERVICE_MAX_BODY_BYTES)"
    )
    await _send_error(send, 413, "request_too_large", message)


async def _send_error(send: Send, status: int, kind: str, message: str) -> None:
    """An OpenAI-style error, then the connection closes (a body may be left unread)."""
    body = json.dumps(
        {"error": {"message": message, "type": kind, "code": None, "param": None}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
