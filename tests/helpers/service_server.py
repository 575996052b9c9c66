"""A real ``sleeptime`` service on 127.0.0.1 (uvicorn in a thread), for the service tests.

``start_service(...)`` starts ``uvicorn.Server`` for ``create_app(runtime, worker=...)`` in a
background thread on a free loopback port, over a Runtime on the test's own SQLite file,
with a function backend of the test's own registered as ``function``. Requests go over
real sockets (httpx, the official ``openai`` client, schemathesis), so the HTTP layer —
uvicorn's parsing, chunked bodies, middleware, SSE — is the one users get.

The default backend writes notes that quote the context's first line and answers that
say whether notes were in the prompt, with usage derived from the request (and a
cached-prompt count), so a test can check that the answer used ``c'`` and that the usage
the API reports is the backend's.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from sleeptime.app import Runtime
from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, Usage
from sleeptime.service import create_app
from sleeptime.settings import Settings

START_TIMEOUT_S = 10.0
_CONTEXT = re.compile(r"<context>\s*(.*?)\s*</context>", re.S)
_NOTES = re.compile(r"<notes>\s*(.*?)\s*</notes>", re.S)


@dataclass
class ModelScript:
    """What the function backend answers, and every result it gave (to compare usage)."""

    answers: list[ChatResult] = field(default_factory=list)
    questions: list[ChatRequest] = field(default_factory=list)
    """The answer requests, in order (``answers[i]`` replied to ``questions[i]``)."""
    sleeps: int = 0
    gate: threading.Event | None = None
    """When given, sleep rounds wait until it is set (a run stays ``running`` meanwhile)."""

    def __call__(self, request: ChatRequest) -> ChatResult | str | Awaitable[str]:
        system = request.messages[0].content if request.messages else ""
        # The system prompts mention the tags themselves: read the material after them.
        prompt = "\n".join(m.content for m in request.messages if m.role != "system")
        if system.startswith("You write study notes"):
            self.sleeps += 1
            found = _CONTEXT.search(prompt)
            first = (found.group(1) if found else prompt).splitlines()[0][:200]
            notes = f"<notes>Summary of the text: {first}\nQ: How many?\nA: 2 * 12 = 24</notes>"
            return self._after_gate(notes + "<finish/>") if self.gate else notes + "<finish/>"
        if prompt.lstrip().startswith("Here are notes prepared"):
            return "[]"  # no anticipated answers: every question reaches the model
        in_prompt = _NOTES.search(prompt)
        text = (
            f"From the notes ({in_prompt.group(1).splitlines()[0]}): The answer is 24."
            if in_prompt
            else "From the text alone: The answer is 24."
        )
        prompt_tokens = max(1, len(prompt) // 4)
        result = ChatResult(
            text=text,
            usage=Usage(
                prompt_tokens=prompt_tokens,
                cached_prompt_tokens=prompt_tokens // 3,
                completion_tokens=len(text.split()) + 3,
                calls=1,
            ),
            finish_reason="stop",
            model="function",
        )
        self.questions.append(request)
        self.answers.append(result)
        return result

    async def _after_gate(self, reply: str) -> str:
        # The backend runs on the service's event loop: wait without blocking it. The gate
        # is a threading.Event (the test's thread sets it), so it is polled.
        deadline = time.monotonic() + 30
        while self.gate is not None and not self.gate.is_set() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        return reply


class LiveService:
    """One running service: its URL, runtime and backend, and keys for tenants."""

    def __init__(self, runtime: Runtime, app: FastAPI, script: ModelScript) -> None:
        self.runtime = runtime
        self.app = app
        self.script = script
        # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only
        # then, and without it every response on a kept-alive connection waits ~40 ms for
        # a delayed ACK (``uvicorn.run`` binds through getaddrinfo, which sets it).
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._clients: list[httpx.Client] = []

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start on {self.base_url}")
            time.sleep(0.01)

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self.server.should_exit = True
        if self._thread.ident is not None:
            self._thread.join(15)
        self._sock.close()
        asyncio.run(self.runtime.aclose())
        assert not self._thread.is_alive(), "the service did not shut down within 15 s"

    def key(self, tenant: str) -> str:
        """A fresh API key for ``tenant``."""
        _, secret = self.runtime.store.create_api_key(tenant, "test")
        return secret

    def client(self, key: str | None = None, **headers: str) -> httpx.Client:
        """An HTTP client on the service, with ``key`` as its Bearer token."""
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        client = httpx.Client(base_url=self.base_url, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def wait_for_run(self, client: httpx.Client, run_id: str, timeout_s: float = 20) -> Any:
        """Poll ``GET /v1/jobs/{id}`` until the run has ended; its last state."""
        deadline = time.monotonic() + timeout_s
        while True:
            run = client.get(f"/v1/jobs/{run_id}").json()
            if run["status"] not in ("queued", "running"):
                return run
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still {run['status']} after {timeout_s} s")
            time.sleep(0.05)


Serve = Callable[..., LiveService]
"""The ``serve`` fixture: ``serve(script=None, worker=True, **settings)``."""


def start_service(
    db_url: str, script: ModelScript | None = None, *, worker: bool = True, **overrides: Any
) -> LiveService:
    """Start a service on ``db_url`` with the function backend answering from ``script``.

    The in-process worker (``worker``) runs only what is asked for: ``auto_sleep`` is off
    unless overridden, and the rate limit is off unless a test sets one.
    """
    values: dict[str, Any] = {
        "database_url": db_url,
        "backend": "function",
        "auto_sleep": False,
        "sleep_quiet_s": 0,
        "worker_poll_s": 0.05,
        "worker_lease_s": 5,
        "heartbeat_s": 1,
        "service_rate_per_minute": 0,
        **overrides,
    }
    runtime = Runtime(Settings(**values))
    script = script or ModelScript()
    runtime.backends.add("function", None, FunctionBackend(script))
    service = LiveService(runtime, create_app(runtime, worker=worker), script)
    try:
        service.start()
    except BaseException:
        service.stop()
        raise
    return service


def error_of(response: httpx.Response) -> str:
    """The message of an OpenAI-style error body (fails the test for any other shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    message = body["error"]["message"]
    assert isinstance(message, str) and message.strip(), body
    return message


def sse_events(text: str) -> list[Any]:
    """The ``data:`` payloads of a server-sent event stream, JSON-decoded (``[DONE]`` kept)."""
    out: list[Any] = []
    for block in text.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: "):
                payload = line[len("data: ") :]
                out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out
