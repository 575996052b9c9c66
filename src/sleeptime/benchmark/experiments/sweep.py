"""Budget sweep: each condition at each budget level -> accuracy against test-time tokens."""

from __future__ import annotations

from collections.abc import Sequence

from sleeptime.backends.base import Backend
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments.common import Harness, RunSummary, ids_only, load_problems
from sleeptime.benchmark.experiments.config import SweepConfig
from sleeptime.benchmark.experiments.grid import answer_prompt_versions, run_grid


async def run_sweep(
    config: SweepConfig,
    *,
    backend: Backend | None = None,
    problems: Sequence[Problem] | None = None,
) -> RunSummary:
    """Run the paper's budget sweep and write samples, summary, report and plot to ``out``."""
    return await grid_experiment("sweep", config, backend, problems)


async def grid_experiment(
    kind: str,
    config: SweepConfig,
    backend: Backend | None,
    problems: Sequence[Problem] | None,
) -> RunSummary:
    from sleeptime.benchmark.report import write_outputs

    chosen = list(problems) if problems is not None else load_problems(config)
    async with Harness(kind, config, backend=backend) as harness:
        harness.extra_config = {"problem_ids": ids_only(chosen)}
        harness.write_config(answer_prompt_versions())
        await run_grid(
            harness,
            chosen,
            config.conditions,
            config.budgets,
            description=kind,
            efforts=config.test_efforts or [None],
        )
        hits, misses = harness.hits, harness.misses
    return write_outputs(config.out, hits=hits, misses=misses)
