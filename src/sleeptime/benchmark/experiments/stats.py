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
        wins = sum(1 for pid in shared if answers[pid] and not base[pid])
        losses = sum(1 for pid in shared if base[pid] and not answers[pid])
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
