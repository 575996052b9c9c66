"""The amortized cost model, checked against numbers worked out by hand."""

from __future__ import annotations

import pytest

from sleeptime.answer import DEFAULT_T, compare, cost_per_query
from sleeptime.errors import InputError


def test_default_t_is_the_papers() -> None:
    assert DEFAULT_T == 10.0


@pytest.mark.parametrize(
    ("test_tokens", "sleep_tokens", "n", "t", "expected"),
    [
        (100, 1000, 1, 10, 2000.0),  # 10*100 + 1000/1
        (100, 1000, 10, 10, 1100.0),  # 10*100 + 1000/10
        (40, 500, 4, 2.5, 225.0),  # 2.5*40 + 500/4
        (0, 0, 1, 1, 0.0),
        (15, 80, 5, 1, 31.0),  # 15 + 16
    ],
)
def test_cost_per_query(
    test_tokens: float, sleep_tokens: float, n: int, t: float, expected: float
) -> None:
    assert cost_per_query(test_tokens, sleep_tokens, n, t) == pytest.approx(expected)


def test_cost_per_query_default_t() -> None:
    assert cost_per_query(3, 30, 3) == pytest.approx(40.0)


@pytest.mark.parametrize("n", [0, -1])
def test_fewer_than_one_query_is_refused(n: int) -> None:
    with pytest.raises(InputError, match="at least 1"):
        cost_per_query(1, 1, n)


@pytest.mark.parametrize("t", [0, -0.5])
def test_non_positive_t_is_refused(t: float) -> None:
    with pytest.raises(InputError, match="must be positive"):
        cost_per_query(1, 1, 1, t)


def test_compare_by_hand() -> None:
    c = compare(
        sleep_generated_per_query=15,
        sleep_total_per_query=65,
        baseline_generated_per_query=40,
        baseline_total_per_query=150,
        sleep_generated_run=80,
        sleep_total_run=580,
        n_queries=4,
        t=10,
    )
    assert c.n_queries == 4
    assert c.sleep_generated == pytest.approx(150 + 20)
    assert c.baseline_generated == pytest.approx(400)
    assert c.sleep_total == pytest.approx(650 + 145)
    assert c.baseline_total == pytest.approx(1500)
    assert c.ratio_generated == pytest.approx(400 / 170)
    assert c.ratio_total == pytest.approx(1500 / 795)


def test_compare_ratio_is_none_when_sleep_costs_nothing() -> None:
    c = compare(
        sleep_generated_per_query=0,
        sleep_total_per_query=0,
        baseline_generated_per_query=5,
        baseline_total_per_query=5,
        sleep_generated_run=0,
        sleep_total_run=0,
        n_queries=1,
    )
    assert c.ratio_generated is None and c.ratio_total is None


def test_compare_validates_n_and_t() -> None:
    args = {
        "sleep_generated_per_query": 1,
        "sleep_total_per_query": 1,
        "baseline_generated_per_query": 1,
        "baseline_total_per_query": 1,
        "sleep_generated_run": 1,
        "sleep_total_run": 1,
    }
    with pytest.raises(InputError):
        compare(**args, n_queries=0)
    with pytest.raises(InputError):
        compare(**args, n_queries=1, t=0)
