"""Context-only ablation: the model sees only c, guesses the question and answers it."""

from __future__ import annotations

from collections.abc import Sequence

from sleeptime.backends.base import Backend
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments.common import RunSummary
from sleeptime.benchmark.experiments.config import ContextOnlyConfig
from sleeptime.benchmark.experiments.sweep import grid_experiment


async def run_context_only(
    config: ContextOnlyConfig,
    *,
    backend: Backend | None = None,
    problems: Sequence[Problem] | None = None,
) -> RunSummary:
    """Run the context-only ablation (guess q from c alone) next to the real conditions."""
    return await grid_experiment("context-only", config, backend, problems)
