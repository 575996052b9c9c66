"""Per-context statistics: what queries cost with and without sleep, and the amortized cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import fmean

from sleeptime.answer.cost import DEFAULT_T, CostComparison, compare
from sleeptime.store import QueryRecord, RunRecord
from sleeptime.values import AnswerMode

DEFAULT_NS = (1, 2, 5, 10)


@dataclass(frozen=True, slots=True)
class ModeStats:
    """Means over the queries asked in one mode."""

    count: int
    mean_generated: float
    mean_prompt: float
    mean_total: float
    mean_latency_s: float
    mean_reasoning: float = 0.0
    """Of the generated tokens, those spent thinking (reasoning models)."""


@dataclass(frozen=True, slots=True)
class ContextStats:
    """Everything ``sleeptime stats NAME`` shows for the current revision."""

    name: str
    revision_seq: int
    sleep_runs: int
    sleep_generated: int
    """Generated tokens of the run behind the current artifact."""
    sleep_total: int
    """Prompt plus generated tokens of that run."""
    sleep: ModeStats | None
    baseline: ModeStats | None
    t: float
    costs: list[CostComparison] = field(default_factory=list)
    sleep_reasoning: int = 0
    """Thinking tokens of that run (part of ``sleep_generated``)."""


def mode_stats(queries: list[QueryRecord]) -> ModeStats | None:
    """Means of generated, prompt and total tokens and latency; None without queries."""
    if not queries:
        return None
    return ModeStats(
        count=len(queries),
        mean_generated=fmean(q.completion_tokens for q in queries),
        mean_prompt=fmean(q.prompt_tokens for q in queries),
        mean_total=fmean(q.prompt_tokens + q.completion_tokens for q in queries),
        mean_latency_s=fmean(q.latency_s for q in queries),
        mean_reasoning=fmean(q.usage.reasoning_tokens for q in queries),
    )


def context_stats(
    name: str,
    revision_seq: int,
    runs: list[RunRecord],
    artifact_run: RunRecord | None,
    queries: list[QueryRecord],
    *,
    t: float = DEFAULT_T,
    ns: tuple[int, ...] = DEFAULT_NS,
) -> ContextStats:
    """Summarize one revision; costs are filled only when both modes have queries."""
    sleep = mode_stats([q for q in queries if q.mode == AnswerMode.SLEEP])
    baseline = mode_stats([q for q in queries if q.mode == AnswerMode.BASELINE])
    gen = artifact_run.completion_tokens if artifact_run else 0
    total = (artifact_run.prompt_tokens + artifact_run.completion_tokens) if artifact_run else 0
    costs: list[CostComparison] = []
    if sleep and baseline and artifact_run:
        costs = [
            compare(
                sleep_generated_per_query=sleep.mean_generated,
                sleep_total_per_query=sleep.mean_total,
                baseline_generated_per_query=baseline.mean_generated,
                baseline_total_per_query=baseline.mean_total,
                sleep_generated_run=gen,
                sleep_total_run=total,
                n_queries=n,
                t=t,
            )
            for n in ns
        ]
    return ContextStats(
        name=name,
        revision_seq=revision_seq,
        sleep_runs=len(runs),
        sleep_generated=gen,
        sleep_total=total,
        sleep=sleep,
        baseline=baseline,
        t=t,
        costs=costs,
        sleep_reasoning=artifact_run.usage.reasoning_tokens if artifact_run else 0,
    )
