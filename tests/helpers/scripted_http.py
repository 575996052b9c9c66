"""A tiny real HTTP server on 127.0.0.1 that answers from a script, for client error paths.

Real servers rarely fail on cue, so tests of retries and error messages talk to this one:
each route has a queue of ``Reply`` objects (status, headers, body, or a connection cut
midway). Requests are recorded so tests can check what the client sent and how often.
It uses only the standard library and runs in a daemon thread.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: a plain body, SSE events, or a cut-off response."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any] | str] | None = None
    """Server-sent events (dicts are JSON-encoded); a final ``[DONE]`` is added unless cut."""
    cut: bool = False
    """Close the connection before the body is complete (a server dying mid-response)."""
    delay_s: float = 0.0
    keepalive_every_s: float = 0.0
    """After the events, send an SSE comment (``: keep-alive``) this often, and no data."""
    keepalive_for_s: float = 0.0
    """How long to keep sending those comments before finishing the stream."""


@dataclass
class Seen:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: Any


def error_body(
    message: str, *, code: str | None = None, type_: str = "invalid_request_error"
) -> dict[str, Any]:
    """An OpenAI-style error document."""
    return {"error": {"message": message, "type": type_, "code": code, "param": None}}


def streamed_answer(text: str, delay_s: float = 0.0) -> Reply:
    """A streamed chat completion of ``text`` (with usage), sent after ``delay_s`` seconds."""
    base = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    return Reply(
        delay_s=delay_s,
        events=[
            {**base, "choices": [{"index": 0, "delta": {"content": text}}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": {"prompt_tokens": 40, "completion_tokens": 5}},
        ],
    )


class ScriptedHTTPServer:
    """Serve scripted replies per ``"METHOD /path"``; unscripted routes answer 404."""

    def __init__(self) -> None:
        self.replies: dict[str, deque[Reply]] = {}
        self.defaults: dict[str, Reply] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval keeps shutdown (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, route: str, *replies: Reply, default: Reply | None = None) -> None:
        """Queue ``replies`` for ``route`` (e.g. ``"POST /v1/chat/completions"``)."""
        with self._lock:
            self.replies.setdefault(route, deque()).extend(replies)
            if default is not None:
                self.defaults[route] = default

    def count(self, route: str) -> int:
        """How many requests ``route`` received."""
        method, path = route.split(" ", 1)
        return sum(1 for s in self.seen if s.method == method and s.path == path)

    def next_reply(self, route: str) -> Reply:
        with self._lock:
            queue = self.replies.get(route)
            if queue:
                return queue.popleft()
            if route in self.defaults:
                return self.defaults[route]
        return Reply(status=404, body=error_body(f"no route {route}"))

    def __enter__(self) -> ScriptedHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _encode(body: bytes | str | dict[str, Any] | list[Any]) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain"
    return json.dumps(body).encode(), "application/json"


def _handler_for(owner: ScriptedHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            path = self.path.split("?", 1)[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            owner.seen.append(Seen(self.command, path, headers, body))
            reply = owner.next_reply(f"{self.command} {path}")
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.events is not None:
                self._send_events(reply)
            else:
                self._send_body(reply)

        def _send_body(self, reply: Reply) -> None:
            data, content_type = _encode(reply.body)
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            # A cut reply promises more bytes than it sends, then hangs up.
            self.send_header("Content-Length", str(len(data) + (100 if reply.cut else 0)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            if reply.cut:
                self.close_connection = True

        def _send_events(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            events = list(reply.events or [])
            done = None if reply.cut else "[DONE]"
            for event in events:
                text = event if isinstance(event, str) else json.dumps(event)
                self._send_chunk(f"data: {text}\n\n".encode())
            if reply.keepalive_every_s > 0:
                # A proxy or server keeping an idle stream open: bytes, but never a token.
                until = time.monotonic() + reply.keepalive_for_s
                while time.monotonic() < until:
                    self._send_chunk(b": keep-alive\n\n")
                    time.sleep(reply.keepalive_every_s)
            if done is not None:
                self._send_chunk(f"data: {done}\n\n".encode())
            if reply.cut:
                # No terminating chunk: the client sees an incomplete chunked body.
                self.close_connection = True
                return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _send_chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def do_GET(self) -> None:
            self._quietly_serve()

        def do_POST(self) -> None:
            self._quietly_serve()

        def _quietly_serve(self) -> None:
            try:
                self._serve()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test)

    return Handler
