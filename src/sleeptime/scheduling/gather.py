"""Collect each context's priority inputs from the store (see ``priority.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import fmean
from typing import Any

from sleeptime.scheduling.priority import PriorityInputs, predictability_from_logprob
from sleeptime.store import Store
from sleeptime.values import AnswerMode, RunStatus

CHARS_PER_TOKEN = 4.0
ESTIMATED_ROUNDS = 3
ESTIMATED_ROUND_TOKENS = 512
ESTIMATED_NOTES_CHARS = 5000


def gather_inputs(
    store: Store, tenant: str, *, now: datetime | None = None, max_queries: int = 1000
) -> list[PriorityInputs]:
    """One ``PriorityInputs`` per context of ``tenant``, from its recorded history."""
    now = now or datetime.now(UTC)
    out: list[PriorityInputs] = []
    for summary in store.list_contexts(tenant):
        revision = store.current_revision(summary.id, tenant=tenant)
        artifact = store.latest_artifact(revision.id, tenant=tenant)
        queries = store.list_queries(context_id=summary.id, limit=max_queries, tenant=tenant)
        ages = tuple(max((now - q.created_at).total_seconds() / 3600.0, 0.0) for q in queries)
        current = [q for q in queries if q.revision_id == revision.id]
        sleep_q = [
            q.prompt_tokens - q.cached_prompt_tokens + q.completion_tokens
            for q in current
            if q.mode == AnswerMode.SLEEP
        ]
        base_q = [
            q.prompt_tokens - q.cached_prompt_tokens + q.completion_tokens
            for q in current
            if q.mode == AnswerMode.BASELINE
        ]
        context_tokens = revision.n_chars / CHARS_PER_TOKEN
        if sleep_q and base_q:
            saved = fmean(base_q) - fmean(sleep_q)
        else:
            notes_chars = (
                artifact.n_chars if artifact else min(revision.n_chars, ESTIMATED_NOTES_CHARS)
            )
            saved = context_tokens - notes_chars / CHARS_PER_TOKEN
        runs = [
            r
            for r in store.list_runs(context_id=summary.id, limit=20, tenant=tenant)
            if r.status == RunStatus.COMPLETE
        ]
        if runs:
            cost = float(runs[0].prompt_tokens + runs[0].completion_tokens)
        else:
            cost = ESTIMATED_ROUNDS * (context_tokens + ESTIMATED_ROUND_TOKENS)
        source = artifact or _previous_artifact(store, runs, tenant)
        out.append(
            PriorityInputs(
                name=summary.name,
                query_ages_h=ages,
                saved_tokens_per_query=saved,
                predictability=_predictability(source.anticipated if source else []),
                sleep_cost_tokens=cost,
                up_to_date=artifact is not None,
            )
        )
    return out


def _previous_artifact(store: Store, complete: list[Any], tenant: str) -> Any:
    """The newest notes of any revision: a new revision's questions resemble the last's."""
    for run in complete:
        found = store.latest_artifact(run.revision_id, tenant=tenant)
        if found is not None:
            return found
    return None


def _predictability(anticipated: list[dict[str, object]]) -> float | None:
    """Mean predictability of anticipated questions that carry a log-probability."""
    values: list[float] = []
    for item in anticipated:
        logprob, tokens = item.get("logprob"), item.get("tokens")
        if isinstance(logprob, int | float) and isinstance(tokens, int) and tokens > 0:
            values.append(predictability_from_logprob(float(logprob), tokens))
    return fmean(values) if values else None
