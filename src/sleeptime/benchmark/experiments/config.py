"""Settings of each experiment as pydantic models; the whole model goes into ``config.json``.

Conditions are named the way a user types them: ``baseline`` (test-time only, ``c`` and
``q``), ``sleep:K`` (notes from K parallel rethink loops, the ``parallel:K`` recipe) and
``context-only`` (the model sees only ``c`` and must guess the question); ``solve:K`` makes
the notes with the ``solve:K`` recipe (likely questions solved ahead, ``sleep/solve.py``)
and counts as a sleep condition everywhere ``sleep:K`` does. In a sweep,
``sleep:K@E`` makes the notes at sleep-time reasoning effort ``E`` (``low``, ``medium``,
``high``, or a thinking budget in tokens), the paper's sleep-time axis for reasoning models.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sleeptime.answer.budgets import LEVELS
from sleeptime.backends.reasoning import effort_label, parse_effort
from sleeptime.errors import InputError
from sleeptime.values import LayoutChoice

_SHARD = re.compile(r"([0-9]+)/([0-9]+)")
CONDITION_PATTERN = re.compile(r"^(baseline|context-only|(?:sleep|solve):(\d+))(?:@([a-z0-9]+))?$")
NO_EFFORT = "none"
"""The effort axis value that sends no reasoning parameter."""


def condition_k(condition: str) -> int | None:
    """The number of sleep loops of a ``sleep:K`` condition, or None for other conditions."""
    match = CONDITION_PATTERN.match(condition)
    if match is None or match.group(2) is None:
        return None
    return int(match.group(2))


def condition_recipe(condition: str, combine: str = "concat") -> str:
    """The sleep recipe a sleep condition runs: ``solve:K`` as is, ``sleep:K`` as
    ``parallel:K`` (or ``vote:K`` when the run combines by vote)."""
    k = condition_k(condition) or 1
    if condition.startswith("solve:"):
        return f"solve:{k}"
    return f"{'vote' if combine == 'vote' else 'parallel'}:{k}"


def condition_effort(condition: str) -> str | None:
    """The sleep-time effort of a ``sleep:K@E`` condition, or None."""
    match = CONDITION_PATTERN.match(condition)
    return None if match is None else match.group(3)


def effort_value(raw: str) -> str:
    """An effort axis value, checked and written one way (``high``, ``1024``, ``none``)."""
    try:
        effort, tokens = parse_effort(raw)
    except InputError as exc:
        raise ValueError(str(exc)) from None
    return effort_label(effort, tokens) or NO_EFFORT


def _check_efforts(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        value = effort_value(raw)
        if value not in out:
            out.append(value)
    return out


def _check_conditions(
    values: list[str], allowed: tuple[str, ...], *, with_effort: bool = False
) -> list[str]:
    out: list[str] = []
    for raw in values:
        value = raw.strip().lower()
        match = CONDITION_PATTERN.match(value)
        if match and match.group(3) is not None:
            if not (with_effort and match.group(2)):
                raise ValueError(
                    f"condition {raw!r}: only a sweep's sleep:K conditions take an effort "
                    "(sleep:K@low, sleep:K@high, sleep:K@1024)"
                )
            value = f"{value.split(':', 1)[0]}:{match.group(2)}@{effort_value(match.group(3))}"
        kind = "sleep" if match and match.group(2) else (match.group(1) if match else "")
        if kind not in allowed or (match and match.group(2) and not 1 <= int(match.group(2)) <= 32):
            raise ValueError(
                f"unknown condition {raw!r}; use {', '.join(allowed)} "
                "(sleep:K with K from 1 to 32, e.g. sleep:5)"
            )
        if value not in out:
            out.append(value)
    if not out:
        raise ValueError("give at least one condition")
    return out


def _check_budgets(values: list[int]) -> list[int]:
    if not values:
        raise ValueError("give at least one budget level")
    for value in values:
        if value not in LEVELS:
            raise ValueError(f"budget levels are 0-4; got {value}")
    return sorted(set(values))


class ExperimentConfig(BaseModel):
    """What every experiment needs: data, backend, output folder and sleep settings."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    out: Path
    """Output folder: calls.db, config.json, samples.jsonl, summary.json, report.md, PNGs."""
    dataset: str = "gsm-symbolic-p2"
    """Dataset name accepted by ``load_dataset`` (gsm-symbolic-p2, aime-2024, gsm8k, ...)."""
    data: Path | None = None
    """Dataset file or data root; None uses $SLEEPTIME_DATA_ROOT or ../shared/data."""
    limit: int | None = Field(default=None, ge=0)
    """Use only the first N problems."""
    sample: int | None = Field(default=None, ge=1)
    """Use N problems drawn at random (seeded by ``seed``) from the whole file, in file order.

    GSM-Symbolic files list 50 instances per template one after another, so the first 30
    problems are all one template; a seeded sample spreads a small run across templates.
    """
    shard: str | None = None
    """``K/N``: run only problems K, K+N, K+2N, ... of the chosen set (after limit and sample).

    Shards run in parallel processes or machines that share one ``calls`` log; the same
    command without ``shard`` then replays every call and writes the merged results.
    """
    backend: str | None = None
    """Backend name (llama, openai, scripted); None uses the settings default."""
    model: str | None = None
    """Model for the backend (GGUF path or remote model id); None uses its default."""
    calls: Path | None = None
    """Call log file; None uses OUT/calls.db. Share one between experiments to reuse calls."""
    concurrency: int = Field(default=4, ge=1, le=512)
    """Model requests in flight at once (replayed calls do not count)."""
    seed: int = 0
    """Base seed; parallel sleep loop i uses seed + i, pass@k sample i uses seed + i."""
    layout: LayoutChoice = "auto"
    """Sleep answers see c' only (replace, the paper's text), c and c' (both, its code), c
    and the notes that add to it (derived), c alone (context), or the per-budget choice of
    ``answer/policy.py`` (auto, the default)."""
    split: Literal["sentence", "naive"] = "sentence"
    """Context/query split: sentence-aware (default) or the paper's naive split on '.'."""
    max_rounds: int = Field(default=3, ge=1, le=100)
    """Rethink rounds per sleep loop (the paper allows 10)."""
    round_tokens: int = Field(default=1024, ge=16, le=32768)
    """Generated tokens allowed per sleep round."""
    memory_chars: int = Field(default=5000, ge=200, le=200_000)
    """Longest notes a sleep loop may keep (the paper's 5,000-character block)."""
    combine: Literal["concat", "vote"] = "concat"
    """How ``sleep:K`` joins its K loops: concatenated (the paper) or by consensus (vote)."""
    check_arithmetic: bool = True
    """Recompute every calculation in the notes and send slips back to the model."""
    max_tokens: int | None = Field(default=None, ge=1, le=32768)
    """Cap on generated tokens per answer for every budget level; None keeps each level's cap."""
    progress: bool = True
    """Show a progress bar on stderr."""

    @field_validator("shard")
    @classmethod
    def _shard(cls, value: str | None) -> str | None:
        shard_slice(value)
        return value


