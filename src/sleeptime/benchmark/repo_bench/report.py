"""The repository experiment's summary.json, report.md and plot, from its samples alone.

F1 over files is a mean over tasks, so its 95% interval is a seeded percentile bootstrap
over tasks; sleep is compared with test-time only on the same tasks at the same step
budget (mean difference with its bootstrap interval, tasks won and lost, and the exact
sign test on them).
"""

from __future__ import annotations

import json
import random
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sleeptime.benchmark.experiments.common import RunSummary
from sleeptime.benchmark.experiments.stats import mcnemar_exact
from sleeptime.benchmark.report import read_rows
from sleeptime.errors import InputError
from sleeptime.repo.overview import OVERVIEW_PATHS

BOOTSTRAP = 2000
LABELS = {"baseline": "test-time only", "index": "index only"}
PLOT_LABELS = {
    "baseline": "test-time only",
    "sleep": "sleep-time compute",
    "index": "index only (no model at sleep)",
}
PAIRED_NOTE = (
    "Each task is answered with and without the map at the same step budget, so the "
    "comparison is paired: the mean F1 difference with a 95% bootstrap interval over tasks, "
    "the tasks where sleep scored higher or lower, and the exact sign test on those."
)


def bootstrap_ci(values: Sequence[float], seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean (seeded: a re-render gives the same)."""
    if not values:
        return 0.0, 0.0
    if len(values) == 1:
        return values[0], values[0]
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choice(values) for _ in range(n)) / n for _ in range(BOOTSTRAP))
    return means[int(0.025 * BOOTSTRAP)], means[int(0.975 * BOOTSTRAP) - 1]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _total(usage: dict[str, Any] | None) -> int:
    if not usage:
        return 0
    return int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))


def _generated(usage: dict[str, Any] | None) -> int:
    return int((usage or {}).get("completion_tokens", 0))


def _median_model_s(group: list[dict[str, Any]]) -> float | None:
    """Median model time of an answer (its calls' wall time, as the call log recorded it:
    a replayed call keeps the time of the run that made it, queueing excluded)."""
    times = [
        float(r["usage"]["wall_time_s"]) for r in group if (r.get("usage") or {}).get("wall_time_s")
    ]
    return statistics.median(times) if times else None


def points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean F1 (with interval), precision, recall, tokens and steps per condition and budget."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("kind") == "answer":
            groups[(str(row["condition"]), int(row["budget"]))].append(row)
    found = []
    for (condition, budget), group in sorted(groups.items()):
        f1 = [float(r.get("f1", 0.0)) for r in group]
        low, high = bootstrap_ci(f1)
        found.append(
            {
                "condition": condition,
                "budget": budget,
                "n": len(group),
                "errors": sum(1 for r in group if "error" in r),
                "f1": _mean(f1),
                "ci95_low": low,
                "ci95_high": high,
                "precision": _mean([float(r.get("precision", 0.0)) for r in group]),
                "recall": _mean([float(r.get("recall", 0.0)) for r in group]),
                "mean_test_tokens": _mean([_total(r.get("usage")) for r in group]),
                "mean_test_generated": _mean([_generated(r.get("usage")) for r in group]),
                "mean_steps": _mean([float(r.get("steps", 0)) for r in group]),
                "median_model_s": _median_model_s(group),
            }
        )
    return found


def paired(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sleep against test-time only per budget, on the tasks that have both."""
    by: dict[tuple[str, int], dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        if row.get("kind") == "answer":
            by[(str(row["condition"]), int(row["budget"]))][str(row["task"])] = row
    found = []
    for (condition, budget), mine in sorted(by.items()):
        base = by.get(("baseline", budget))
        if condition == "baseline" or base is None:
            continue
        shared = sorted(mine.keys() & base.keys())
        if not shared:
            continue
        diffs = [float(mine[t].get("f1", 0.0)) - float(base[t].get("f1", 0.0)) for t in shared]
        wins = sum(1 for d in diffs if d > 0)
        losses = sum(1 for d in diffs if d < 0)
        low, high = bootstrap_ci(diffs)
        sleep_tokens = _mean([_total(mine[t].get("usage")) for t in shared])
        base_tokens = _mean([_total(base[t].get("usage")) for t in shared])
        found.append(
            {
                "condition": condition,
                "budget": budget,
                "n": len(shared),
                "f1": _mean([float(mine[t].get("f1", 0.0)) for t in shared]),
                "baseline_f1": _mean([float(base[t].get("f1", 0.0)) for t in shared]),
                "f1_gain": _mean(diffs),
                "gain_ci95_low": low,
                "gain_ci95_high": high,
                "wins": wins,
                "losses": losses,
                "ties": len(shared) - wins - losses,
                "p_value": mcnemar_exact(wins, losses),
                "test_tokens": sleep_tokens,
                "baseline_test_tokens": base_tokens,
                "token_ratio": base_tokens / sleep_tokens if sleep_tokens else None,
            }
        )
    return found


def _of_kind(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("kind") == kind]


def _references(rows: list[dict[str, Any]], *, lookup: bool) -> list[dict[str, Any]]:
    """The most-changed reference rows, or the word lookup's (``run.lookup_row``)."""
    found = _of_kind(rows, "reference")
    return [r for r in found if str(r.get("name", "")).startswith("lookup_") == lookup]


def reference(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The model-free reference's mean F1 over tasks, with its interval (run.reference_row)."""
    f1 = [float(r.get("f1", 0.0)) for r in rows]
    low, high = bootstrap_ci(f1)
    return {
        "name": rows[0].get("name"),
        "n": len(rows),
        "f1": _mean(f1),
        "ci95_low": low,
        "ci95_high": high,
        "precision": _mean([float(r.get("precision", 0.0)) for r in rows]),
        "recall": _mean([float(r.get("recall", 0.0)) for r in rows]),
    }


def summarize(config: dict[str, Any], rows: list[dict[str, Any]], calls: dict[str, Any]) -> Any:
    """summary.json of a repository run."""
    sleeps = _of_kind(rows, "sleep")
    answers = _of_kind(rows, "answer")
    indexes = _of_kind(rows, "index")
    settings = config.get("config", {})
    backend = config.get("backend") or {}
    ok_sleeps = [r for r in sleeps if "error" not in r]
    return {
        "experiment": "repo",
        "repository": settings.get("repo"),
        "backend": backend.get("backend"),
        "model": backend.get("model"),
        "model_sha256": backend.get("sha256"),
        "native_tools": backend.get("native_tools"),
        "prompts": config.get("prompts"),
        "mined_tasks": (config.get("repository") or {}).get("mined_tasks"),
        "tasks": len({str(r["task"]) for r in rows}),
        "problems": len({str(r["task"]) for r in rows}),
        "samples": len(answers),
        "errors": sum(1 for r in rows if "error" in r),
        "budgets": settings.get("budgets"),
        "notes_overview_paths": settings.get("notes_overview_paths", OVERVIEW_PATHS),
        "sleep": {
            "runs": len(sleeps),
            "failed": len(sleeps) - len(ok_sleeps),
            "mean_tokens": _mean([_total(r.get("usage")) for r in ok_sleeps]),
            "mean_generated": _mean([_generated(r.get("usage")) for r in ok_sleeps]),
            "mean_steps": _mean([float(r.get("steps", 0)) for r in ok_sleeps]),
            "mean_notes_chars": _mean([float(r.get("notes_chars", 0)) for r in ok_sleeps]),
        },
        **(
            {
                "index": {
                    "max_chars": settings.get("index_chars"),
                    "version": indexes[0].get("version"),
                    "mean_chars": _mean([float(r.get("chars", 0)) for r in indexes]),
                    "mean_files": _mean([float(r.get("files", 0)) for r in indexes]),
                }
            }
            if indexes
            else {}
        ),
        **({"reference": reference(refs)} if (refs := _references(rows, lookup=False)) else {}),
        **({"lookup": reference(found)} if (found := _references(rows, lookup=True)) else {}),
        "points": points(rows),
        "paired": paired(rows),
        "calls": calls,
    }


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _which(condition: str) -> str:
    """Marks a paired row that is not sleep's (the index alone) in the budget column."""
    return "" if condition == "sleep" else f" ({LABELS.get(condition, condition)})"


def render_markdown(summary: dict[str, Any], images: list[str]) -> str:
    """report.md: settings, F1 and tokens per point, the paired comparison, plots."""
    lines = [
        "# Repository benchmark (SWE-Features): files to change, sleep vs test-time only",
        "",
        f"- repository: `{summary['repository']}`; {summary['tasks']} tasks "
        f"(of {summary['mined_tasks']} mined); step budgets {summary['budgets']}",
        f"- model: {summary['backend']} / {summary['model']} "
        f"(native tools: {summary['native_tools']})",
        f"- sleep: {summary['sleep']['runs']} runs ({summary['sleep']['failed']} failed), "
        f"mean {summary['sleep']['mean_tokens']:.0f} tokens "
        f"({summary['sleep']['mean_generated']:.0f} generated), "
        f"{summary['sleep']['mean_steps']:.1f} steps, map "
        f"{summary['sleep']['mean_notes_chars']:.0f} characters",
        *(
            [
                f"- index ({summary['index']['version']}, built without a model; sleep's "
                f"c' is the map, then the index): cap {summary['index']['max_chars']} "
                f"characters, mean {summary['index']['mean_chars']:.0f} characters, "
                f"{summary['index']['mean_files']:.1f} files"
            ]
            if "index" in summary
            else []
        ),
        *(
            [
                "- overview with c': counts and folders only (no path list); test-time "
                f"only: {OVERVIEW_PATHS} paths"
                if paths == 0
                else f"- overview with c': up to {paths} paths; test-time only: {OVERVIEW_PATHS}"
            ]
            if (paths := summary.get("notes_overview_paths", OVERVIEW_PATHS)) != OVERVIEW_PATHS
            else []
        ),
        f"- failed samples: {summary['errors']}; model calls: {_calls_line(summary['calls'])}",
        "",
        "## F1 over changed files (mean over tasks, 95% bootstrap interval)",
        "",
        "| condition | budget (steps) | n | F1 | 95% CI | precision | recall "
        "| test-time tokens (prompt+generated) | generated | steps used | model s (median) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in summary["points"]:
        label = LABELS.get(p["condition"], p["condition"])
        lines.append(
            f"| {label} | {p['budget']} | {p['n']} | {_f(p['f1'])} | "
            f"{_f(p['ci95_low'])}-{_f(p['ci95_high'])} | {_f(p['precision'])} | "
            f"{_f(p['recall'])} | {p['mean_test_tokens']:.0f} | "
            f"{p['mean_test_generated']:.0f} | {p['mean_steps']:.2f} | "
            f"{_f(p.get('median_model_s'), 1)} |"
        )
    lines += [
        "",
        "Model s: the median over answers of their model calls' wall time, as the call log "
        "recorded it (a replayed call keeps the time of the run that made it; time spent "
        "waiting for a free request slot is not in it).",
    ]
    if "reference" in summary:
        ref = summary["reference"]
        lines += [
            "",
            f"Model-free reference (`{ref['name']}`: the source files the history changed "
            "most often before each task, the same guess for every request, 0 model tokens): "
            f"F1 {_f(ref['f1'])} ({_f(ref['ci95_low'])}-{_f(ref['ci95_high'])}), precision "
            f"{_f(ref['precision'])}, recall {_f(ref['recall'])} over {ref['n']} tasks.",
        ]
    if "lookup" in summary:
        found = summary["lookup"]
        lines += [
            "",
            f"Sleep at a step budget of 0 (`{found['name']}`: the files sleep's word lookup "
            "ranks highest for the request, what `ask --agent --budget 0` answers, 0 model "
            f"tokens): F1 {_f(found['f1'])} ({_f(found['ci95_low'])}-{_f(found['ci95_high'])}), "
            f"precision {_f(found['precision'])}, recall {_f(found['recall'])} over "
            f"{found['n']} tasks.",
        ]
    lines += ["", "## Sleep vs test-time only, paired by task", "", PAIRED_NOTE, ""]
    lines += [
        "| budget | n | F1 sleep / only | gain (95% CI) | sleep higher / lower / tie | p "
        "| test-time tokens sleep / only | only ÷ sleep |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in summary["paired"]:
        lines.append(
            f"| {p['budget']}{_which(p['condition'])} | {p['n']} | {_f(p['f1'])} / "
            f"{_f(p['baseline_f1'])} | "
            f"{p['f1_gain']:+.3f} ({p['gain_ci95_low']:+.3f} to {p['gain_ci95_high']:+.3f}) | "
            f"{p['wins']} / {p['losses']} / {p['ties']} | {p['p_value']:.3f} | "
            f"{p['test_tokens']:.0f} / {p['baseline_test_tokens']:.0f} | "
            f"{_f(p['token_ratio'], 2)} |"
        )
    lines.append("")
    lines += [f"![{name}]({name})" for name in images]
    return "\n".join(lines) + "\n"


def render_plot(out: Path, summary: dict[str, Any]) -> list[Path]:
    """F1 against test-time tokens (the paper's SWE-Features figure) and against steps."""
    from sleeptime.benchmark.plots import _figure, _style

    pts = summary["points"]
    if not pts:
        return []
    figure, (by_tokens, by_steps) = _figure(ncols=2)
    for condition, marker in (("baseline", "o"), ("sleep", "s"), ("index", "^")):
        mine = sorted((p for p in pts if p["condition"] == condition), key=lambda p: p["budget"])
        if not mine:
            continue
        label = PLOT_LABELS[condition]
        ys = [p["f1"] for p in mine]
        errors = [
            [y - p["ci95_low"] for p, y in zip(mine, ys, strict=True)],
            [p["ci95_high"] - y for p, y in zip(mine, ys, strict=True)],
        ]
        for axes, xs in (
            (by_tokens, [p["mean_test_tokens"] for p in mine]),
            (by_steps, [p["budget"] for p in mine]),
        ):
            (line,) = axes.plot(xs, ys, marker=marker, label=label)
            axes.errorbar(xs, ys, yerr=errors, fmt="none", ecolor=line.get_color(), alpha=0.35)
        for p, x, y in zip(mine, [p["mean_test_tokens"] for p in mine], ys, strict=True):
            by_tokens.annotate(
                f"b{p['budget']}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7
            )
    if "reference" in summary:
        for axes in (by_tokens, by_steps):
            axes.axhline(
                summary["reference"]["f1"], color="grey", linestyle="--", linewidth=1,
                label="most-changed files (no model)",
            )  # fmt: skip
    if "lookup" in summary:
        by_tokens.plot(
            [0], [summary["lookup"]["f1"]], marker="*", markersize=10, linestyle="none",
            color="black", label="sleep, b0: word lookup (no model)",
        )  # fmt: skip
        by_steps.axhline(
            summary["lookup"]["f1"], color="black", linestyle=":", linewidth=1,
            label="sleep, b0: word lookup (no model)",
        )  # fmt: skip
    _style(
        by_tokens, "mean test-time tokens per request (prompt + generated)", "F1", "F1 vs tokens"
    )
    _style(by_steps, "test-time step budget b", "F1", "F1 vs step budget")
    by_steps.set_xscale("log", base=2)
    for axes in (by_tokens, by_steps):
        axes.set_ylim(-0.02, 1.02)
        axes.legend(fontsize=8)
    path = out / "f1_vs_tokens.png"
    figure.savefig(path)
    return [path]


def _calls_line(calls: dict[str, Any]) -> str:
    """Calls made and replayed by the run that wrote the report; a re-render knows neither."""
    made, replayed = calls.get("made"), calls.get("replayed")
    if made is None and replayed is None:
        return "not recorded (re-rendered by `bench report` without a run)"
    return f"{made} made, {replayed} replayed from the call log"


def write_repo_outputs(
    out: Path, *, hits: int | None = None, misses: int | None = None
) -> RunSummary:
    """Write summary.json, the plot and report.md from ``out``'s config and samples."""
    config_path = out / "config.json"
    if not config_path.is_file():
        raise InputError(f"{out} has no config.json; give the --out folder of `bench repo`")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    rows = read_rows(out)
    calls: dict[str, Any] = {"made": misses, "replayed": hits}
    previous = out / "summary.json"
    if hits is None and previous.is_file():
        calls = dict(json.loads(previous.read_text(encoding="utf-8")).get("calls") or calls)
    summary = summarize(config, rows, calls)
    previous.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    images = render_plot(out, summary)
    report = out / "report.md"
    report.write_text(render_markdown(summary, [p.name for p in images]), encoding="utf-8")
    return RunSummary(
        kind="repo", out=out, summary=summary, hits=hits or 0, misses=misses or 0,
        files=[previous, report, *images],
    )  # fmt: skip
