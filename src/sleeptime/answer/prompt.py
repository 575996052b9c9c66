"""Answer prompts: a fixed prefix (instructions + context and/or notes), then the question.

The prefix depends only on the context, the notes and the layout, never on the question
or the budget, so a KV cache of it (embedded) or a provider's prefix cache can be reused
by every query about the same artifact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sleeptime.answer.derived import DERIVED_VERSION, derived_notes
from sleeptime.answer.policy import AUTO_POLICY_VERSION, LAYOUTS, Layout, resolve_layout
from sleeptime.backends.base import Message
from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt
from sleeptime.values import AnswerMode

Mode = AnswerMode
"""The answer mode; kept as a name for code written before ``AnswerMode``."""
MODES: tuple[AnswerMode, ...] = tuple(AnswerMode)
"""Every answer mode, derived from ``AnswerMode`` (the one source of truth)."""
__all__ = ["LAYOUTS", "MODES", "AnswerPrompt", "Layout", "Mode", "build_answer_prompt"]


@dataclass(frozen=True, slots=True)
class AnswerPrompt:
    """The messages for one answer and the versions of every prompt used to build them."""

    messages: tuple[Message, ...]
    prefix: str
    """The user-message text before the question: the reusable part."""
    prompt_version: str
    layout: Layout
    """The concrete layout used (``auto`` resolved for the budget level)."""


def _prefix(mode: Mode, layout: Layout, context: str, notes: str | None) -> tuple[str, str, Layout]:
    """(prefix, prompt key, layout really shown): ``derived`` with nothing left is
    ``context``. The notes are filtered once here, on every answer's path."""
    if mode == AnswerMode.SLEEP and notes is None:
        raise InputError("sleep mode needs notes (an artifact); run `sleeptime sleep` first")
    derived = layout == "derived" and mode == AnswerMode.SLEEP and notes is not None
    shown = derived_notes(notes, context) if derived and notes is not None else notes
    if mode == AnswerMode.BASELINE or layout == "context" or (derived and not shown):
        prompt = load_prompt("answer_baseline")
        return prompt.render(context=context), prompt.key, "context"
    assert shown is not None
    if layout == "replace":
        prompt = load_prompt("answer_notes")
        return prompt.render(notes=shown), prompt.key, layout
    prompt = load_prompt("answer_context_and_notes")
    key = f"{prompt.key}+{DERIVED_VERSION}" if layout == "derived" else prompt.key
    return prompt.render(context=context, notes=shown), key, layout


def prefix_text(mode: Mode, layout: Layout, context: str, notes: str | None) -> tuple[str, str]:
    """Return (prefix, prompt key) for a mode and layout (``context``: c alone, as baseline).

    ``derived`` shows c and the notes that add to it (``answer/derived.py``); when no note
    does, the prefix is test-time only's, byte for byte, so it shares its caches.
    """
    prefix, key, _ = _prefix(mode, layout, context, notes)
    return prefix, key


def answer_prefix(mode: Mode, layout: Layout, context: str, notes: str | None) -> tuple[str, str]:
    """The fixed part of every answer prompt for an artifact: (system text, user prefix)."""
    prefix, _ = prefix_text(mode, layout, context, notes)
    return load_prompt("answer_system").render(), prefix


def build_answer_prompt(
    *,
    mode: Mode,
    layout: str,
    context: str,
    notes: str | None,
    question: str,
    level: int,
) -> AnswerPrompt:
    """Build ``T_b(q, c')`` (sleep) or ``T_B(q, c)`` (baseline) messages.

    ``layout`` may be ``auto`` (``answer/policy.py``): the policy version then joins the
    prompt version, so answers under different policies are never mixed up.
    """
    system = load_prompt("answer_system")
    concrete = resolve_layout(layout, level)
    prefix, prefix_key, shown = _prefix(mode, concrete, context, notes)
    budget_prompt = load_prompt(f"budget_{level}")
    tail_prompt = load_prompt("answer_question")
    tail = tail_prompt.render(question=question, instruction=budget_prompt.render())
    keys = [system.key, prefix_key, tail_prompt.key, budget_prompt.key]
    if layout == "auto" and mode == "sleep":
        keys.append(AUTO_POLICY_VERSION)
    version = "+".join(keys)
    messages = (Message("system", system.render()), Message("user", f"{prefix}\n\n{tail}"))
    used = shown if mode == AnswerMode.SLEEP else concrete
    return AnswerPrompt(messages=messages, prefix=prefix, prompt_version=version, layout=used)