def shard_slice(shard: str | None) -> tuple[int, int] | None:
    """``"K/N"`` as (K - 1, N), checked; None when not sharded."""
    if shard is None:
        return None
    found = _SHARD.fullmatch(shard.strip())
    if found is None or not 1 <= int(found[1]) <= int(found[2]):
        raise ValueError(
            f"shard {shard!r} is not K/N with 1 <= K <= N; run shards 1/2 and 2/2 in two "
            "processes with the same --calls, then the command without --shard"
        )
    return int(found[1]) - 1, int(found[2])


class SweepConfig(ExperimentConfig):
    """Budget sweep: every condition at every budget level."""

    budgets: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """Test-time budget levels 0-4."""
    conditions: list[str] = Field(
        default_factory=lambda: ["baseline", "sleep:1", "sleep:2", "sleep:5"]
    )
    """Conditions: baseline, sleep:K, sleep:K@E (notes at sleep-time effort E), context-only."""
    sleep_efforts: list[str] = Field(default_factory=list)
    """Sleep-time reasoning efforts: every ``sleep:K`` becomes ``sleep:K@E`` for each E."""
    test_efforts: list[str] = Field(default_factory=list)
    """Test-time reasoning efforts (low, medium, high, none, or thinking budgets in tokens):
    every condition is answered at each, at every budget level."""

    @field_validator("budgets")
    @classmethod
    def _budgets(cls, value: list[int]) -> list[int]:
        return _check_budgets(value)

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, value: list[str]) -> list[str]:
        return _check_conditions(value, ("baseline", "sleep", "context-only"), with_effort=True)

    @field_validator("sleep_efforts", "test_efforts")
    @classmethod
    def _efforts(cls, value: list[str]) -> list[str]:
        return _check_efforts(value)

    @model_validator(mode="after")
    def _sleep_axis(self) -> SweepConfig:
        """Cross every plain ``sleep:K`` with the sleep efforts (the paper's grid)."""
        if self.sleep_efforts:
            crossed: list[str] = []
            for condition in self.conditions:
                plain = condition_k(condition) is not None and "@" not in condition
                for name in (
                    [f"{condition}@{e}" for e in self.sleep_efforts] if plain else [condition]
                ):
                    if name not in crossed:
                        crossed.append(name)
            self.conditions = crossed
        return self


