"""The OpenAI-compatible backend against a real ``python -m llama_cpp.server``.

These tests record what that server actually does: it streams no usage (so streamed usage
is estimated), reports no cached tokens, ignores tools unless a tool is forced, and echoes
prompt log-probabilities shifted by one token for models without a BOS token.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest

from helpers.llama_server import SMOLLM2_ALIAS
from sleeptime.backends import ChatRequest, Message, ToolSpec, create_backend
from sleeptime.backends.openai_compat import OpenAICompatBackend, from_settings
from sleeptime.errors import ContextTooLargeError
from sleeptime.settings import Settings

pytestmark = pytest.mark.server

GREETING = ChatRequest(messages=(Message("user", "Say hello to the reader."),), max_tokens=8)


@pytest.fixture
async def backend(llama_server: str) -> AsyncIterator[OpenAICompatBackend]:
    b = from_settings(Settings(openai_base_url=llama_server, max_retries=1), None)
    yield b
    await b.aclose()


@pytest.fixture
async def plain(llama_server: str) -> AsyncIterator[OpenAICompatBackend]:
    """The same server without streaming, which gets the server's own usage numbers."""
    b = from_settings(Settings(openai_base_url=llama_server, max_retries=1), None, stream=False)
    yield b
    await b.aclose()


async def test_streamed_chat_returns_text_and_usage(backend: OpenAICompatBackend) -> None:
    result = await backend.chat(GREETING)
    assert result.text.strip()
    usage = result.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.first_token_s is not None and 0 < usage.first_token_s <= usage.wall_time_s
    assert backend.info.model == SMOLLM2_ALIAS  # the first (only) model the server lists
    # llama_cpp.server ignores stream_options.include_usage, so these are estimates.
    assert backend.info.details["usage"] == "estimated"


async def test_the_reply_reaches_on_text_piece_by_piece_as_the_server_streams_it(
    backend: OpenAICompatBackend,
) -> None:
    pieces: list[str] = []
    request = ChatRequest(messages=GREETING.messages, max_tokens=24, on_text=pieces.append)
    result = await backend.chat(request)
    assert len(pieces) > 3
    assert "".join(pieces) == result.text.strip()


async def test_unstreamed_chat_has_exact_usage_and_stops_at_max_tokens(
    plain: OpenAICompatBackend,
) -> None:
    result = await plain.chat(ChatRequest(messages=GREETING.messages, max_tokens=3))
    assert result.finish_reason == "length"
    assert result.usage.completion_tokens == 3
    assert result.usage.prompt_tokens > 10  # the chat template adds its framing
    assert plain.info.details["usage"] == "server"
    # The server reports no prompt_tokens_details, so no cached tokens either.
    assert result.usage.cached_prompt_tokens == 0


async def test_temperature_zero_is_deterministic_across_calls_and_modes(
    backend: OpenAICompatBackend, plain: OpenAICompatBackend
) -> None:
    first = await backend.chat(GREETING)
    second = await plain.chat(GREETING)
    assert first.text == second.text


async def test_stop_sequence_ends_the_reply(backend: OpenAICompatBackend) -> None:
    free = await backend.chat(GREETING)
    words = free.text.split(" ")
    assert len(words) >= 3, free.text
    stop = " " + words[2]
    stopped = await backend.chat(
        ChatRequest(messages=GREETING.messages, max_tokens=8, stop=(stop,))
    )
    assert stopped.finish_reason == "stop"
    assert stopped.text == free.text[: free.text.index(stop)]


async def test_logprob_is_finite_and_adds_up(backend: OpenAICompatBackend) -> None:
    prefix = "The capital of France is"
    whole = await backend.logprob(prefix, " Paris and")
    first = await backend.logprob(prefix, " Paris")
    rest = await backend.logprob(prefix + " Paris", " and")
    assert math.isfinite(whole) and whole < 0
    assert whole == pytest.approx(first + rest, abs=1e-3)


@pytest.mark.xfail(
    strict=True,
    reason="llama_cpp.server scores echoed token i with the logits after token i (not i-1) "
    "when the model adds no BOS token, as SmolLM2 does; our sum is right, its numbers are not",
)
async def test_logprob_matches_the_model(backend: OpenAICompatBackend) -> None:
    import llama_cpp
    import numpy as np

    from sleeptime.backends.model_files import default_model_path

    model = llama_cpp.Llama(
        model_path=str(default_model_path()),
        n_ctx=256,
        logits_all=True,
        verbose=False,
        n_threads=2,
    )
    tokens = model.tokenize(b"The capital of France is Paris", special=True)
    model.eval(tokens)
    logits = np.asarray(model.scores[len(tokens) - 2], dtype=np.float64)
    log_probs = logits - logits.max() - np.log(np.exp(logits - logits.max()).sum())
    expected = float(log_probs[tokens[-1]])
    got = await backend.logprob("The capital of France is", " Paris")
    assert got == pytest.approx(expected, abs=0.05)


async def test_prompt_longer_than_the_window(backend: OpenAICompatBackend) -> None:
    huge = ChatRequest(messages=(Message("user", "word " * 6000),), max_tokens=4)
    with pytest.raises(ContextTooLargeError, match="maximum context length is 4096"):
        await backend.chat(huge)


async def test_registry_builds_it_and_tools_do_not_break_plain_servers(
    llama_server: str,
) -> None:
    b = create_backend(
        "openai", model=SMOLLM2_ALIAS, settings=Settings(openai_base_url=llama_server)
    )
    tool = ToolSpec("lookup", "Look a word up", {"type": "object", "properties": {}})
    try:
        assert b.info.model == SMOLLM2_ALIAS and b.info.native_tools
        result = await b.chat(ChatRequest(messages=GREETING.messages, max_tokens=4, tools=(tool,)))
    finally:
        await b.aclose()
    # With tool_choice "auto" llama_cpp.server's default chat format answers in plain text.
    assert result.text and result.tool_calls == ()
