"""The embedded llama.cpp backend against the real SmolLM2 model."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sleeptime.backends import ChatRequest, Message, create_backend
from sleeptime.backends.llama import LlamaBackend
from sleeptime.errors import ConfigError, ContextTooLargeError
from sleeptime.settings import Settings

pytestmark = pytest.mark.integration


def _request(text: str, max_tokens: int = 24) -> ChatRequest:
    return ChatRequest(
        messages=(Message("system", "You are brief."), Message("user", text)), max_tokens=max_tokens
    )


async def test_chat_reports_text_and_usage(embedded: LlamaBackend) -> None:
    result = await embedded.chat(_request("Name a color."))
    assert result.text.strip()
    assert result.usage.prompt_tokens > 5
    assert 0 < result.usage.completion_tokens <= 24
    assert result.usage.first_token_s is not None
    assert 0 < result.usage.first_token_s <= result.usage.wall_time_s
    assert result.finish_reason in ("stop", "length")


async def test_the_reply_streams_token_by_token_while_it_is_generated(
    embedded: LlamaBackend,
) -> None:
    arrivals: list[tuple[float, str]] = []

    def sink(piece: str) -> None:  # called from the generating thread
        arrivals.append((time.perf_counter(), piece))

    request = _request("Describe the sea in two sentences.", max_tokens=48)
    plain = await embedded.chat(request)
    streamed = await embedded.chat(replace(request, on_text=sink))
    done = time.perf_counter()
    assert streamed.text == plain.text  # streaming changes nothing about the reply
    assert "".join(p for _, p in arrivals) == streamed.text.strip()
    assert len(arrivals) > 10
    # The first piece came in the first half of the call, not at its end.
    assert done - arrivals[0][0] > 0.5 * streamed.usage.wall_time_s


async def test_greedy_is_deterministic(embedded: LlamaBackend) -> None:
    first = await embedded.chat(_request("Count from one to five."))
    second = await embedded.chat(_request("Count from one to five."))
    assert first.text == second.text


async def test_max_tokens_gives_length(embedded: LlamaBackend) -> None:
    result = await embedded.chat(_request("Write a long story about a dragon.", max_tokens=5))
    assert result.usage.completion_tokens == 5
    assert result.finish_reason == "length"


async def test_shared_prefix_is_served_from_kv_cache(embedded: LlamaBackend) -> None:
    context = "The museum opens at nine and closes at five. Tickets cost 12 dollars. " * 8
    await embedded.chat(_request(context + "\nWhen does it open?", max_tokens=4))
    again = await embedded.chat(_request(context + "\nHow much is a ticket?", max_tokens=4))
    assert again.usage.cached_prompt_tokens > again.usage.prompt_tokens // 2


async def test_stop_sequences_cut_the_reply(embedded: LlamaBackend) -> None:
    request = ChatRequest(
        messages=(Message("user", "List the numbers 1, 2, 3, 4, 5 separated by commas."),),
        max_tokens=30,
        stop=("3",),
    )
    result = await embedded.chat(request)
    assert "3" not in result.text
    assert result.finish_reason == "stop"


async def test_count_tokens_and_logprob(embedded: LlamaBackend) -> None:
    assert await embedded.count_tokens("hello world") >= 2
    likely = await embedded.logprob("The capital of France is", " Paris")
    unlikely = await embedded.logprob("The capital of France is", " banana")
    assert likely < 0
    assert likely > unlikely


async def test_concurrent_calls_are_serialised_safely(embedded: LlamaBackend) -> None:
    prompts = [f"Say the number {i}." for i in range(3)]
    results = await asyncio.gather(*(embedded.chat(_request(p, 8)) for p in prompts))
    assert all(r.usage.completion_tokens > 0 for r in results)


async def test_prompt_over_the_window_is_refused(embedded: LlamaBackend) -> None:
    huge = "word " * 5000
    with pytest.raises(ContextTooLargeError, match="window"):
        await embedded.chat(_request(huge))


def test_missing_model_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        create_backend("llama", model=str(tmp_path / "nope.gguf"), settings=Settings())


def test_non_gguf_file_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="GGUF"):
        LlamaBackend(bogus)


async def test_cancelled_call_frees_the_model_within_a_token(embedded: LlamaBackend) -> None:
    long = _request("Count from 1 to 2000, one number per line.", max_tokens=3000)
    task = asyncio.create_task(embedded.chat(long))
    await asyncio.sleep(1.5)
    assert embedded._loaded.gate.locked(), "the reply ended before it could be cancelled"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    started = time.perf_counter()
    assert await embedded.count_tokens("the model is free again") > 0
    # Without the per-token check the lock stays held for the rest of a 3000-token reply.
    assert time.perf_counter() - started < 3.0
