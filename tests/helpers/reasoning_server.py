"""A real OpenAI-compatible HTTP server on 127.0.0.1 that behaves like reasoning-model APIs.

It checks each request the way the providers do and answers in their shapes, so the
client's wire dialects are tested against rules, not against what the client sends:

- ``o`` models (o1, o3-mini, ...) refuse ``max_tokens``, any temperature but 1, unknown
  arguments such as ``thinking``, and effort values other than low/medium/high, with
  OpenAI's 400 error documents; they count hidden reasoning against
  ``max_completion_tokens`` (an exhausted cap gives empty content, finish ``length``) and
  report it in ``usage.completion_tokens_details.reasoning_tokens``. ``o-nostop`` (o3,
  o4-mini) also refuse ``stop``; ``o-nosystem`` (o1-mini) refuse system messages.
- ``r1`` models (DeepSeek's API) return the thinking in ``reasoning_content`` (message or
  delta) and count it; ``r1-inline`` models (a server without a reasoning parser, an R1
  template that opens ``<think>`` in the prompt) put it in the content, ending ``</think>``,
  and count nothing separately.
- ``chat`` models refuse ``reasoning_effort``.

o-series reasoning grows with the effort (40/120/360 tokens; 120 when none is given), R1
models think 150 tokens, chat models none. The
answer text comes from ``respond(body)``. Streaming (SSE with ``include_usage``) and plain
responses are both served. Standard library only; runs in a daemon thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REASONING_BY_EFFORT = {"low": 40, "medium": 120, "high": 360}
EFFORTS = ("low", "medium", "high")
Respond = Callable[[dict[str, Any]], str]


@dataclass
class Received:
    """One chat request the server got, and the status it answered."""

    body: dict[str, Any]
    status: int


def _error(message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }
    }


def check_request(kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The provider's 400 error document for ``body``, or None when it is accepted."""
    effort = body.get("reasoning_effort")
    if kind.startswith("o"):
        if "max_tokens" in body:
            return _error(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "max_tokens",
                "unsupported_parameter",
            )
        if "temperature" in body and body["temperature"] != 1:
            return _error(
                f"Unsupported value: 'temperature' does not support {body['temperature']} "
                "with this model. Only the default (1) value is supported.",
                "temperature",
                "unsupported_value",
            )
        if kind == "o-nostop" and "stop" in body:
            return _error(
                "Unsupported parameter: 'stop' is not supported with this model.",
                "stop",
                "unsupported_parameter",
            )
        if kind == "o-nosystem" and any(m.get("role") == "system" for m in body["messages"]):
            return _error(
                "Unsupported value: 'messages[0].role' does not support 'system' with this model.",
                "messages[0].role",
                "unsupported_value",
            )
        if effort is not None and effort not in EFFORTS:
            return _error(
                f"Invalid value: '{effort}'. Supported values are: 'low', 'medium', and 'high'.",
                "reasoning_effort",
                "invalid_value",
            )
        extra = set(body) - {
            "model",
            "messages",
            "max_completion_tokens",
            "reasoning_effort",
            "temperature",
            "seed",
            "stop",
            "tools",
            "stream",
            "stream_options",
        }
        if extra:
            name = sorted(extra)[0]
            return _error(f"Unrecognized request argument supplied: {name}", None, None)
    elif kind == "chat" and effort is not None:
        return _error(
            "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
            "reasoning_effort",
            "unsupported_parameter",
        )
    return None


def _words(text: str) -> int:
    return len(text.split())


class ReasoningServer:
    """Serve ``models`` (id -> kind: o, o-nostop, o-nosystem, r1, r1-inline, chat)."""

    def __init__(self, models: dict[str, str], respond: Respond | None = None) -> None:
        self.models = dict(models)
        self.respond = respond or (lambda body: "The answer is 42.")
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The API root, ending in ``/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def accepted(self) -> list[dict[str, Any]]:
        """Bodies of the chat requests answered with 200."""
        with self._lock:
            return [r.body for r in self.received if r.status == 200]

    def __enter__(self) -> ReasoningServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def completion(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Status and document for one chat request (a completion or an error)."""
        model = str(body.get("model"))
        kind = self.models.get(model)
        if kind is None:
            return 404, _error(f"The model '{model}' does not exist", "model", "model_not_found")
        refused = check_request(kind, body)
        if refused is not None:
            return 400, refused
        cap = int(body.get("max_completion_tokens") or body.get("max_tokens") or 4096)
        effort = body.get("reasoning_effort") or "medium"
        thinking = {"o": REASONING_BY_EFFORT[effort], "r": 150}.get(kind[0], 0)
        answer = self.respond(body)
        finish = "stop"
        if thinking >= cap:  # the cap ran out while the model was thinking
            thinking, answer, finish = cap, "", "length"
        elif thinking + _words(answer) > cap:
            answer, finish = " ".join(answer.split()[: cap - thinking]), "length"
        thought = " ".join(["step"] * thinking)
        message: dict[str, Any] = {"role": "assistant", "content": answer}
        details: dict[str, Any] = {"reasoning_tokens": thinking}
        if kind == "r1":
            message["reasoning_content"] = thought
        elif kind == "r1-inline":
            message["content"] = f"{thought}\n</think>\n\n{answer}"
            details = {}
        prompt = sum(_words(str(m.get("content") or "")) + 4 for m in body["messages"])
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": thinking + _words(answer),
            "total_tokens": prompt + thinking + _words(answer),
            "prompt_tokens_details": {"cached_tokens": 0},
        }
        if details:
            usage["completion_tokens_details"] = details
        return 200, {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage,
        }


def _chunk(model: str, delta: dict[str, Any] | None, finish: str | None = None) -> bytes:
    event: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(event)}\n\n".encode()


def _events(document: dict[str, Any], body: dict[str, Any]) -> list[bytes]:
    """A completion as the SSE chunks a provider streams (thinking first, in pieces)."""
    model = document["model"]
    choice = document["choices"][0]
    message = choice["message"]
    events = [_chunk(model, {"role": "assistant", "content": ""})]
    thought = message.get("reasoning_content") or ""
    for start in range(0, len(thought), 40):
        events.append(_chunk(model, {"reasoning_content": thought[start : start + 40]}))
    content = message.get("content") or ""
    for start in range(0, len(content), 16):
        events.append(_chunk(model, {"content": content[start : start + 16]}))
    events.append(_chunk(model, {}, choice["finish_reason"]))
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [],
            "usage": document["usage"],
        }
        events.append(f"data: {json.dumps(usage)}\n\n".encode())
    events.append(b"data: [DONE]\n\n")
    return events


def _handler_for(owner: ReasoningServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send_json(self, status: int, document: dict[str, Any]) -> None:
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/v1/models":
                self._send_json(404, _error("not found", None, None))
                return
            data = [{"id": m, "object": "model", "owned_by": "test"} for m in owner.models]
            self._send_json(200, {"object": "list", "data": data})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.split("?", 1)[0] != "/v1/chat/completions":
                self._send_json(404, _error("not found", None, None))
                return
            status, document = owner.completion(body)
            with owner._lock:
                owner.received.append(Received(body, status))
            if status != 200 or not body.get("stream"):
                self._send_json(status, document)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for event in _events(document, body):
                self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler
