"""How sure a small run can be: Wilson intervals per point and paired tests against the baseline.

A 30-problem run moves by 3.3 points per problem, so a table of bare accuracies invites
reading noise as an effect. Every point carries a 95% Wilson score interval (it stays
inside [0, 1] and behaves at 0/n and n/n, unlike the normal approximation), and each
sleep condition is compared with test-time only *on the same problems at the same budget*:
the counts of problems only one side got right and an exact McNemar p-value on them, which
uses the pairing that separate intervals ignore.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

Z95 = 1.959963984540054


def wilson_interval(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``correct / n`` (95% by default); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= correct <= n:
        raise ValueError(f"correct must be between 0 and n ({n}); got {correct}")
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0/n and n/n the bound is exactly 0 or 1; rounding would leave 1e-16 off.
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    high = 1.0 if correct == n else min(1.0, centre + half)
    return low, high


def mcnemar_exact(wins: int, losses: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of ``wins`` among the discordant pairs."""
    if wins < 0 or losses < 0:
        raise ValueError("wins and losses must not be negative")
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1)) / (1 << n)
    return min(1.0, 2 * tail)


def _discordant(
    answers: dict[str, bool], base: dict[str, bool], shared: list[str]
) -> tuple[int, int]:
    """(problems only ``answers`` got right, problems only ``base`` got right)."""
    wins = sum(1 for pid in shared if answers[pid] and not base[pid])
    losses = sum(1 for pid in shared if base[pid] and not answers[pid])
    return wins, losses


def paired_gains(
    rows: Iterable[dict[str, Any]], reference: str = "baseline"
) -> list[dict[str, Any]]:
    """Each other condition against ``reference`` at the same budget, on shared problems.

    Rows are ``samples.jsonl`` rows; a failed sample counts as wrong (as in the accuracy).
    Conditions and budgets the reference never ran are left out. Rows with a test-time
    reasoning effort are compared with the reference at the same effort.
    """
    right: dict[tuple[str, int, str | None], dict[str, bool]] = defaultdict(dict)
    for row in rows:
        effort = row.get("test_effort")
        key = (str(row["condition"]), int(row["budget"]), None if effort is None else str(effort))
        right[key][str(row["problem_id"])] = bool(row.get("correct"))
    found: list[dict[str, Any]] = []
    for (condition, budget, effort), answers in right.items():
        base = right.get((reference, budget, effort))
        if condition == reference or base is None:
            continue
        shared = sorted(answers.keys() & base.keys())
        if not shared:
            continue
        wins, losses = _discordant(answers, base, shared)
        found.append(
            {
                "condition": condition,
                "reference": reference,
                "budget": budget,
                **({"test_effort": effort} if effort is not None else {}),
                "n": len(shared),
                "accuracy": sum(answers[pid] for pid in shared) / len(shared),
                "reference_accuracy": sum(base[pid] for pid in shared) / len(shared),
                "gain": (wins - losses) / len(shared),
                "wins": wins,
                "losses": losses,
                "p_value": mcnemar_exact(wins, losses),
            }
        )
    return found


def _generated(row: dict[str, Any]) -> float:
    test = row.get("test") or {}
    return float(test.get("completion_tokens") or 0)


def cross_budget_gains(
    rows: Iterable[dict[str, Any]], reference: str = "baseline"
) -> list[dict[str, Any]]:
    """Each other condition at budget b against ``reference`` at every higher budget.

    The paper's claim is sleep at a low budget matching test-time only at a higher one with
    fewer test-time tokens; this pairs those on shared problems (exact McNemar p) and gives
    the ratio of mean generated test-time tokens (reference / condition). Rows with a
    test-time effort are left out.
    """
    right: dict[tuple[str, int], dict[str, bool]] = defaultdict(dict)
    tokens: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for row in rows:
        if row.get("test_effort") is not None:
            continue
        key = (str(row["condition"]), int(row["budget"]))
        right[key][str(row["problem_id"])] = bool(row.get("correct"))
        tokens[key][str(row["problem_id"])] = _generated(row)
    found: list[dict[str, Any]] = []
    for (condition, budget), answers in sorted(right.items()):
        if condition == reference:
            continue
        for (other, higher), base in sorted(right.items()):
            if other != reference or higher <= budget:
                continue
            shared = sorted(answers.keys() & base.keys())
            if not shared:
                continue
            wins, losses = _discordant(answers, base, shared)
            own = sum(tokens[(condition, budget)][pid] for pid in shared) / len(shared)
            theirs = sum(tokens[(reference, higher)][pid] for pid in shared) / len(shared)
            found.append(
                {
                    "condition": condition,
                    "budget": budget,
                    "reference_budget": higher,
                    "n": len(shared),
                    "accuracy": sum(answers[pid] for pid in shared) / len(shared),
                    "reference_accuracy": sum(base[pid] for pid in shared) / len(shared),
                    "wins": wins,
                    "losses": losses,
                    "p_value": mcnemar_exact(wins, losses),
                    "generated_tokens": own,
                    "reference_generated_tokens": theirs,
                    "token_ratio": theirs / own if own else None,
                }
            )
    return found


def ratio_of_rates_interval(
    base: list[tuple[float, float]],
    other: list[tuple[float, float]],
    resamples: int = 10_000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """A paired bootstrap of ``rate(base) / rate(other)``, each rate a sum over a sum.

    Each pair is ``(cost, yield)`` for one task, e.g. (seconds, right files named), so a
    side's rate is its seconds per right file over the whole run. A per-task mean of
    ratios would be undefined on every task that named no right file, which is exactly
    where the cheaper side's speed is worth nothing; a ratio of sums counts those seconds
    and no yield. Tasks are resampled together on both sides (they share the request).
    Returns (point estimate, 2.5th percentile, 97.5th percentile); a side with no yield
    in a resample has an infinite rate there.
    """
    if len(base) != len(other):
        raise ValueError("base and other must pair the same tasks")
    if not base:
        raise ValueError("no tasks to compare")
    if resamples < 1:
        raise ValueError("resamples must be at least 1")

    def ratio(indices: Iterable[int]) -> float:
        chosen = list(indices)
        base_cost = sum(base[i][0] for i in chosen)
        base_yield = sum(base[i][1] for i in chosen)
        other_cost = sum(other[i][0] for i in chosen)
        other_yield = sum(other[i][1] for i in chosen)
        base_rate = base_cost / base_yield if base_yield else math.inf
        other_rate = other_cost / other_yield if other_yield else math.inf
        if math.isinf(base_rate) and math.isinf(other_rate):
            return math.nan
        if math.isinf(other_rate):
            return 0.0
        if other_rate == 0:
            return math.inf
        return base_rate / other_rate

    rng = random.Random(seed)
    n = len(base)
    draws = [ratio(rng.randrange(n) for _ in range(n)) for _ in range(resamples)]
    finite = sorted(d for d in draws if not math.isnan(d))
    if not finite:
        return ratio(range(n)), math.nan, math.nan
    low = finite[int(0.025 * (len(finite) - 1))]
    high = finite[math.ceil(0.975 * (len(finite) - 1))]
    return ratio(range(n)), low, high
