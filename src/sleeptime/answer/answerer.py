"""Test time: answer one question from ``c'`` (sleep) or from ``c`` alone (baseline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sleeptime.answer.budgets import Budget
from sleeptime.answer.extract import final_answer
from sleeptime.answer.prompt import Layout, Mode, build_answer_prompt
from sleeptime.backends.base import Backend, ChatRequest
from sleeptime.errors import ContextTooLargeError, InputError
from sleeptime.values import Stopwatch, Usage

MAX_QUESTION_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Answer:
    """A reply with its extracted final answer and what it cost at test time."""

    text: str
    final: str | None
    usage: Usage
    latency_s: float
    prompt_version: str
    mode: Mode
    layout: Layout | None
    budget: Budget
    finish_reason: str
    reasoning: str = ""
    """The model's thinking when it returned it (never graded; ``text`` is the answer)."""


def validate_question(question: str) -> str:
    """Return the stripped question, or raise InputError saying what is wrong."""
    text = question.strip()
    if not text:
        raise InputError('the question is empty; ask something, e.g. sleeptime ask NAME "..."')
    if "\x00" in text:
        raise InputError("the question contains NUL characters; pass plain text")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(
            f"the question is {len(text)} characters, over the limit of {MAX_QUESTION_CHARS}; "
            "put long material in the context instead (sleeptime context add)"
        )
    return text


async def answer_question(
    backend: Backend,
    *,
    question: str,
    context: str,
    notes: str | None,
    mode: Mode,
    layout: str,
    budget: Budget,
    seed: int | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """Answer at a budget level; raise ContextTooLargeError before calling if it cannot fit.

    ``on_text`` receives the reply as it is generated where the backend can stream it
    (``ChatRequest.on_text``); what it gets is always a prefix of ``Answer.text``.
    """
    question = validate_question(question)
    prompt = build_answer_prompt(
        mode=mode,
        layout=layout,
        context=context,
        notes=notes,
        question=question,
        level=budget.level,
    )
    await backend.prepare()
    window = backend.info.context_window
    if window is not None:
        needed = await backend.count_tokens("\n".join(m.content for m in prompt.messages))
        if needed + 16 > window:
            if mode == "baseline" or prompt.layout == "context":
                fix, flag = "shorten the context", "--model"
            elif prompt.layout == "both":
                fix, flag = "use the layout 'replace' (notes only)", "--layout replace"
            else:
                fix, flag = "sleep again with a smaller memory_chars", "--memory-chars"
            raise ContextTooLargeError(
                f"the prompt is about {needed} tokens, over the model window of {window} "
                f"tokens; {fix}, or use a model with a larger window (Settings.n_ctx)"
            ).hinted(f"{flag}, or SLEEPTIME_N_CTX")
    watch = Stopwatch()
    result = await backend.chat(
        ChatRequest(
            messages=prompt.messages,
            max_tokens=budget.max_tokens,
            temperature=0.0,
            seed=seed,
            on_text=on_text,
            **budget.reasoning_fields(),
        )
    )
    latency = watch.elapsed()
    return Answer(
        text=result.text.strip(),
        final=final_answer(result.text),
        usage=result.usage,
        latency_s=latency,
        prompt_version=prompt.prompt_version,
        mode=mode,
        layout=prompt.layout if mode == "sleep" else None,
        budget=budget,
        finish_reason=result.finish_reason,
        reasoning=result.reasoning,
    )
