"""Pure aggregation of sample rows: accuracy/token points, pass@k, quantile bins, cost per query.

Everything here reads the rows of ``samples.jsonl`` (plain dicts) and returns plain data,
so ``sleeptime bench report`` can re-render a finished run without any model call. A row
that failed counts as wrong; its tokens are not in the means (they were never spent).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sleeptime.answer.cost import compare
from sleeptime.benchmark.experiments.stats import wilson_interval

Row = dict[str, Any]


def _tokens(usage: Any, total: bool) -> float:
    if not isinstance(usage, dict):
        return 0.0
    generated = float(usage.get("completion_tokens", 0))
    return generated + float(usage.get("prompt_tokens", 0)) if total else generated


def _reasoning(usage: Any) -> float:
    return float(usage.get("reasoning_tokens") or 0) if isinstance(usage, dict) else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True, slots=True)
class Point:
    """Accuracy and mean test-time tokens of one condition at one budget."""

    condition: str
    budget: int
    n: int
    correct: int
    errors: int
    accuracy: float
    ci95_low: float
    """95% Wilson score interval of the accuracy (failed samples count as wrong)."""
    ci95_high: float
    mean_test_generated: float
    mean_test_total: float
    mean_sleep_generated: float
    mean_sleep_total: float
    mean_latency_s: float
    test_effort: str | None = None
    """Test-time reasoning effort or thinking budget of the answers (None: not asked)."""
    mean_test_reasoning: float = 0.0
    """Of the test-time generated tokens, those spent thinking."""
    mean_sleep_reasoning: float = 0.0
    """Of the sleep-time generated tokens, those spent thinking."""

    def to_dict(self) -> dict[str, Any]:
        """For summary.json."""
        return asdict(self)


def effort_rank(effort: str | None) -> tuple[int, int]:
    """Order test-time efforts: none, low, medium, high, then thinking budgets by size."""
    named = {None: 0, "none": 0, "low": 1, "medium": 2, "high": 3}
    if effort in named:
        return (named[effort], 0)
    digits = "".join(ch for ch in str(effort) if ch.isdigit())
    return (4, int(digits) if digits else 0)


def grid_points(rows: Iterable[Row]) -> list[Point]:
    """One point per (condition, budget, test-time effort), sorted by condition, then budget."""
    groups: dict[tuple[str, int, str | None], list[Row]] = defaultdict(list)
    for row in rows:
        effort = row.get("test_effort")
        key = (str(row["condition"]), int(row["budget"]), None if effort is None else str(effort))
        groups[key].append(row)
    points: list[Point] = []
    for (condition, budget, effort), members in groups.items():
        ok = [r for r in members if not r.get("error")]
        sleeps = {r["problem_id"]: r["sleep"] for r in members if r.get("sleep")}
        correct = sum(1 for r in members if r.get("correct"))
        low, high = wilson_interval(correct, len(members))
        points.append(
            Point(
                condition=condition,
                budget=budget,
                n=len(members),
                correct=correct,
                errors=len(members) - len(ok),
                accuracy=correct / len(members),
                ci95_low=low,
                ci95_high=high,
                mean_test_generated=_mean([_tokens(r.get("test"), False) for r in ok]),
                mean_test_total=_mean([_tokens(r.get("test"), True) for r in ok]),
                mean_sleep_generated=_mean([_tokens(u, False) for u in sleeps.values()]),
                mean_sleep_total=_mean([_tokens(u, True) for u in sleeps.values()]),
                mean_latency_s=_mean([float(r.get("latency_s") or 0.0) for r in ok]),
                test_effort=effort,
                mean_test_reasoning=_mean([_reasoning(r.get("test")) for r in ok]),
                mean_sleep_reasoning=_mean([_reasoning(u) for u in sleeps.values()]),
            )
        )
    return sorted(
        points,
        key=lambda p: (_condition_order(p.condition), p.budget, effort_rank(p.test_effort)),
    )


def _condition_order(condition: str) -> tuple[int, int, tuple[int, int], str]:
    if condition.startswith(("sleep:", "solve:")):
        k, _, effort = condition.split(":", 1)[1].partition("@")
        rank = 1 if condition.startswith("sleep:") else 2
        return (rank, int(k), effort_rank(effort or None), condition)
    order = {"baseline": 0, "context-only": 3, "pass@k": 4}
    return (order.get(condition, 5), 0, (0, 0), condition)


@dataclass(frozen=True, slots=True)
class PassPoint:
    """pass@k: a problem counts as solved when any of its first k samples is right."""

    k: int
    n: int
    correct: int
    accuracy: float
    mean_test_generated: float
    """Generated tokens summed over the k samples, averaged over problems."""
    mean_test_total: float


def pass_at_k(rows: Iterable[Row], k_max: int) -> list[PassPoint]:
    """pass@1..k_max from the ``pass@k`` rows (sample index 0..k-1 per problem)."""
    by_problem: dict[str, dict[int, Row]] = defaultdict(dict)
    for row in rows:
        if row["condition"] == "pass@k":
            by_problem[str(row["problem_id"])][int(row["sample"])] = row
    points: list[PassPoint] = []
    if not by_problem:
        return points
    for k in range(1, k_max + 1):
        solved = 0
        generated: list[float] = []
        total: list[float] = []
        for samples in by_problem.values():
            first = [samples[i] for i in range(k) if i in samples]
            solved += any(r.get("correct") for r in first)
            generated.append(sum(_tokens(r.get("test"), False) for r in first))
            total.append(sum(_tokens(r.get("test"), True) for r in first))
        n = len(by_problem)
        points.append(PassPoint(k, n, solved, solved / n, _mean(generated), _mean(total)))
    return points


def match_tokens(points: Sequence[Point], passes: Sequence[PassPoint]) -> list[dict[str, Any]]:
    """For each sleep point, the pass@k whose mean test-time tokens are closest."""
    matched: list[dict[str, Any]] = []
    if not passes:
        return matched
    for point in points:
        if not point.condition.startswith(("sleep:", "solve:")):
            continue
        best = min(passes, key=lambda p: abs(p.mean_test_generated - point.mean_test_generated))
        matched.append(
            {
                "condition": point.condition,
                "budget": point.budget,
                "sleep_accuracy": point.accuracy,
                "sleep_tokens": point.mean_test_generated,
                "k": best.k,
                "pass_accuracy": best.accuracy,
                "pass_tokens": best.mean_test_generated,
            }
        )
    return matched


def quantile_bins(scores: Sequence[float], n_bins: int) -> list[int]:
    """Bin index per score into at most ``n_bins`` quantile bins, 0 = least predictable.

    Equal scores always share a bin (placed by their middle rank), so there are never more
    bins than distinct scores; empty bins are dropped and the rest numbered 0, 1, ...
    """
    n = len(scores)
    if n == 0:
        return []
    if any(math.isnan(s) for s in scores):
        raise ValueError("scores must not be NaN")
    bins = max(1, min(n_bins, len(set(scores))))
    order = sorted(range(n), key=lambda i: scores[i])
    ranks: dict[float, list[int]] = defaultdict(list)
    for position, index in enumerate(order):
        ranks[scores[index]].append(position)
    raw = {
        value: min(bins - 1, int((positions[0] + positions[-1]) / 2 * bins / n))
        for value, positions in ranks.items()
    }
    renumber = {b: i for i, b in enumerate(sorted(set(raw.values())))}
    return [renumber[raw[s]] for s in scores]


def predictability_bins(
    rows: Iterable[Row], condition: str, budget: int, n_bins: int
) -> list[dict[str, Any]]:
    """Accuracy of sleep and baseline, and the gain, per quantile bin of the score."""
    score: dict[str, float] = {}
    correct: dict[tuple[str, str], bool] = {}
    for row in rows:
        if int(row["budget"]) != budget or row["condition"] not in (condition, "baseline"):
            continue
        if row.get("score") is not None:
            score[str(row["problem_id"])] = float(row["score"])
        correct[(str(row["problem_id"]), str(row["condition"]))] = bool(row.get("correct"))
    ids = [i for i in score if (i, condition) in correct and (i, "baseline") in correct]
    labels = quantile_bins([score[i] for i in ids], n_bins)
    out: list[dict[str, Any]] = []
    for label in sorted(set(labels)):
        members = [i for i, b in zip(ids, labels, strict=True) if b == label]
        sleep_acc = _mean([float(correct[(i, condition)]) for i in members])
        base_acc = _mean([float(correct[(i, "baseline")]) for i in members])
        out.append(
            {
                "bin": label,
                "n": len(members),
                "score_min": min(score[i] for i in members),
                "score_max": max(score[i] for i in members),
                "sleep_accuracy": sleep_acc,
                "baseline_accuracy": base_acc,
                "gain": sleep_acc - base_acc,
            }
        )
    return out


def amortization(
    rows: Iterable[Row], queries: Sequence[int], t: float, condition: str
) -> list[dict[str, Any]]:
    """Cost per query and accuracy at each N, over contexts with at least N questions.

    Per context the first N questions are used; sleep cost is t * mean test tokens plus the
    context's sleep tokens / N, the baseline's is t * mean test tokens; both conventions
    (generated only, as in the paper, and prompt + generated) are averaged over contexts.
    """
    by_context: dict[str, dict[str, dict[int, Row]]] = defaultdict(lambda: defaultdict(dict))
    available: dict[str, int] = {}
    for row in rows:
        context = str(row["context_id"])
        by_context[context][str(row["condition"])][int(row["question_index"])] = row
        available[context] = int(row["n_questions"])
    out: list[dict[str, Any]] = []
    for n in queries:
        contexts = [c for c in by_context if available[c] >= n]
        if not contexts:
            continue
        acc_sleep: list[float] = []
        acc_base: list[float] = []
        costs: list[Any] = []
        for context in contexts:
            sleep_rows = [by_context[context][condition].get(i) for i in range(n)]
            base_rows = [by_context[context]["baseline"].get(i) for i in range(n)]
            acc_sleep += [float(bool(r and r.get("correct"))) for r in sleep_rows]
            acc_base += [float(bool(r and r.get("correct"))) for r in base_rows]
            sleep_usage = next((r["sleep"] for r in sleep_rows if r and r.get("sleep")), None)
            costs.append(
                compare(
                    sleep_generated_per_query=_mean(
                        [_tokens(r and r.get("test"), False) for r in sleep_rows]
                    ),
                    sleep_total_per_query=_mean(
                        [_tokens(r and r.get("test"), True) for r in sleep_rows]
                    ),
                    baseline_generated_per_query=_mean(
                        [_tokens(r and r.get("test"), False) for r in base_rows]
                    ),
                    baseline_total_per_query=_mean(
                        [_tokens(r and r.get("test"), True) for r in base_rows]
                    ),
                    sleep_generated_run=_tokens(sleep_usage, False),
                    sleep_total_run=_tokens(sleep_usage, True),
                    n_queries=n,
                    t=t,
                )
            )
        sleep_gen = _mean([c.sleep_generated for c in costs])
        base_gen = _mean([c.baseline_generated for c in costs])
        sleep_tot = _mean([c.sleep_total for c in costs])
        base_tot = _mean([c.baseline_total for c in costs])
        out.append(
            {
                "n": n,
                "contexts": len(contexts),
                "queries": len(contexts) * n,
                "sleep_accuracy": _mean(acc_sleep),
                "baseline_accuracy": _mean(acc_base),
                "sleep_cost_generated": sleep_gen,
                "baseline_cost_generated": base_gen,
                "ratio_generated": base_gen / sleep_gen if sleep_gen else None,
                "sleep_cost_total": sleep_tot,
                "baseline_cost_total": base_tot,
                "ratio_total": base_tot / sleep_tot if sleep_tot else None,
            }
        )
    return out


def error_counts(rows: Iterable[Row]) -> dict[str, int]:
    """Failed samples by error type."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.get("error"):
            counts[str(row.get("error_type") or "Error")] += 1
    return dict(counts)


