"""The paper's amortized cost model: test-time tokens are dearer than sleep-time tokens.

cost per query = t * (test-time tokens per query) + (sleep-time tokens) / N, where N
queries share one sleep run and t (default 10) prices latency-critical test-time tokens.
The paper counts generated tokens only; we report both that and prompt + generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from sleeptime.errors import InputError

DEFAULT_T = 10.0


def cost_per_query(
    test_tokens: float, sleep_tokens: float, n_queries: int, t: float = DEFAULT_T
) -> float:
    """Amortized cost of one query when ``n_queries`` share ``sleep_tokens`` of sleep."""
    if n_queries < 1:
        raise InputError("the number of queries per context must be at least 1")
    if t <= 0:
        raise InputError("the test-time price factor t must be positive")
    return t * test_tokens + sleep_tokens / n_queries


@dataclass(frozen=True, slots=True)
class CostComparison:
    """Sleep against baseline at one N, in both token conventions."""

    n_queries: int
    sleep_generated: float
    baseline_generated: float
    sleep_total: float
    baseline_total: float

    @property
    def ratio_generated(self) -> float | None:
        """Baseline cost over sleep cost, generated tokens only (>1 means sleep is cheaper)."""
        return self.baseline_generated / self.sleep_generated if self.sleep_generated else None

    @property
    def ratio_total(self) -> float | None:
        """Baseline cost over sleep cost, prompt plus generated tokens."""
        return self.baseline_total / self.sleep_total if self.sleep_total else None


def compare(
    *,
    sleep_generated_per_query: float,
    sleep_total_per_query: float,
    baseline_generated_per_query: float,
    baseline_total_per_query: float,
    sleep_generated_run: float,
    sleep_total_run: float,
    n_queries: int,
    t: float = DEFAULT_T,
) -> CostComparison:
    """Cost per query for sleep (with its run amortized over N) and baseline (no run)."""
    return CostComparison(
        n_queries=n_queries,
        sleep_generated=cost_per_query(
            sleep_generated_per_query, sleep_generated_run, n_queries, t
        ),
        baseline_generated=cost_per_query(baseline_generated_per_query, 0, n_queries, t),
        sleep_total=cost_per_query(sleep_total_per_query, sleep_total_run, n_queries, t),
        baseline_total=cost_per_query(baseline_total_per_query, 0, n_queries, t),
    )
