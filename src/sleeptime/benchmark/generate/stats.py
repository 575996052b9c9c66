"""Compare generated problems with upstream's shipped ones, template by template.

Only P2 ships (``generated_data/GSM_p2.jsonl``, 50 instances per template), so this is
how the generator is checked against upstream's own: per template, do our answers fall in
the range of theirs, and are our questions about as long? A wrong sampler (bad fraction
values, a missing condition, wrong pool shape) moves these numbers a lot.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sleeptime.benchmark.datasets._io import read_jsonl
from sleeptime.benchmark.generate.render import as_number, final_of


@dataclass(frozen=True)
class TemplateStats:
    """Answer range and question length of one template's instances."""

    count: int
    answer_min: float
    answer_max: float
    answer_median: float
    length_median: float


@dataclass(frozen=True)
class TemplateComparison:
    """One template: generated against shipped."""

    id: int
    generated: TemplateStats
    shipped: TemplateStats
    inside: float
    """Share of our answers inside the shipped [min, max]."""

    @property
    def length_ratio(self) -> float:
        """Our median question length over the shipped one."""
        return self.generated.length_median / self.shipped.length_median


@dataclass(frozen=True)
class Comparison:
    """All templates present in both sets, plus the overall median question length."""

    templates: list[TemplateComparison]
    length_median_generated: float
    length_median_shipped: float

    def share(
        self, *, inside_at_least: float = 0.8, length_within: float = 0.1
    ) -> tuple[float, float]:
        """Share of templates whose answers are mostly in range, and whose length is close."""
        n = len(self.templates) or 1
        answers = sum(1 for t in self.templates if t.inside >= inside_at_least) / n
        lengths = sum(1 for t in self.templates if abs(t.length_ratio - 1) <= length_within) / n
        return answers, lengths


Grouped = dict[int, tuple[list[float], list[int]]]


def _answers_and_lengths(records: Iterable[dict[str, Any]]) -> Grouped:
    grouped: dict[int, tuple[list[float], list[int]]] = defaultdict(lambda: ([], []))
    for record in records:
        number = as_number(final_of(str(record.get("answer", ""))))
        if number is None or not isinstance(record.get("id"), int):
            continue
        answers, lengths = grouped[record["id"]]
        answers.append(float(number))
        lengths.append(len(str(record.get("question", ""))))
    return grouped


def summarise(records: Iterable[dict[str, Any]]) -> dict[int, tuple[TemplateStats, list[float]]]:
    """Per template id: its statistics and its answers."""
    result = {}
    for template, (answers, lengths) in _answers_and_lengths(records).items():
        stats = TemplateStats(
            len(answers),
            min(answers),
            max(answers),
            statistics.median(answers),
            statistics.median(lengths),
        )
        result[template] = (stats, answers)
    return result


def compare(generated: Iterable[dict[str, Any]], shipped: Iterable[dict[str, Any]]) -> Comparison:
    """Compare per template (ids present in both) and overall question length."""
    ours, theirs = list(generated), list(shipped)
    mine, upstream = summarise(ours), summarise(theirs)
    rows = []
    for template in sorted(set(mine) & set(upstream)):
        stats, answers = mine[template]
        reference = upstream[template][0]
        inside = sum(reference.answer_min <= a <= reference.answer_max for a in answers)
        rows.append(TemplateComparison(template, stats, reference, inside / len(answers)))
    return Comparison(
        rows,
        statistics.median(len(str(r.get("question", ""))) for r in ours) if ours else 0.0,
        statistics.median(len(str(r.get("question", ""))) for r in theirs) if theirs else 0.0,
    )


def read_shipped(path: Path) -> list[dict[str, Any]]:
    """Read upstream's generated jsonl (e.g. ``GSM_p2.jsonl``)."""
    return [record for _, record in read_jsonl(path, "GSM-Symbolic generated jsonl")]


def report_lines(comparison: Comparison, limit: int = 10) -> list[str]:
    """A short text report: overall numbers, then the templates furthest off."""
    answers, lengths = comparison.share()
    lines = [
        f"templates compared: {len(comparison.templates)}",
        f"median question length: generated {comparison.length_median_generated:.0f} chars, "
        f"shipped {comparison.length_median_shipped:.0f} chars",
        f"templates with >= 80% of answers inside the shipped range: {answers:.0%}",
        f"templates with median question length within 10%: {lengths:.0%}",
    ]
    worst = sorted(comparison.templates, key=lambda t: t.inside)[:limit]
    for row in worst:
        if row.inside >= 1:
            break
        lines.append(
            f"  template {row.id:4d}: {row.inside:.0%} inside shipped "
            f"[{row.shipped.answer_min:g}, {row.shipped.answer_max:g}], generated "
            f"[{row.generated.answer_min:g}, {row.generated.answer_max:g}], "
            f"length x{row.length_ratio:.2f}"
        )
    return lines
