"""On the real embedded model, a question overtakes background sleep work, which resumes intact."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from sleeptime.backends import ChatRequest, Message
from sleeptime.backends.llama import LlamaBackend

pytestmark = pytest.mark.integration

LONG = " ".join(f"Shelf {n} holds {n * 3} red books and {n + 4} blue books." for n in range(1, 60))
SLEEP = ChatRequest(
    messages=(
        Message("system", "You write careful notes."),
        Message("user", f"{LONG}\nWrite notes listing every shelf with its totals."),
    ),
    max_tokens=240,
    background=True,
)
QUESTION = ChatRequest(
    messages=(Message("system", "You are brief."), Message("user", "Name a fruit.")),
    max_tokens=8,
)


async def test_questions_overtake_sleep_and_sleep_resumes_unchanged(
    embedded: LlamaBackend,
) -> None:
    embedded.drop_live_cache()
    alone = await embedded.chat(replace(SLEEP, background=False))  # uninterrupted reference
    assert alone.usage.first_token_s is not None and alone.finish_reason == "length"
    prefill_s = alone.usage.first_token_s
    gate = embedded._loaded.gate
    pauses = gate.pauses
    embedded.drop_live_cache()
    sleeping = asyncio.create_task(embedded.chat(SLEEP))
    waits: list[float] = []
    # One question while sleep reads its prompt, one while it generates.
    for at in (0.5, prefill_s + 1.0):
        await asyncio.sleep(at if not waits else at - 0.5 - sum(waits))
        assert not sleeping.done()
        began = time.perf_counter()
        answer = await embedded.chat(QUESTION)
        waits.append(time.perf_counter() - began)
        assert answer.text.strip()
        assert not sleeping.done(), "the question waited for the whole sleep request"
    resumed = await sleeping
    assert gate.pauses >= pauses + 2
    # Greedy decoding: pausing and re-reading the prompt changes nothing in the notes.
    assert resumed.text == alone.text
    assert resumed.usage.completion_tokens == alone.usage.completion_tokens
    assert max(waits) < prefill_s / 2, (waits, prefill_s)
