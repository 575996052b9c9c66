"""The math under the reports: accuracy/token points, pass@k, quantile bins, cost per query."""

from __future__ import annotations

from typing import Any

import pytest

from sleeptime.benchmark.experiments.aggregate import (
    amortization,
    error_counts,
    grid_points,
    match_tokens,
    pass_at_k,
    predictability_bins,
    quantile_bins,
)


def _row(
    pid: str, condition: str, budget: int, correct: bool, gen: int, prompt: int = 10, **more: Any
) -> dict[str, Any]:
    return {
        "problem_id": pid,
        "condition": condition,
        "budget": budget,
        "correct": correct,
        "test": {"completion_tokens": gen, "prompt_tokens": prompt},
        **more,
    }


def test_grid_points_accuracy_tokens_and_errors() -> None:
    sleep = {"completion_tokens": 100, "prompt_tokens": 300}
    rows = [
        _row("a", "baseline", 0, True, 10),
        _row("b", "baseline", 0, False, 30),
        _row("a", "sleep:1", 0, True, 4, sleep=sleep),
        {
            "problem_id": "b",
            "condition": "sleep:1",
            "budget": 0,
            "correct": False,
            "error": "too large",
            "error_type": "ContextTooLargeError",
            "test": None,
        },
    ]
    points = {(p.condition, p.budget): p for p in grid_points(rows)}
    base = points[("baseline", 0)]
    assert (base.n, base.correct, base.accuracy, base.errors) == (2, 1, 0.5, 0)
    assert base.mean_test_generated == 20 and base.mean_test_total == 30
    slept = points[("sleep:1", 0)]
    # The failed sample counts as wrong; the token mean is over samples that ran.
    assert (slept.accuracy, slept.errors, slept.mean_test_generated) == (0.5, 1, 4)
    assert (slept.mean_sleep_generated, slept.mean_sleep_total) == (100, 400)
    assert [p.condition for p in grid_points(rows)] == ["baseline", "sleep:1"]
    assert error_counts(rows) == {"ContextTooLargeError": 1}


def test_pass_at_k_is_any_correct_and_sums_tokens() -> None:
    rows = [
        _row("a", "pass@k", 0, False, 10, sample=0),
        _row("a", "pass@k", 0, True, 20, sample=1),
        _row("a", "pass@k", 0, False, 30, sample=2),
        _row("b", "pass@k", 0, False, 10, sample=0),
        _row("b", "pass@k", 0, False, 10, sample=1),
        _row("b", "pass@k", 0, True, 10, sample=2),
        _row("a", "sleep:1", 0, True, 25),
    ]
    points = pass_at_k(rows, 3)
    assert [p.accuracy for p in points] == [0.0, 0.5, 1.0]
    assert [p.mean_test_generated for p in points] == [10.0, 25.0, 45.0]
    matched = match_tokens(grid_points([rows[-1]]), points)
    assert matched == [
        {
            "condition": "sleep:1",
            "budget": 0,
            "sleep_accuracy": 1.0,
            "sleep_tokens": 25.0,
            "k": 2,
            "pass_accuracy": 0.5,
            "pass_tokens": 25.0,
        }
    ]
    assert pass_at_k([rows[-1]], 3) == []


@pytest.mark.parametrize(
    ("scores", "bins", "expected"),
    [
        ([5.0, 1.0, 3.0, 2.0, 4.0], 5, [4, 0, 2, 1, 3]),
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 5, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]),
        ([1.0, 2.0], 5, [0, 1]),  # fewer problems than bins
        ([3.0, 3.0, 3.0], 5, [0, 0, 0]),  # all tied: one bin
        ([1.0, 1.0, 1.0, 1.0, 2.0], 2, [0, 0, 0, 0, 1]),  # ties never split
        ([1.0, 2.0, 2.0, 2.0, 2.0], 2, [0, 1, 1, 1, 1]),
        ([], 5, []),
    ],
)
def test_quantile_bins(scores: list[float], bins: int, expected: list[int]) -> None:
    assert quantile_bins(scores, bins) == expected