def notes_coverage(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Per sleep condition: how often the notes already held the reference answer.

    Separates what limits sleep: notes that never computed the answer (sleep-time limit)
    from answers that did not use what the notes computed (test-time limit). Accuracy is
    split by whether the notes held the answer, per budget. Rows without a coverage flag
    (AIME, failed sleeps, runs made before the flag existed) are left out.
    """
    by_condition: dict[str, dict[str, bool]] = defaultdict(dict)
    in_qa: dict[str, dict[str, bool]] = defaultdict(dict)
    split: dict[tuple[str, int, bool], list[bool]] = defaultdict(list)
    for row in rows:
        flag = row.get("notes_has_answer")
        if not isinstance(flag, bool) or row.get("sample") is not None:
            continue
        condition, problem = str(row["condition"]), str(row["problem_id"])
        by_condition[condition][problem] = flag
        in_qa[condition][problem] = bool(row.get("notes_answer_in_qa"))
        split[(condition, int(row["budget"]), flag)].append(bool(row.get("correct")))
    out: list[dict[str, Any]] = []
    for condition in sorted(by_condition):
        flags = by_condition[condition]
        budgets = sorted({b for (c, b, _) in split if c == condition})
        out.append(
            {
                "condition": condition,
                "problems": len(flags),
                "notes_hold_answer": sum(flags.values()) / len(flags),
                "anticipated_answer_right": sum(in_qa[condition].values()) / len(flags),
                "by_budget": [
                    {
                        "budget": budget,
                        "accuracy_when_held": _share(split[(condition, budget, True)]),
                        "n_held": len(split[(condition, budget, True)]),
                        "accuracy_when_not_held": _share(split[(condition, budget, False)]),
                        "n_not_held": len(split[(condition, budget, False)]),
                    }
                    for budget in budgets
                ],
            }
        )
    return out


def _share(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None
