"""Budget forcing of a ``<think>`` span on the real embedded model (SmolLM2-135M).

SmolLM2 is no reasoning model, but after a forced ``<think>`` it writes on, and it ends
its turn early on a one-word question: enough to see the budget stop the span, "Wait"
extend it, and the thinking kept out of the answer and counted apart.
"""

from __future__ import annotations

import pytest

from sleeptime.backends import ChatRequest, Message
from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.llama_think import FORCED_END

pytestmark = pytest.mark.integration

MULTIPLY = (Message("user", "What is 12 times 7?"),)
ONE_WORD = (Message("user", "Reply with one word: yes."),)


def _last_sequence(backend: LlamaBackend) -> str:
    """The text of the tokens the model evaluated in the last call (prompt and reply)."""
    llama = backend._loaded.llama
    with backend._loaded.gate.hold():
        ids = [int(t) for t in llama._input_ids[: llama.n_tokens]]
        return str(llama.detokenize(ids, special=True).decode("utf-8", "ignore"))


def _end_tokens(backend: LlamaBackend) -> int:
    llama = backend._loaded.llama
    return len(llama.tokenize(FORCED_END.encode(), add_bos=False, special=True))


async def test_the_budget_stops_thinking_and_the_answer_follows(embedded: LlamaBackend) -> None:
    result = await embedded.chat(ChatRequest(messages=MULTIPLY, max_tokens=12, thinking_tokens=12))
    # 12 thinking tokens, then the forced end marker: the span is exactly that long.
    assert result.usage.reasoning_tokens == 12 + _end_tokens(embedded)
    answer_tokens = result.usage.completion_tokens - result.usage.reasoning_tokens
    assert 0 < answer_tokens <= 12
    assert result.reasoning and result.text.strip()
    assert "<think>" not in result.text and "</think>" not in result.text
    sequence = _last_sequence(embedded)
    opened = sequence.index("<think>\n")
    closed = sequence.index("\n</think>\n\n", opened)
    assert sequence[opened + len("<think>\n") : closed].strip() == result.reasoning


async def test_wait_extends_thinking_that_ends_early(embedded: LlamaBackend) -> None:
    free = await embedded.chat(ChatRequest(messages=ONE_WORD, max_tokens=8, thinking_tokens=40))
    assert free.usage.reasoning_tokens < 30  # left alone, it ends its thinking early
    assert "Wait" not in free.reasoning

    held = await embedded.chat(
        ChatRequest(messages=ONE_WORD, max_tokens=8, thinking_tokens=40, min_thinking_tokens=30)
    )
    assert held.reasoning.count("Wait") >= 1
    assert held.usage.reasoning_tokens >= 30
    assert held.usage.reasoning_tokens <= 40 + _end_tokens(embedded)
    assert "Wait" not in held.text and "</think>" not in held.text
    assert held.usage.completion_tokens - held.usage.reasoning_tokens <= 8


async def test_no_thinking_without_a_budget(embedded: LlamaBackend) -> None:
    result = await embedded.chat(ChatRequest(messages=MULTIPLY, max_tokens=8))
    assert result.usage.reasoning_tokens == 0 and result.reasoning == ""
    assert "<think>" not in _last_sequence(embedded)
