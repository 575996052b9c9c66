"""Plain value types every layer shares: usage accounting, a stopwatch, and the named states.

They live here, below every folder, so the store, sleep, answer and benchmark layers do not
reach into ``backends/`` for them; ``sleeptime.backends`` re-exports the backend-facing ones
for code written against it. The enums are ``StrEnum``: a member *is* its string, so
database columns, JSON and reports keep the same values and old rows read as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, TypeVar, get_args

from sleeptime.errors import InputError

Effort = Literal["low", "medium", "high"]
"""Reasoning effort, as OpenAI's reasoning models take it."""
EFFORTS: tuple[Effort, ...] = ("low", "medium", "high")
Layout = Literal["replace", "both", "derived", "context"]
"""How a sleep answer sees the notes (``answer/policy.py``): ``replace``: c' instead of c;
``both``: c then c'; ``derived``: c then the notes that add to it (``answer/derived.py``);
``context``: c alone (notes unused)."""
LayoutChoice = Literal["auto", "replace", "both", "derived", "context"]
LAYOUT_CHOICES: tuple[LayoutChoice, ...] = get_args(LayoutChoice)
"""Every ``--layout`` value, here so the CLI can list them without importing answering."""
_E = TypeVar("_E", bound=StrEnum)


@dataclass(slots=True)
class Usage:
    """Token and time accounting for one call, or summed over many."""

    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    """Prompt tokens the backend did not have to recompute (KV or provider prefix cache)."""
    completion_tokens: int = 0
    wall_time_s: float = 0.0
    first_token_s: float | None = None
    """Seconds until the first generated token, when the backend can tell."""
    calls: int = 0
    reasoning_tokens: int = 0
    """Of the generated tokens, those spent thinking (already in ``completion_tokens``)."""

    @property
    def total_tokens(self) -> int:
        """Prompt plus generated tokens."""
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        """Accumulate ``other`` into this object (for totals over a run)."""
        self.prompt_tokens += other.prompt_tokens
        self.cached_prompt_tokens += other.cached_prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.wall_time_s += other.wall_time_s
        self.calls += other.calls
        self.reasoning_tokens += other.reasoning_tokens
        if self.first_token_s is None:
            self.first_token_s = other.first_token_s

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON columns and reports."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "cached_prompt_tokens": self.cached_prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "wall_time_s": self.wall_time_s,
            "first_token_s": self.first_token_s,
            "calls": self.calls,
        }


class Stopwatch:
    """Measures wall time of a call with a monotonic clock."""

    __slots__ = ("start",)

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since construction."""
        return time.perf_counter() - self.start


class RunStatus(StrEnum):
    """Where a sleep run stands; stored as the plain string in ``sleep_runs.status``.

    A background run is ``queued`` until a worker claims it; a foreground one
    (``sleeptime sleep``) starts ``running``. A run ends exactly once: ``complete`` (with
    an artifact) or one of the other final statuses (never an artifact). The allowed
    moves are ``RUN_TRANSITIONS``; ``store/lifecycle.py`` refuses any other.
    """

    QUEUED = "queued"
    """Waiting for a worker (possibly until a quiet period has passed)."""
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    CUT_OFF = "cut_off"
    """Stopped at the sleep token budget (``max_sleep_tokens``)."""
    SUPERSEDED = "superseded"
    """A newer revision of the context replaced it before it completed."""
    ABANDONED = "abandoned"
    """Its process stopped beating (killed) and it could not be retried."""

    @property
    def final(self) -> bool:
        """Whether the run has ended (no transition leaves a final status)."""
        return self not in RUN_TRANSITIONS


RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset(
        {RunStatus.RUNNING, RunStatus.SUPERSEDED, RunStatus.FAILED, RunStatus.ABANDONED}
    ),
    RunStatus.RUNNING: frozenset(
        {
            RunStatus.COMPLETE,
            RunStatus.FAILED,
            RunStatus.CUT_OFF,
            RunStatus.SUPERSEDED,
            RunStatus.ABANDONED,
            # A worker that died lost its lease: the run waits for another worker.
            RunStatus.QUEUED,
        }
    ),
}
"""Every move a run may make; the final statuses have none."""
FINAL_STATUSES: tuple[RunStatus, ...] = tuple(s for s in RunStatus if s.final)


class AnswerMode(StrEnum):
    """How a question is answered: from the notes ``c'`` or, as the baseline, from ``c``."""

    SLEEP = "sleep"
    BASELINE = "baseline"


def parse_enum(kind: type[_E], value: str, what: str) -> _E:
    """Return the member of ``kind`` whose value is ``value``; name the choices otherwise."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InputError(f"unknown {what} {value!r}; use one of {choices}") from None
