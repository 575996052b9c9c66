"""Sleep recipes by name (``rethink``, ``parallel:k``, ``vote:k``, ``solve:k``) and the budgets
that bound a run."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from sleeptime.anticipate.extract import ANTICIPATE_MODES, AnticipateMode
from sleeptime.backends.reasoning import check_thinking
from sleeptime.errors import InputError
from sleeptime.values import EFFORTS, Effort

RECIPE_VERSION = "2"
"""Bumped whenever the loop's behaviour changes, so old artifacts stay distinguishable.

2: every notes write is checked by a calculator and slips go back as feedback; ``vote:K``.
"""

SOLVE_VERSION = "solve1"
"""The ``solve:K`` recipe's own version (``sleep/solve.py``), bumped when its behaviour changes.

1: predict M questions, solve each K times with the budget-4 answer prompt, majority answer.
"""

MAX_PARALLEL = 32
MAX_QUESTIONS = 10
DEFAULT_QUESTIONS = 3
_PARALLEL = re.compile(r"^(parallel|vote):(\d+)$")
_SOLVE = re.compile(r"^solve:(\d+)(?::(\d+))?$")

Combine = Literal["concat", "vote"]
Kind = Literal["rethink", "solve"]


@dataclass(frozen=True, slots=True)
class Recipe:
    """How ``S(c) -> c'`` is computed: ``k`` independent rethink loops, then combined.

    ``concat`` joins the loops' notes (the paper's parallel scaling); ``vote`` keeps the
    notes that agree most with the other loops and marks each answer's support
    (``sleep/consensus.py``), which suits small models whose loops disagree.
    """

    k: int = 1
    combine: Combine = "concat"
    kind: Kind = "rethink"
    """``rethink``: the paper's loops; ``solve``: predict questions and solve them ahead,
    each ``k`` times (``sleep/solve.py``)."""
    questions: int = DEFAULT_QUESTIONS
    """``solve`` only: how many likely questions are predicted and solved."""

    @property
    def name(self) -> str:
        """The name a user types: ``rethink``, ``parallel:k``, ``vote:k`` or ``solve:k``."""
        if self.kind == "solve":
            extra = "" if self.questions == DEFAULT_QUESTIONS else f":{self.questions}"
            return f"solve:{self.k}{extra}"
        if self.k == 1:
            return "rethink"
        return f"{'vote' if self.combine == 'vote' else 'parallel'}:{self.k}"

    @property
    def version(self) -> str:
        """The version recorded with a run of this recipe (``solve`` has its own)."""
        return SOLVE_VERSION if self.kind == "solve" else RECIPE_VERSION


def parse_recipe(text: str) -> Recipe:
    """Parse ``rethink``, ``parallel:k``, ``vote:k`` (1 <= k <= 32) or ``solve:k[:m]``
    (m predicted questions, 1 <= m <= 10, default 3)."""
    value = text.strip().lower()
    if value == "rethink":
        return Recipe(k=1)
    solve = _SOLVE.match(value)
    if solve:
        k, m = int(solve.group(1)), int(solve.group(2) or DEFAULT_QUESTIONS)
        if 1 <= k <= MAX_PARALLEL and 1 <= m <= MAX_QUESTIONS:
            return Recipe(k=k, kind="solve", questions=m)
    match = _PARALLEL.match(value)
    if match:
        k = int(match.group(2))
        if 1 <= k <= MAX_PARALLEL:
            return Recipe(k=k, combine="vote" if match.group(1) == "vote" else "concat")
    raise InputError(
        f"unknown sleep recipe {text!r}; use 'rethink', 'parallel:K' (K loops, notes "
        f"joined), 'vote:K' (K loops, the most consistent notes kept) or 'solve:K' (likely "
        f"questions solved ahead, each K times; 'solve:K:M' for M questions, 1 to "
        f"{MAX_QUESTIONS}) with K from 1 to {MAX_PARALLEL}, for example vote:3 or solve:1"
    )


@dataclass(frozen=True, slots=True)
class SleepBudget:
    """Limits on one sleep run; every field is recorded with the run."""

    max_rounds: int = 10
    """Rethink calls per loop (the paper's limit is 10); reaching it ends the loop normally."""

    max_sleep_tokens: int | None = None
    """Prompt plus generated tokens over the whole run; exceeding it cuts the run off."""

    round_max_tokens: int = 1024
    """Generated tokens allowed in one round."""

    memory_chars: int = 5000
    """Longest notes a loop may keep (the paper's memory block size)."""

    temperature: float | None = None
    """Sampling temperature; None means 0 for one loop and 0.7 for parallel loops."""

    strict_protocol: bool = False
    """In the text protocol, refuse replies without <notes> tags instead of taking them as notes."""

    check_arithmetic: bool = True
    """Recompute every ``expression = value`` in the notes and send slips back as feedback."""

    anticipate: AnticipateMode = "notes"
    """Anticipated answers: off, Q/A lines parsed from the notes, or notes plus one model call."""

    rephrase: bool = False
    """Have the model write checked rewordings of each verified anticipated question, stored
    as its ``alternates`` so the rules match more ways of asking (``anticipate/rephrase.py``)."""

    reasoning_effort: Effort | None = None
    """Reasoning effort of every round (the paper's sleep-time axis on AIME); None: default."""

    thinking_tokens: int | None = None
    """Thinking budget of every round (on top of ``round_max_tokens``); None: no budget."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_rounds <= 100:
            raise InputError("max rounds must be between 1 and 100")
        if self.max_sleep_tokens is not None and self.max_sleep_tokens < 1:
            raise InputError("max sleep tokens must be positive (or unset for no limit)")
        if not 16 <= self.round_max_tokens <= 32768:
            raise InputError("tokens per round must be between 16 and 32768")
        if not 200 <= self.memory_chars <= 200_000:
            raise InputError("memory size must be between 200 and 200000 characters")
        if self.anticipate not in ANTICIPATE_MODES:
            raise InputError(f"anticipate must be one of {', '.join(ANTICIPATE_MODES)}")
        if self.reasoning_effort is not None and self.reasoning_effort not in EFFORTS:
            raise InputError(f"sleep effort must be one of {', '.join(EFFORTS)}")
        check_thinking(self.thinking_tokens)

    def to_dict(self) -> dict[str, Any]:
        """For the run record."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> SleepBudget:
        """Rebuild a budget from ``to_dict`` output (a queued run's record), checked.

        Raises ``InputError`` naming what is wrong, so a garbled job payload ends its
        run with that reason instead of crashing a worker.
        """
        if not isinstance(data, dict):
            raise InputError(f"a sleep budget must be a JSON object, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown sleep budget fields: {', '.join(map(str, unknown))}")
        for f in fields(cls):
            if f.name in data:
                _check_kind(f.name, data[f.name], f.default)
        try:
            return cls(**data)
        except TypeError as exc:
            raise InputError(f"bad sleep budget: {exc}") from None


def _check_kind(name: str, value: Any, default: Any) -> None:
    """Refuse a recorded budget value whose type differs from the field's default."""
    if isinstance(default, bool):
        ok, kind = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, kind = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        kind = "a number"
    elif isinstance(default, str):
        ok, kind = isinstance(value, str), "text"
    else:  # optional fields: None or a plain value, checked by the constructor
        ok = value is None or (isinstance(value, int | float | str) and not isinstance(value, bool))
        kind = "empty or a plain value"
    if not ok:
        raise InputError(f"sleep budget field {name} must be {kind}, not {value!r}")
