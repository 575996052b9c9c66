"""Budget forcing of a ``<think>`` span on the embedded model (as in s1, Muennighoff et al. 2025).

A thinking budget makes the embedded backend open the assistant turn with ``<think>`` (unless
the chat template already does, as R1 distills' do), let the model think, and append
``</think>`` once the span holds the budget's tokens; then the answer is generated with its
own cap. A minimum works the other way: an end of thinking (``</think>`` or end of turn)
before it is taken out and "Wait" appended, so the model keeps thinking. Because
llama.cpp keeps the evaluated tokens in its KV cache, restarting generation after a forced
token re-evaluates only the new tokens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sleeptime.backends.base import ChatRequest
from sleeptime.backends.reasoning import THINK_CLOSE, THINK_OPEN, local_thinking_budget

WAIT = "Wait"
"""What replaces an early end of thinking (s1's choice)."""
MAX_WAITS = 16
"""A model that keeps ending its thinking is let go after this many "Wait"s."""
FORCED_END = f"\n{THINK_CLOSE}\n\n"
_TAIL = 8
"""Tokens decoded at each step to notice the model writing ``</think>`` itself."""


@dataclass(frozen=True, slots=True)
class ThinkPlan:
    """A thinking span to force: its budget, its minimum, and whether the prompt opens it."""

    budget: int
    minimum: int
    opened: bool
    """The chat template already ends with ``<think>``: do not open it again."""


@dataclass(slots=True)
class ThinkOutcome:
    """The thinking and the answer, with token counts (the span includes its end marker)."""

    reasoning: str
    answer: str
    reasoning_tokens: int
    answer_tokens: int
    first_token: float | None
    finish: str
    forced_end: bool
    waits: int


def opens_thinking(prompt: str) -> bool:
    """True when the formatted prompt already opens a thinking span."""
    return prompt.rstrip().endswith(THINK_OPEN)


def thinking_plan(request: ChatRequest, prompt: str) -> ThinkPlan | None:
    """The span to force for ``request``, or None when it asks for no thinking."""
    budget = local_thinking_budget(request)
    if budget is None:
        return None
    minimum = min(request.min_thinking_tokens, budget)
    return ThinkPlan(budget=budget, minimum=minimum, opened=opens_thinking(prompt))


class LlamaOps:
    """The few llama.cpp operations budget forcing needs, with the request's sampling."""

    def __init__(self, llama: Any, temperature: float, repeat_penalty: float) -> None:
        from llama_cpp import llama_cpp as lib

        self._llama = llama
        self._lib = lib
        self._vocab = llama._model.vocab
        self._sampling = {
            "temp": temperature,
            "top_k": 40,
            "top_p": 0.95,
            "min_p": 0.05,
            "repeat_penalty": repeat_penalty,
        }

    def sample(self, sequence: list[int]) -> Iterator[int]:
        """Tokens sampled after ``sequence`` (the shared KV prefix is not evaluated again)."""
        tokens: Iterator[int] = self._llama.generate(sequence, reset=True, **self._sampling)
        return tokens

    def is_end(self, token: int) -> bool:
        """End of generation (end of turn, end of text)."""
        return bool(self._lib.llama_vocab_is_eog(self._vocab, token))

    def text(self, tokens: list[int]) -> str:
        """Decode tokens (an incomplete UTF-8 sequence at the end is dropped)."""
        data: bytes = self._llama.detokenize(tokens)
        return data.decode("utf-8", "ignore")

    def tokens(self, text: str) -> list[int]:
        """Encode text that continues a sequence (no BOS; markers as special tokens)."""
        ids: list[int] = self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        return ids


def _with_wait(content: str) -> str:
    return f"{content.rstrip()}\n{WAIT}"


def force_thinking(
    ops: LlamaOps,
    prompt: list[int],
    plan: ThinkPlan,
    *,
    answer_cap: int,
    window: int,
    stops: list[str],
    cancel: threading.Event | None = None,
) -> ThinkOutcome:
    """Generate a thinking span held between ``plan.minimum`` and ``plan.budget`` tokens, then
    the answer (at most ``answer_cap`` tokens, cut at the first of ``stops``)."""
    end = ops.tokens(FORCED_END)
    think: list[int] = []
    waits = 0
    forced = False
    first: float | None = None
    after = ""  # answer text that arrived in the token that closed the span
    reasoning = ""
    done = False
    while not done:
        restart = False
        for token in ops.sample(prompt + think):
            first = first or time.perf_counter()
            if cancel is not None and cancel.is_set():
                return ThinkOutcome(ops.text(think), "", len(think), 0, first, "cancelled",
                                    forced, waits)  # fmt: skip
            if ops.is_end(token):  # the model ended its turn while thinking
                content = ops.text(think)
                if len(think) < plan.minimum and waits < MAX_WAITS:
                    think, waits, restart = ops.tokens(_with_wait(content)), waits + 1, True
                else:
                    reasoning, think, forced, done = content, think + end, True, True
                break
            think.append(token)
            if THINK_CLOSE in ops.text(think[-_TAIL:]):
                text = ops.text(think)
                position = text.find(THINK_CLOSE)
                content = text[:position]
                if len(ops.tokens(content)) < plan.minimum and waits < MAX_WAITS:
                    think, waits, restart = ops.tokens(_with_wait(content)), waits + 1, True
                else:
                    reasoning, after, done = content, text[position + len(THINK_CLOSE) :], True
                break
            if len(think) >= plan.budget:
                reasoning, think, forced, done = ops.text(think), think + end, True, True
                break
        else:
            done = True  # the sampler stopped by itself: nothing more fits
            reasoning = ops.text(think)
        if restart and len(think) >= plan.budget:  # the "Wait" itself used up the budget
            think = think[: plan.budget]
            reasoning, think, forced, done = ops.text(think), think + end, True, True
    answer, answer_tokens, finish = _answer(
        ops, prompt + think, after, min(answer_cap, window - len(prompt) - len(think)), stops,
        cancel,
    )  # fmt: skip
    return ThinkOutcome(
        reasoning=reasoning.strip(),
        answer=answer,
        reasoning_tokens=len(think),
        answer_tokens=answer_tokens,
        first_token=first,
        finish=finish,
        forced_end=forced,
        waits=waits,
    )


def _answer(
    ops: LlamaOps,
    sequence: list[int],
    start: str,
    cap: int,
    stops: list[str],
    cancel: threading.Event | None,
) -> tuple[str, int, str]:
    """The reply after the thinking span: (text, tokens, finish reason)."""
    if cap <= 0:
        return start.lstrip(), 0, "length"
    produced: list[int] = []
    finish = "length"
    for token in ops.sample(sequence):
        if cancel is not None and cancel.is_set():
            finish = "cancelled"
            break
        if ops.is_end(token):
            finish = "stop"
            break
        produced.append(token)
        text = start + ops.text(produced)
        hit = min((text.find(s) for s in stops if s and s in text), default=-1)
        if hit >= 0:
            return text[:hit].lstrip(), len(produced), "stop"
        if len(produced) >= cap:
            break
    return (start + ops.text(produced)).lstrip(), len(produced), finish
