"""Rich tables shared by ``stats`` and ``demo``."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from sleeptime.app import ContextStats, ModeStats
from sleeptime.names import shown


def _mode_row(label: str, stats: ModeStats | None, thinking: bool) -> list[str]:
    if stats is None:
        return [label, "0", "-", "-", *(["-"] if thinking else []), "-", "-"]
    return [
        label,
        str(stats.count),
        f"{stats.mean_prompt:.0f}",
        f"{stats.mean_generated:.0f}",
        *([f"{stats.mean_reasoning:.0f}"] if thinking else []),
        f"{stats.mean_total:.0f}",
        f"{stats.mean_latency_s:.2f}",
    ]


def stats_tables(stats: ContextStats) -> list[Table]:
    """A per-mode table of means, and the amortized cost table when both modes were used."""
    # Thinking is a column only where a reasoning model thought (it is part of "generated").
    thinking = any(m is not None and m.mean_reasoning for m in (stats.sleep, stats.baseline))
    modes = Table(
        "mode",
        "queries",
        "prompt tok",
        "generated tok",
        *(["thinking tok"] if thinking else []),
        "total tok",
        "latency s",
        title=(
            f"{escape(shown(stats.name))}, revision {stats.revision_seq}: test-time cost per query"
        ),
    )
    modes.add_row(*_mode_row("sleep (c')", stats.sleep, thinking))
    modes.add_row(*_mode_row("baseline (c)", stats.baseline, thinking))
    tables = [modes]
    if stats.costs:
        cost = Table(
            "N queries",
            "sleep gen",
            "baseline gen",
            "ratio",
            "sleep total",
            "baseline total",
            "ratio",
            title=(
                f"amortized cost per query, t={stats.t:g} (sleep run: "
                f"{stats.sleep_generated} generated"
                + (f" ({stats.sleep_reasoning} thinking)" if stats.sleep_reasoning else "")
                + f", {stats.sleep_total} total)"
            ),
        )
        for c in stats.costs:
            cost.add_row(
                str(c.n_queries),
                f"{c.sleep_generated:.0f}",
                f"{c.baseline_generated:.0f}",
                f"{c.ratio_generated:.2f}x" if c.ratio_generated else "-",
                f"{c.sleep_total:.0f}",
                f"{c.baseline_total:.0f}",
                f"{c.ratio_total:.2f}x" if c.ratio_total else "-",
            )
        tables.append(cost)
    return tables
