"""Wilson intervals, the exact McNemar test and paired gains, against values worked by hand."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from sleeptime.benchmark.experiments.aggregate import grid_points
from sleeptime.benchmark.experiments.stats import (
    cross_budget_gains,
    mcnemar_exact,
    paired_gains,
    ratio_of_rates_interval,
    wilson_interval,
)
from sleeptime.benchmark.report import render_markdown, summarize


def test_wilson_known_values() -> None:
    low, high = wilson_interval(15, 30)
    assert low == pytest.approx(0.3315, abs=1e-4) and high == pytest.approx(0.6685, abs=1e-4)
    assert wilson_interval(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson_interval(10, 10) == (pytest.approx(0.7225, abs=1e-4), 1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_mcnemar_exact_known_values() -> None:
    # 1 against 7 discordant pairs: 2 * (C(8,0) + C(8,1)) / 2^8 = 18 / 256.
    assert mcnemar_exact(1, 7) == pytest.approx(18 / 256)
    assert mcnemar_exact(7, 1) == mcnemar_exact(1, 7)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(4, 4) == 1.0
    assert mcnemar_exact(0, 10) == pytest.approx(2 / 1024)
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def _row(pid: str, condition: str, budget: int, correct: bool, **extra: Any) -> dict[str, Any]:
    usage = {"prompt_tokens": 10, "completion_tokens": 5}
    return {
        "problem_id": pid,
        "condition": condition,
        "budget": budget,
        "correct": correct,
        "test": usage,
        **extra,
    }


ROWS = [
    *[_row(f"p{i}", "baseline", 0, i < 2) for i in range(6)],
    *[_row(f"p{i}", "sleep:1", 0, i in (1, 2, 3, 4)) for i in range(6)],
    *[_row(f"p{i}", "sleep:1", 4, True) for i in range(6)],  # no baseline at budget 4
]


def test_paired_gains_count_disagreements_on_shared_problems() -> None:
    (gain,) = paired_gains(ROWS)
    assert (gain["condition"], gain["budget"], gain["n"]) == ("sleep:1", 0, 6)
    assert (gain["wins"], gain["losses"]) == (3, 1)
    assert gain["accuracy"] == pytest.approx(4 / 6)
    assert gain["reference_accuracy"] == pytest.approx(2 / 6)
    assert gain["gain"] == pytest.approx(2 / 6)
    assert gain["p_value"] == pytest.approx(mcnemar_exact(3, 1))


def test_points_carry_intervals_and_the_report_shows_the_paired_table() -> None:
    points = {(p.condition, p.budget): p for p in grid_points(ROWS)}
    assert (points[("baseline", 0)].ci95_low, points[("baseline", 0)].ci95_high) == (
        wilson_interval(2, 6)
    )
    config = {"experiment": "sweep", "config": {"dataset": "d"}, "backend": {}}
    summary = summarize(config, ROWS, {"hits": 0, "misses": 18})
    assert len(summary["paired"]) == 1
    report = render_markdown(summary, [])
    assert "| sleep:1 | 0 | 6 | 66.7% | 33.3% | +33.3 pts | 3 | 1 | 0.625 |" in report
    assert "95% CI" in report and "10-70%" in report


def test_cross_budget_pairs_a_low_sleep_budget_with_every_higher_baseline_budget() -> None:
    rows = [
        *[_row(f"p{i}", "baseline", 0, False) for i in range(5)],
        *[
            {**_row(f"p{i}", "baseline", 4, i < 4), "test": {"completion_tokens": 300}}
            for i in range(5)
        ],
        *[
            {**_row(f"p{i}", "sleep:1", 0, i in (0, 4)), "test": {"completion_tokens": 10}}
            for i in range(5)
        ],
        _row("p0", "baseline", 1, True, test_effort="high"),  # effort rows stay out
    ]
    (gain,) = cross_budget_gains(rows)
    assert (gain["condition"], gain["budget"], gain["reference_budget"]) == ("sleep:1", 0, 4)
    assert (gain["n"], gain["wins"], gain["losses"]) == (5, 1, 3)
    assert gain["accuracy"] == pytest.approx(2 / 5) and gain["reference_accuracy"] == 0.8
    assert gain["token_ratio"] == pytest.approx(30.0)
    assert gain["p_value"] == pytest.approx(mcnemar_exact(1, 3))
    config = {"experiment": "sweep", "config": {"dataset": "d"}, "backend": {}}
    report = render_markdown(summarize(config, rows, {}), [])
    assert (
        "| sleep:1 | 0 | 4 | 5 | 40.0% | 80.0% | 1 / 3 | 0.625 | 10.0 | 300.0 | 30.0x |" in report
    )


def test_ratio_of_rates_identical_sides_is_exactly_one() -> None:
    pairs = [(3.0, 1.0), (5.0, 2.0), (1.0, 0.0)]
    assert ratio_of_rates_interval(pairs, list(pairs), resamples=200) == (1.0, 1.0, 1.0)


def test_ratio_of_rates_counts_seconds_of_tasks_with_no_yield() -> None:
    # only: 10 s for 1 right file, then 10 s for none -> 20 s per right file
    # sleep: 5 s for 1, 5 s for 1 -> 5 s per right file
    point, low, high = ratio_of_rates_interval(
        [(10.0, 1.0), (10.0, 0.0)], [(5.0, 1.0), (5.0, 1.0)], resamples=500
    )
    assert point == 4.0
    assert low <= point <= high
    assert high == math.inf  # a resample of the no-yield task alone: only never right


def test_ratio_of_rates_side_with_no_yield() -> None:
    assert ratio_of_rates_interval([(1.0, 1.0)], [(1.0, 0.0)], resamples=10)[0] == 0.0
    assert ratio_of_rates_interval([(1.0, 0.0)], [(1.0, 1.0)], resamples=10)[0] == math.inf
    point, low, high = ratio_of_rates_interval([(1.0, 0.0)], [(1.0, 0.0)], resamples=10)
    assert math.isnan(point) and math.isnan(low) and math.isnan(high)


def test_ratio_of_rates_interval_narrows_with_more_tasks_and_is_seeded() -> None:
    rng = random.Random(3)
    only = [(rng.uniform(1, 9), float(rng.randint(0, 2))) for _ in range(200)]
    sleep = [(rng.uniform(1, 5), float(rng.randint(1, 3))) for _ in range(200)]
    point, low, high = ratio_of_rates_interval(only, sleep, resamples=400)
    assert low < point < high and low > 1.0
    small = ratio_of_rates_interval(only[:20], sleep[:20], resamples=400)
    assert small[2] - small[1] > high - low
    assert ratio_of_rates_interval(only, sleep, resamples=400) == (point, low, high)


@pytest.mark.parametrize(
    ("base", "other", "resamples"),
    [([], [], 10), ([(1.0, 1.0)], [], 10), ([(1.0, 1.0)], [(1.0, 1.0)], 0)],
)
def test_ratio_of_rates_rejects_bad_input(
    base: list[tuple[float, float]], other: list[tuple[float, float]], resamples: int
) -> None:
    with pytest.raises(ValueError):
        ratio_of_rates_interval(base, other, resamples=resamples)
