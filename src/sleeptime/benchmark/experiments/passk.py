"""pass@k at the lowest budget (sampled, oracle-verified) against sleep at equal tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sleeptime.backends.base import Backend
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments.common import (
    Harness,
    ProgressBar,
    RunSummary,
    ids_only,
    load_problems,
    run_all,
)
from sleeptime.benchmark.experiments.config import PassKConfig
from sleeptime.benchmark.experiments.grid import answer_prompt_versions, answer_row, run_problem


async def run_passk(
    config: PassKConfig,
    *,
    backend: Backend | None = None,
    problems: Sequence[Problem] | None = None,
) -> RunSummary:
    """Draw k samples per problem at ``pass_budget`` and run the sleep conditions' sweep.

    pass@k counts a problem solved when any sample is right, which needs an oracle
    verifier: it is an upper bound, compared with sleep at matching test-time tokens.
    """
    from sleeptime.benchmark.report import write_outputs

    chosen = list(problems) if problems is not None else load_problems(config)
    per_problem = len(config.conditions) * len(config.budgets) + config.k
    async with Harness("passk", config, backend=backend) as harness:
        harness.extra_config = {"problem_ids": ids_only(chosen)}
        harness.write_config(answer_prompt_versions())
        with ProgressBar("passk", len(chosen) * per_problem, config.progress) as bar:

            async def samples(problem: Problem) -> None:
                for i in range(config.k):
                    await answer_row(
                        harness,
                        problem,
                        "pass@k",
                        config.pass_budget,
                        None,
                        sample=i,
                        temperature=config.temperature,
                    )
                    bar.advance()

            async def one(problem: Problem) -> None:
                await asyncio.gather(
                    samples(problem),
                    run_problem(harness, problem, config.conditions, config.budgets, bar, {}),
                )

            await run_all(chosen, one, config.concurrency)
        hits, misses = harness.hits, harness.misses
    return write_outputs(config.out, hits=hits, misses=misses)
