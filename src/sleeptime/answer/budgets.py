"""Test-time budget levels 0-4: the paper's verbosity instructions and default token caps.

A budget may also ask a reasoning model to think: an effort level (low/medium/high) and/or
a thinking-token budget, which is how the paper scales test-time compute on AIME with o1,
o3-mini, Claude and DeepSeek-R1. The verbosity level still chooses the instruction and
the cap on the visible answer; thinking gets its own room (``backends/reasoning.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sleeptime.backends.reasoning import check_thinking, effort_label
from sleeptime.errors import InputError
from sleeptime.prompts import Prompt, load_prompt
from sleeptime.values import EFFORTS, Effort

LEVELS = range(5)

_DEFAULT_MAX_TOKENS = {0: 48, 1: 96, 2: 160, 3: 512, 4: 1024}


@dataclass(frozen=True, slots=True)
class Budget:
    """A verbosity level with the instruction that asks for it and a generated-token cap."""

    level: int
    max_tokens: int
    effort: Effort | None = None
    """Reasoning effort sent to a reasoning model; None leaves its default."""
    thinking_tokens: int | None = None
    """Thinking budget (forced on the embedded model, sent to Claude, room elsewhere)."""
    min_thinking_tokens: int = 0
    """Embedded model: keep thinking at least this long ("Wait" replaces an early end)."""

    @property
    def prompt(self) -> Prompt:
        """The instruction text for this level (``budget_<level>`` prompt file)."""
        return load_prompt(f"budget_{self.level}")

    @property
    def reasoning_label(self) -> str | None:
        """``high``, ``1024`` or ``low+1024``; None when no reasoning is asked for."""
        return effort_label(self.effort, self.thinking_tokens)

    def reasoning_fields(self) -> dict[str, Any]:
        """The ``ChatRequest`` fields that ask for reasoning."""
        return {
            "reasoning_effort": self.effort,
            "thinking_tokens": self.thinking_tokens,
            "min_thinking_tokens": self.min_thinking_tokens,
        }


def make_budget(
    level: int,
    max_tokens: int | None = None,
    *,
    effort: str | None = None,
    thinking_tokens: int | None = None,
    min_thinking_tokens: int = 0,
) -> Budget:
    """Validate a level (0 = one sentence ... 4 = full step-by-step with checking)."""
    if level not in LEVELS:
        raise InputError(
            f"budget must be 0-4 (0: one-sentence answer, 4: full step-by-step with "
            f"checking); got {level}"
        )
    if max_tokens is not None and not 1 <= max_tokens <= 32768:
        raise InputError(f"max tokens must be between 1 and 32768; got {max_tokens}")
    if effort is not None and effort not in EFFORTS:
        raise InputError(f"effort must be one of {', '.join(EFFORTS)}; got {effort!r}")
    check_thinking(thinking_tokens, min_thinking_tokens)
    return Budget(
        level=level,
        max_tokens=max_tokens or _DEFAULT_MAX_TOKENS[level],
        effort=effort,
        thinking_tokens=thinking_tokens,
        min_thinking_tokens=min_thinking_tokens,
    )