class ContextOnlyConfig(SweepConfig):
    """Context-only ablation: guess the question from c alone, against the real conditions."""

    conditions: list[str] = Field(default_factory=lambda: ["context-only", "baseline", "sleep:1"])
    """Conditions to compare; context-only is always added."""

    @field_validator("conditions")
    @classmethod
    def _with_context_only(cls, value: list[str]) -> list[str]:
        return value if "context-only" in value else ["context-only", *value]


class PassKConfig(ExperimentConfig):
    """pass@k at one budget (temperature > 0) against sleep conditions at equal tokens."""

    k: int = Field(default=5, ge=1, le=64)
    """Samples per problem for pass@k."""
    temperature: float = Field(default=0.7, gt=0.0, le=2.0)
    """Sampling temperature of the pass@k samples."""
    pass_budget: int = 0
    """Budget level of the pass@k samples (the paper's lowest verbosity, 0)."""
    budgets: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """Budget levels of the sleep conditions."""
    conditions: list[str] = Field(default_factory=lambda: ["sleep:1", "sleep:2", "sleep:5"])
    """Sleep conditions to compare against (sleep:K)."""

    @field_validator("budgets")
    @classmethod
    def _budgets(cls, value: list[int]) -> list[int]:
        return _check_budgets(value)

    @field_validator("pass_budget")
    @classmethod
    def _pass_budget(cls, value: int) -> int:
        return _check_budgets([value])[0]

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, value: list[str]) -> list[str]:
        return _check_conditions(value, ("baseline", "sleep"))


class OneConditionConfig(ExperimentConfig):
    """An experiment that compares one sleep condition with the baseline at one budget."""

    budget: int = 0
    """Test-time budget level of every answer."""
    condition: str = "sleep:1"
    """The sleep condition (sleep:K) compared with the baseline."""

    @field_validator("budget")
    @classmethod
    def _budget(cls, value: int) -> int:
        return _check_budgets([value])[0]

    @field_validator("condition")
    @classmethod
    def _condition(cls, value: str) -> str:
        return _check_conditions([value], ("sleep",))[0]


class AmortizationConfig(OneConditionConfig):
    """Amortization: N queries share one sleep run; cost per query against the baseline."""

    multi_query: Path | None = None
    """Multi-Query jsonl ({context_id, context, question, answer}); None: one query per problem."""
    queries: list[int] = Field(default_factory=lambda: [1, 2, 5, 10])
    """Values of N, the number of queries per context."""
    t: float = Field(default=10.0, gt=0.0)
    """Price of a test-time token relative to a sleep-time token (the paper's t = 10)."""
    grader: Literal["gsm", "aime"] = "gsm"
    """Grader for multi-query answers."""

    @field_validator("queries")
    @classmethod
    def _queries(cls, value: list[int]) -> list[int]:
        if not value or any(n < 1 for n in value):
            raise ValueError("queries per context must be positive integers, e.g. 1,2,5,10")
        return sorted(set(value))


class PredictabilityConfig(OneConditionConfig):
    """Predictability: log P(q | c) quantile bins and the accuracy gain of sleep per bin."""

    scorer_backend: str | None = None
    """Backend that scores log P(q | c); None uses the answering backend."""
    scorer_model: str | None = None
    """Model of the scoring backend; None uses its default (or the answering model)."""
    per_token: bool = False
    """Divide log P(q | c) by the number of query tokens."""
    bins: int = Field(default=5, ge=1, le=100)
    """Quantile bins (fewer when there are fewer distinct scores)."""
