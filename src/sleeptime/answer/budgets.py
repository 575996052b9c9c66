"""Test-time budget levels 0-4: the paper's verbosity instructions and default token caps."""

from __future__ import annotations

from dataclasses import dataclass

from sleeptime.errors import InputError
from sleeptime.prompts import Prompt, load_prompt

LEVELS = range(5)

_DEFAULT_MAX_TOKENS = {0: 48, 1: 96, 2: 160, 3: 512, 4: 1024}


@dataclass(frozen=True, slots=True)
class Budget:
    """A verbosity level with the instruction that asks for it and a generated-token cap."""

    level: int
    max_tokens: int

    @property
    def prompt(self) -> Prompt:
        """The instruction text for this level (``budget_<level>`` prompt file)."""
        return load_prompt(f"budget_{self.level}")


def make_budget(level: int, max_tokens: int | None = None) -> Budget:
    """Validate a level (0 = one sentence ... 4 = full step-by-step with checking)."""
    if level not in LEVELS:
        raise InputError(
            f"budget must be 0-4 (0: one-sentence answer, 4: full step-by-step with "
            f"checking); got {level}"
        )
    if max_tokens is not None and not 1 <= max_tokens <= 32768:
        raise InputError(f"max tokens must be between 1 and 32768; got {max_tokens}")
    return Budget(level=level, max_tokens=max_tokens or _DEFAULT_MAX_TOKENS[level])
