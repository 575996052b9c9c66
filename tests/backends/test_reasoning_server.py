"""The OpenAI-compatible backend against a loopback server that acts like reasoning APIs.

The server (``helpers/reasoning_server.py``) refuses what o-series, DeepSeek and plain chat
endpoints refuse, with their error documents, and answers in their shapes, streamed and
not; so these tests fail if the backend sends a parameter a real endpoint would reject or
misreads where the thinking and its token count come back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from helpers.reasoning_server import REASONING_BY_EFFORT, ReasoningServer
from sleeptime.backends import ChatRequest, Message
from sleeptime.backends.openai_compat import OpenAICompatBackend, from_settings
from sleeptime.backends.reasoning import REMOTE_THINKING_ROOM
from sleeptime.errors import BackendError
from sleeptime.settings import Settings

MODELS = {
    "o3-mini": "o",
    "o4-mini": "o-nostop",
    "o1-mini": "o-nosystem",
    "house-reasoner": "o",  # an o-series-shaped endpoint under an id auto cannot know
    "deepseek-reasoner": "r1",
    "deepseek-r1-distill-qwen-7b": "r1-inline",
    "plain-chat": "chat",
}
QUESTION = (Message("system", "Answer briefly."), Message("user", "What is 6 x 7?"))


def _respond(body: dict[str, Any]) -> str:
    return "alpha STOP beta" if "STOP" in (body.get("stop") or ["STOP"]) else "The answer is 42."


@pytest.fixture
def server() -> Iterator[ReasoningServer]:
    with ReasoningServer(MODELS, respond=lambda body: "The answer is 42.") as running:
        yield running


@pytest.fixture(params=[True, False], ids=["streamed", "plain"])
def stream(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def _backend(server: ReasoningServer, model: str, **options: Any) -> OpenAICompatBackend:
    settings = Settings(openai_base_url=server.base_url, max_retries=0)
    return from_settings(settings, model, **options)


@pytest.fixture
async def closing() -> AsyncIterator[list[OpenAICompatBackend]]:
    made: list[OpenAICompatBackend] = []
    yield made
    for backend in made:
        await backend.aclose()


async def test_o_series_answers_and_counts_reasoning_tokens(
    server: ReasoningServer, stream: bool, closing: list[OpenAICompatBackend]
) -> None:
    backend = _backend(server, "o3-mini", stream=stream)
    closing.append(backend)
    for effort in ("low", "high"):
        result = await backend.chat(
            ChatRequest(messages=QUESTION, max_tokens=16, reasoning_effort=effort)
        )
        assert result.text == "The answer is 42."
        assert result.finish_reason == "stop"
        assert result.usage.reasoning_tokens == REASONING_BY_EFFORT[effort]
        assert result.usage.completion_tokens == REASONING_BY_EFFORT[effort] + 4
        assert result.reasoning == ""  # o-series keep their reasoning hidden
    sent = server.accepted()
    assert [b["reasoning_effort"] for b in sent] == ["low", "high"]
    assert sent[0]["max_completion_tokens"] == 16 + REMOTE_THINKING_ROOM["low"]
    assert backend.info.details["reasoning"] == "openai"


async def test_without_room_an_o_series_model_thinks_its_cap_away(
    server: ReasoningServer, closing: list[OpenAICompatBackend]
) -> None:
    backend = _backend(server, "o3-mini")
    closing.append(backend)
    # A thinking budget below what high effort uses: the real API then returns no answer.
    result = await backend.chat(
        ChatRequest(messages=QUESTION, max_tokens=16, reasoning_effort="high", thinking_tokens=50)
    )
    assert (result.text, result.finish_reason) == ("", "length")
    assert result.usage.reasoning_tokens == 16 + 50


async def test_stop_sequences_apply_here_when_the_model_refuses_them(
    closing: list[OpenAICompatBackend],
) -> None:
    with ReasoningServer(MODELS, respond=_respond) as server:
        backend = _backend(server, "o4-mini")
        closing.append(backend)
        result = await backend.chat(ChatRequest(messages=QUESTION, max_tokens=16, stop=("STOP",)))
        assert result.text == "alpha "
        assert "stop" not in server.accepted()[0]


async def test_o1_mini_gets_no_system_message(
    server: ReasoningServer, closing: list[OpenAICompatBackend]
) -> None:
    backend = _backend(server, "o1-mini")
    closing.append(backend)
    result = await backend.chat(ChatRequest(messages=QUESTION, max_tokens=16))
    assert result.text == "The answer is 42."
    assert [m["role"] for m in server.accepted()[0]["messages"]] == ["user", "user"]


async def test_an_unknown_o_series_id_is_refused_then_works_with_the_setting(
    server: ReasoningServer, closing: list[OpenAICompatBackend]
) -> None:
    guessed = _backend(server, "house-reasoner")
    closing.append(guessed)
    with pytest.raises(BackendError) as info:
        await guessed.chat(ChatRequest(messages=QUESTION, max_tokens=16))
    message = str(info.value)
    assert "refused 'max_tokens' for model 'house-reasoner' (HTTP 400" in message
    assert "set SLEEPTIME_OPENAI_REASONING=openai" in message
    told = _backend(server, "house-reasoner", reasoning="openai")
    closing.append(told)
    result = await told.chat(ChatRequest(messages=QUESTION, max_tokens=16))
    assert result.text == "The answer is 42."
    assert result.usage.reasoning_tokens == REASONING_BY_EFFORT["medium"]


async def test_a_chat_model_refusing_effort_says_what_to_drop(
    server: ReasoningServer, closing: list[OpenAICompatBackend]
) -> None:
    backend = _backend(server, "plain-chat")
    closing.append(backend)
    with pytest.raises(BackendError) as info:
        await backend.chat(ChatRequest(messages=QUESTION, max_tokens=16, reasoning_effort="low"))
    message = str(info.value)
    assert "refused 'reasoning_effort'" in message
    assert "without an effort" in message and "SLEEPTIME_OPENAI_REASONING=none" in message
    plain = await backend.chat(ChatRequest(messages=QUESTION, max_tokens=16))
    assert plain.usage.reasoning_tokens == 0 and plain.text == "The answer is 42."
    assert server.accepted()[-1]["max_tokens"] == 16


async def test_deepseek_reasoning_content_is_kept_apart_from_the_answer(
    server: ReasoningServer, stream: bool, closing: list[OpenAICompatBackend]
) -> None:
    backend = _backend(server, "deepseek-reasoner", stream=stream)
    closing.append(backend)
    result = await backend.chat(ChatRequest(messages=QUESTION, max_tokens=16))
    assert result.text == "The answer is 42."
    assert result.reasoning == " ".join(["step"] * 150)
    assert result.usage.reasoning_tokens == 150
    assert result.usage.completion_tokens == 154
    assert result.usage.first_token_s is not None or not stream
    body = server.accepted()[0]
    assert body["max_tokens"] == 16 + REMOTE_THINKING_ROOM["medium"]
    assert "reasoning_effort" not in body


async def test_inline_think_spans_are_split_and_counted(
    server: ReasoningServer, stream: bool, closing: list[OpenAICompatBackend]
) -> None:
    backend = _backend(server, "deepseek-r1-distill-qwen-7b", stream=stream)
    closing.append(backend)
    result = await backend.chat(ChatRequest(messages=QUESTION, max_tokens=16))
    assert result.text == "The answer is 42."
    assert result.reasoning == " ".join(["step"] * 150)
    # The server counts no reasoning tokens separately: estimated from the thinking text.
    assert 0 < result.usage.reasoning_tokens <= result.usage.completion_tokens
