"""Answer prompts: a fixed prefix (instructions + context and/or notes), then the question.

The prefix depends only on the context, the notes and the layout, never on the question
or the budget, so a KV cache of it (embedded) or a provider's prefix cache can be reused
by every query about the same artifact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sleeptime.backends.base import Message
from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt

Mode = Literal["sleep", "baseline"]
Layout = Literal["replace", "both"]
MODES: tuple[Mode, ...] = ("sleep", "baseline")
LAYOUTS: tuple[Layout, ...] = ("replace", "both")


@dataclass(frozen=True, slots=True)
class AnswerPrompt:
    """The messages for one answer and the versions of every prompt used to build them."""

    messages: tuple[Message, ...]
    prefix: str
    """The user-message text before the question: the reusable part."""
    prompt_version: str


def prefix_text(mode: Mode, layout: Layout, context: str, notes: str | None) -> tuple[str, str]:
    """Return (prefix, prompt key) for a mode and layout."""
    if mode == "baseline":
        prompt = load_prompt("answer_baseline")
        return prompt.render(context=context), prompt.key
    if notes is None:
        raise InputError("sleep mode needs notes (an artifact); run `sleeptime sleep` first")
    if layout == "replace":
        prompt = load_prompt("answer_notes")
        return prompt.render(notes=notes), prompt.key
    prompt = load_prompt("answer_context_and_notes")
    return prompt.render(context=context, notes=notes), prompt.key


def answer_prefix(mode: Mode, layout: Layout, context: str, notes: str | None) -> tuple[str, str]:
    """The fixed part of every answer prompt for an artifact: (system text, user prefix)."""
    prefix, _ = prefix_text(mode, layout, context, notes)
    return load_prompt("answer_system").render(), prefix


def build_answer_prompt(
    *,
    mode: Mode,
    layout: Layout,
    context: str,
    notes: str | None,
    question: str,
    level: int,
) -> AnswerPrompt:
    """Build ``T_b(q, c')`` (sleep) or ``T_B(q, c)`` (baseline) messages."""
    system = load_prompt("answer_system")
    prefix, prefix_key = prefix_text(mode, layout, context, notes)
    budget_prompt = load_prompt(f"budget_{level}")
    tail_prompt = load_prompt("answer_question")
    tail = tail_prompt.render(question=question, instruction=budget_prompt.render())
    version = "+".join([system.key, prefix_key, tail_prompt.key, budget_prompt.key])
    messages = (Message("system", system.render()), Message("user", f"{prefix}\n\n{tail}"))
    return AnswerPrompt(messages=messages, prefix=prefix, prompt_version=version)
