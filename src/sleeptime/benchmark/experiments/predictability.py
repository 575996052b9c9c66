"""Predictability: score log P(q | c), bin the problems, and compare sleep with the baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sleeptime.backends.base import Backend
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments.common import (
    Harness,
    RunSummary,
    ids_only,
    is_fatal,
    load_problems,
)
from sleeptime.benchmark.experiments.config import PredictabilityConfig
from sleeptime.benchmark.experiments.grid import answer_prompt_versions, run_grid


async def score_query(scorer: Backend, problem: Problem, per_token: bool) -> dict[str, Any]:
    """Row fields with log P(" " + q | c) (nats), the query's token count, and the score."""
    continuation = " " + problem.query
    logprob = await scorer.logprob(problem.context, continuation)
    tokens = await scorer.count_tokens(continuation)
    score = logprob / max(tokens, 1) if per_token else logprob
    return {"logprob": logprob, "query_tokens": tokens, "score": score}


async def run_predictability(
    config: PredictabilityConfig,
    *,
    backend: Backend | None = None,
    scorer: Backend | None = None,
    problems: Sequence[Problem] | None = None,
) -> RunSummary:
    """Score every query under the scorer, answer it with and without sleep at one budget."""
    from sleeptime.benchmark.report import write_outputs

    chosen = list(problems) if problems is not None else load_problems(config)
    spec = None
    if scorer is None and (config.scorer_backend or config.scorer_model):
        spec = (config.scorer_backend or config.backend, config.scorer_model)
    async with Harness(
        "predictability", config, backend=backend, scorer=scorer, scorer_spec=spec
    ) as harness:
        harness.extra_config = {"problem_ids": ids_only(chosen)}
        harness.write_config(answer_prompt_versions())

        async def annotate(problem: Problem) -> dict[str, Any]:
            try:
                return await score_query(harness.scorer, problem, config.per_token)
            except Exception as exc:
                if is_fatal(exc):
                    raise
                return {"score": None, "score_error": f"{type(exc).__name__}: {exc}"}

        await run_grid(
            harness,
            chosen,
            ["baseline", config.condition],
            [config.budget],
            description="predictability",
            annotate=annotate,
        )
        hits, misses = harness.hits, harness.misses
    return write_outputs(config.out, hits=hits, misses=misses)
