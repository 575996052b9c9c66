"""PNG figures in the style of the paper's: accuracy vs test-time tokens, cost vs N, gain per bin.

matplotlib is imported inside each function with the Agg backend, so importing this module
is cheap and no display is ever needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_MARKERS = "osD^v<>ph*"


def _figure(ncols: int = 1) -> tuple[Figure, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0 * ncols, 4.2), dpi=120, layout="constrained")
    axes = figure.subplots(1, ncols, squeeze=False)[0]
    return figure, axes


def _style(axes: Any, xlabel: str, ylabel: str, title: str) -> None:
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, alpha=0.3)


def accuracy_vs_tokens(
    points: Sequence[dict[str, Any]],
    path: Path,
    *,
    title: str,
    passes: Sequence[dict[str, Any]] = (),
) -> Path:
    """One line per condition through its budgets, with 95% intervals; pass@k dashed, by k."""
    figure, (axes,) = _figure()
    conditions: list[str] = []
    for point in points:
        if point["condition"] not in conditions:
            conditions.append(point["condition"])
    for i, condition in enumerate(conditions):
        mine = sorted(
            (p for p in points if p["condition"] == condition),
            key=lambda p: p["mean_test_generated"],
        )
        xs = [p["mean_test_generated"] for p in mine]
        ys = [100 * p["accuracy"] for p in mine]
        label = "test-time only" if condition == "baseline" else condition
        (line,) = axes.plot(xs, ys, marker=_MARKERS[i % len(_MARKERS)], label=label)
        if all("ci95_low" in p for p in mine):
            # Wilson 95% intervals: at 30 problems they are about +-17 points wide.
            below = [y - 100 * p["ci95_low"] for p, y in zip(mine, ys, strict=True)]
            above = [100 * p["ci95_high"] - y for p, y in zip(mine, ys, strict=True)]
            axes.errorbar(
                xs,
                ys,
                yerr=[below, above],
                fmt="none",
                ecolor=line.get_color(),
                alpha=0.35,
                capsize=3,
            )
        for p, x, y in zip(mine, xs, ys, strict=True):
            label = f"b{p['budget']}" + (f" {p['test_effort']}" if p.get("test_effort") else "")
            axes.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    if passes:
        xs = [p["mean_test_generated"] for p in passes]
        ys = [100 * p["accuracy"] for p in passes]
        axes.plot(xs, ys, linestyle="--", marker="x", color="gray", label="pass@k (oracle)")
        for p, x, y in zip(passes, xs, ys, strict=True):
            axes.annotate(
                f"k={p['k']}", (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7
            )
    _style(axes, "mean test-time tokens per question (generated)", "accuracy (%)", title)
    axes.set_ylim(-2, 102)
    axes.legend(fontsize=8)
    figure.savefig(path)
    return path


def cost_vs_queries(rows: Sequence[dict[str, Any]], path: Path, *, t: float) -> Path:
    """Cost per query against N for sleep and baseline, in both token conventions."""
    figure, axes = _figure(ncols=2)
    ns = [r["n"] for r in rows]
    for ax, suffix, name in (
        (axes[0], "generated", "generated tokens (paper)"),
        (axes[1], "total", "prompt + generated tokens"),
    ):
        ax.plot(ns, [r[f"sleep_cost_{suffix}"] for r in rows], marker="o", label="sleep-time")
        ax.plot(
            ns, [r[f"baseline_cost_{suffix}"] for r in rows], marker="s", label="test-time only"
        )
        ax.set_xscale("log")
        ax.set_xticks(ns, [str(n) for n in ns])
        _style(ax, "queries per context (N)", f"cost per query (t = {t:g})", name)
        ax.legend(fontsize=8)
    figure.savefig(path)
    return path


def gain_by_bin(bins: Sequence[dict[str, Any]], path: Path, *, score_label: str) -> Path:
    """Accuracy gain of sleep over the baseline in each predictability quantile bin."""
    figure, (axes,) = _figure()
    labels = [f"{b['bin'] + 1}\n({b['n']})" for b in bins]
    gains = [100 * b["gain"] for b in bins]
    colors = ["tab:green" if g >= 0 else "tab:red" for g in gains]
    axes.bar(labels, gains, color=colors)
    axes.axhline(0, color="black", linewidth=0.8)
    _style(
        axes,
        f"quantile bin of {score_label} (less -> more predictable; n)",
        "accuracy gain, sleep - test-time only (points)",
        "Gain by query predictability",
    )
    figure.savefig(path)
    return path