def test_predictability_bins_gain_per_bin() -> None:
    rows = []
    for i in range(10):
        pid = f"p{i}"
        rows.append(_row(pid, "baseline", 0, i >= 8, 5, score=-float(10 - i)))
        rows.append(_row(pid, "sleep:1", 0, i >= 4, 5, score=-float(10 - i)))
    rows.append(_row("p9", "baseline", 1, False, 5, score=-1.0))  # other budget: ignored
    bins = predictability_bins(rows, "sleep:1", 0, 5)
    assert [b["n"] for b in bins] == [2, 2, 2, 2, 2]
    assert [b["gain"] for b in bins] == [0.0, 0.0, 1.0, 1.0, 0.0]
    assert bins[0]["score_min"] == -10 and bins[-1]["score_max"] == -1


def test_amortization_cost_per_query_in_both_conventions() -> None:
    sleep = {"completion_tokens": 100, "prompt_tokens": 400}
    rows = []
    for context, n_questions in (("c1", 2), ("c2", 1)):
        for i in range(n_questions):
            common = {"context_id": context, "question_index": i, "n_questions": n_questions}
            rows.append(_row(f"{context}{i}", "baseline", 0, i == 0, 20, 200, **common))
            rows.append(_row(f"{context}{i}", "sleep:1", 0, True, 5, 50, sleep=sleep, **common))
    result = {r["n"]: r for r in amortization(rows, [1, 2, 5], 10.0, "sleep:1")}
    assert set(result) == {1, 2}  # no context has 5 questions
    one, two = result[1], result[2]
    assert one["contexts"] == 2 and two["contexts"] == 1
    assert one["sleep_cost_generated"] == 10 * 5 + 100
    assert one["baseline_cost_generated"] == 10 * 20
    assert two["sleep_cost_generated"] == 10 * 5 + 100 / 2
    assert two["sleep_cost_total"] == 10 * 55 + 500 / 2
    assert two["baseline_cost_total"] == 10 * 220
    assert two["ratio_generated"] == pytest.approx(200 / 100)
    assert (one["baseline_accuracy"], two["baseline_accuracy"]) == (1.0, 0.5)
    assert two["sleep_accuracy"] == 1.0


def test_notes_coverage_splits_accuracy_by_whether_the_notes_held_the_answer() -> None:
    from sleeptime.benchmark.experiments.aggregate import notes_coverage

    def row(pid: str, budget: int, held: bool, right: bool, in_qa: bool = False) -> dict[str, Any]:
        return {
            "problem_id": pid,
            "condition": "sleep:3",
            "budget": budget,
            "sample": None,
            "notes_has_answer": held,
            "notes_answer_in_qa": in_qa,
            "correct": right,
        }

    rows = [
        row("a", 0, True, True, in_qa=True),
        row("b", 0, True, False),
        row("c", 0, False, False),
        row("a", 4, True, True, in_qa=True),
        row("b", 4, True, True),
        row("c", 4, False, True),
        {"problem_id": "a", "condition": "baseline", "budget": 0, "sample": None, "correct": True},
    ]
    [cov] = notes_coverage(rows)
    assert cov["condition"] == "sleep:3" and cov["problems"] == 3
    assert cov["notes_hold_answer"] == pytest.approx(2 / 3)
    assert cov["anticipated_answer_right"] == pytest.approx(1 / 3)
    b0, b4 = cov["by_budget"]
    assert (b0["accuracy_when_held"], b0["n_held"]) == (0.5, 2)
    assert (b0["accuracy_when_not_held"], b0["n_not_held"]) == (0.0, 1)
    assert b4["accuracy_when_held"] == 1.0 and b4["accuracy_when_not_held"] == 1.0
