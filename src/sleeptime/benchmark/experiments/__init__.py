"""The paper's experiments, one async function per figure, each writing a results folder.

Every function takes a config model and returns a ``RunSummary``; all model calls go
through a call log in the output folder, so re-running resumes instead of paying again.
"""

from sleeptime.benchmark.experiments.amortization import (
    ContextGroup,
    load_multi_query,
    run_amortization,
    single_query_groups,
)
from sleeptime.benchmark.experiments.common import BoundedBackend, Harness, RunSummary
from sleeptime.benchmark.experiments.config import (
    AmortizationConfig,
    ContextOnlyConfig,
    ExperimentConfig,
    PassKConfig,
    PredictabilityConfig,
    SweepConfig,
)
from sleeptime.benchmark.experiments.context_only import run_context_only
from sleeptime.benchmark.experiments.passk import run_passk
from sleeptime.benchmark.experiments.predictability import run_predictability, score_query
from sleeptime.benchmark.experiments.sweep import run_sweep

__all__ = [
    "AmortizationConfig",
    "BoundedBackend",
    "ContextGroup",
    "ContextOnlyConfig",
    "ExperimentConfig",
    "Harness",
    "PassKConfig",
    "PredictabilityConfig",
    "RunSummary",
    "SweepConfig",
    "load_multi_query",
    "run_amortization",
    "run_context_only",
    "run_passk",
    "run_predictability",
    "run_sweep",
    "score_query",
    "single_query_groups",
]
