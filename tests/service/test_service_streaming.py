"""``/v1/chat/completions`` with ``stream: true``: text as it is generated, failures after
the first byte as an error event, and a client that leaves stops the model."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import openai
import pytest

from helpers.service_server import LiveService, ModelScript, Serve, error_of
from sleeptime.backends import ChatRequest, ChatResult
from sleeptime.errors import BackendError, BackendUnavailableError

TEXT = "The ferry leaves at 9 and returns at 17. A ticket costs 12 dollars."
BASELINE: dict[str, Any] = {"mode": "baseline"}


class SlowModel(ModelScript):
    """Answers in pieces with a pause between them, like a model generating; may fail."""

    def __init__(
        self, pieces: int = 200, fail_after: int | None = None, hold_at: int | None = None
    ) -> None:
        super().__init__()
        self.pieces = pieces
        self.fail_after = fail_after
        self.hold_at = hold_at
        self.release = threading.Event()
        """With ``hold_at``, generation stops before that piece until the test sets it."""
        self.sent = 0
        self.cancelled = False

    def __call__(self, request: ChatRequest) -> ChatResult | str | Any:
        if request.on_text is None:
            return super().__call__(request)
        return self._generate(request)

    async def _generate(self, request: ChatRequest) -> str:
        assert request.on_text is not None
        words = []
        try:
            for i in range(self.pieces):
                if i == self.hold_at:
                    deadline = time.monotonic() + 30
                    while not self.release.is_set() and time.monotonic() < deadline:  # noqa: ASYNC110
                        await asyncio.sleep(0.01)
                if self.fail_after is not None and i == self.fail_after:
                    raise BackendError("llama.cpp failed while generating: out of memory")
                words.append(f" w{i}" if i else "w0")
                request.on_text(words[-1])
                self.sent += 1
                await asyncio.sleep(0.02)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return "".join(words)


def _client(service: LiveService, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{service.base_url}/v1", api_key=key, max_retries=0)


def _added(service: LiveService, key: str) -> None:
    c = service.client(key)
    assert c.post("/v1/contexts", json={"name": "ferry", "text": TEXT}).status_code == 201


def _streamed_question(serve: Serve, script: ModelScript) -> Any:
    """A service on ``script`` with the context added, and a streamed baseline question."""
    service = serve(script)
    key = service.key("acme")
    _added(service, key)
    return _client(service, key).chat.completions.create(
        model="sleeptime/ferry",
        messages=[{"role": "user", "content": "When does it leave?"}],
        stream=True,
        extra_body=BASELINE,
    )


def test_pieces_reach_the_client_before_the_answer_is_complete(serve: Serve) -> None:
    script = SlowModel(pieces=40, hold_at=10)
    stream = _streamed_question(serve, script)
    text = []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text.append(chunk.choices[0].delta.content)
            if len(text) == 10:  # the model is held before its 11th piece: not done
                assert script.sent == 10 and not script.release.is_set()
                script.release.set()
    assert "".join(text) == " ".join(f"w{i}" for i in range(40))
    assert script.release.is_set()  # the first 10 pieces arrived while the model still ran


def test_a_failure_after_the_first_piece_is_an_error_event_the_client_raises(
    serve: Serve,
) -> None:
    stream = _streamed_question(serve, SlowModel(pieces=50, fail_after=5))
    got: list[str] = []
    with pytest.raises(openai.APIError) as failed:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                got.append(chunk.choices[0].delta.content)
    assert "".join(got) == "w0 w1 w2 w3 w4"
    message = str(failed.value)
    assert "the model server failed on this request; retry" in message
    assert "out of memory" not in message  # deployment details stay in the service log


def test_a_failure_before_any_text_keeps_its_status(serve: Serve) -> None:
    class Down(ModelScript):
        def __call__(self, request: ChatRequest) -> ChatResult | str | Any:
            raise BackendUnavailableError("cannot reach http://10.0.0.5:8080 (refused)")

    service = serve(Down())
    key = service.key("acme")
    _added(service, key)
    response = service.client(key).post(
        "/v1/chat/completions",
        json={"model": "sleeptime/ferry", "stream": True, "mode": "baseline",
              "messages": [{"role": "user", "content": "When?"}]},
    )  # fmt: skip
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "the model server is unavailable right now" in error_of(response)
    assert "10.0.0.5" not in response.text


def test_a_client_that_leaves_mid_answer_stops_the_model(serve: Serve) -> None:
    script = SlowModel(pieces=500, hold_at=5)  # held until the client has gone
    service = serve(script)
    key = service.key("acme")
    _added(service, key)
    c = service.client(key)
    body = {"model": "sleeptime/ferry", "stream": True, "mode": "baseline",
            "messages": [{"role": "user", "content": "When?"}]}  # fmt: skip
    with c.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(line for line in lines if '"content": "w0"' in line)
    deadline = time.monotonic() + 10
    while not script.cancelled and time.monotonic() < deadline:
        time.sleep(0.05)
    assert script.cancelled
    assert script.sent < 100
    stats = c.get("/v1/contexts/ferry/stats").json()
    assert stats["baseline"] is None  # an answer nobody received is not recorded
