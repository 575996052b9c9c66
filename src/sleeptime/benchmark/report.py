"""Turn an experiment folder's samples into summary.json, report.md and PNG plots.

Works from ``config.json`` and ``samples.jsonl`` alone, so a finished or interrupted run can
be re-rendered without any model call (``sleeptime bench report OUT``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sleeptime.answer.policy import describe_auto
from sleeptime.benchmark import plots
from sleeptime.benchmark.experiments.aggregate import (
    amortization,
    error_counts,
    grid_points,
    match_tokens,
    notes_coverage,
    pass_at_k,
    predictability_bins,
)
from sleeptime.benchmark.experiments.common import RunSummary
from sleeptime.benchmark.experiments.stats import cross_budget_gains, paired_gains
from sleeptime.errors import InputError

PASSK_NOTE = (
    "pass@k counts a problem as solved when any of its k samples is right, which assumes an "
    "oracle verifier: it is an upper bound, not an achievable accuracy."
)
PAIRED_NOTE = (
    "Each problem is answered under both conditions, so the comparison is paired: 'only it "
    "right' and 'only baseline right' count the problems where the two disagree, and the "
    "exact McNemar p-value asks how likely a split at least that uneven is if neither "
    "condition is better."
)
CROSS_NOTE = (
    "Sleep at a budget against test-time only at each higher budget, on the same problems: "
    "the paper's claim is that sleep reaches a higher budget's accuracy with fewer test-time "
    "tokens. 'ratio' is the baseline's mean generated test-time tokens over sleep's."
)
COVERAGE_NOTE = (
    "Whether the reference answer appears among the notes' numbers (and as the final number "
    "of an anticipated answer), and accuracy split by it: low coverage means sleep did not "
    "compute what was asked; low accuracy when held means the answer did not use the notes."
)
LAYOUT_NOTES = {
    "replace": "sleep answers saw only c' (notes replace the context, as in the paper's text)",
    "both": "sleep answers saw c and c' (the layout of the paper's released code)",
    "derived": "sleep answers saw c and the notes that add to it (answer/derived.py)",
    "auto": f"sleep answers saw {describe_auto()} (answer/policy.py)",
    "context": "sleep answers saw c alone: the notes were not used",
}


def read_rows(out: Path) -> list[dict[str, Any]]:
    """The sample rows of a run (an unfinished last line is skipped)."""
    path = out / "samples.jsonl"
    if not path.is_file():
        return []
    rows: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _recorded_calls(out: Path, configured: str | None) -> int | None:
    path = Path(configured) if configured else out / "calls.db"
    if not path.is_file():
        return None
    try:
        with sqlite3.connect(str(path)) as db:
            return int(db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
    except sqlite3.Error:
        return None


def summarize(
    config: dict[str, Any], rows: list[dict[str, Any]], calls: dict[str, Any]
) -> dict[str, Any]:
    """The summary of one run: settings that shaped it, counts, and the experiment's numbers."""
    kind = str(config["experiment"])
    settings = config.get("config", {})
    backend = config.get("backend") or {}
    summary: dict[str, Any] = {
        "experiment": kind,
        "dataset": settings.get("dataset"),
        "split": config.get("split"),
        "layout": config.get("layout"),
        "backend": backend.get("backend"),
        "model": backend.get("model"),
        "model_sha256": backend.get("sha256"),
        "sleeptime_version": config.get("sleeptime_version"),
        "problems": len({r["problem_id"] for r in rows}),
        "samples": len(rows),
        "errors": sum(1 for r in rows if r.get("error")),
        "errors_by_type": error_counts(rows),
        "calls": calls,
        "settings": settings,
    }
    scored = [r for r in rows if r["condition"] != "pass@k"]
    summary["points"] = [p.to_dict() for p in grid_points(scored)]
    if kind in ("sweep", "context-only"):
        summary["paired"] = paired_gains(scored)
        summary["cross_budget"] = cross_budget_gains(scored)
    coverage = notes_coverage(scored)
    if coverage:
        summary["notes_coverage"] = coverage
    if kind == "passk":
        passes = pass_at_k(rows, int(settings.get("k", 1)))
        summary["pass_at_k"] = [asdict(p) for p in passes]
        summary["matched"] = match_tokens(grid_points(scored), passes)
        summary["note"] = PASSK_NOTE
    elif kind == "amortization":
        summary["amortization"] = amortization(
            rows,
            settings.get("queries", [1]),
            float(settings.get("t", 10.0)),
            str(settings.get("condition", "sleep:1")),
        )
        summary["t"] = settings.get("t", 10.0)
    elif kind == "predictability":
        summary["bins"] = predictability_bins(
            rows,
            str(settings.get("condition", "sleep:1")),
            int(settings.get("budget", 0)),
            int(settings.get("bins", 5)),
        )
        summary["scorer"] = (config.get("scorer") or backend).get("model")
        summary["score"] = "log P(q | c) per token" if settings.get("per_token") else "log P(q | c)"
        failures = {r["problem_id"]: r["score_error"] for r in rows if r.get("score_error")}
        summary["score_errors"] = len(failures)
        summary["score_error_example"] = next(iter(failures.values()), None)
    return summary


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _interval(point: dict[str, Any]) -> str:
    if "ci95_low" not in point:  # summaries written before intervals were added
        return "-"
    return f"{100 * point['ci95_low']:.0f}-{100 * point['ci95_high']:.0f}%"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def _reasoning_lines(cfg: dict[str, Any]) -> list[str]:
    sleep, test = cfg.get("sleep_efforts") or [], cfg.get("test_efforts") or []
    if not sleep and not test:
        return []
    return [
        f"- reasoning effort: sleep time {', '.join(sleep) or 'not set'}; test time "
        f"{', '.join(test) or 'not set'} (low/medium/high, or a thinking budget in tokens); "
        "thinking tokens are part of the generated tokens"
    ]


def _points_table(points: list[dict[str, Any]]) -> list[str]:
    """Accuracy and tokens per point; effort and thinking columns only where there are any."""
    efforts = any(p.get("test_effort") is not None for p in points)
    thinking = efforts or any(
        p.get("mean_test_reasoning") or p.get("mean_sleep_reasoning") for p in points
    )
    headers = ["condition", "budget", *(["test effort"] if efforts else [])]
    headers += ["n", "accuracy", "95% CI", "test gen. tokens"]
    headers += [*(["test thinking tokens"] if thinking else []), "test total tokens"]
    headers += ["sleep gen. tokens", *(["sleep thinking tokens"] if thinking else [])]
    headers += ["sleep total tokens", "errors"]
    rows = []
    for p in points:
        sleeps = p["condition"].startswith(("sleep", "solve"))
        row = [p["condition"], str(p["budget"])]
        row += [str(p.get("test_effort") or "-")] if efforts else []
        row += [str(p["n"]), _pct(p["accuracy"]), _interval(p), _num(p["mean_test_generated"])]
        row += [_num(p.get("mean_test_reasoning", 0.0))] if thinking else []
        row += [_num(p["mean_test_total"])]
        row += [_num(p["mean_sleep_generated"]) if sleeps else "-"]
        row += [(_num(p.get("mean_sleep_reasoning", 0.0)) if sleeps else "-")] if thinking else []
        row += [_num(p["mean_sleep_total"]) if sleeps else "-", str(p["errors"])]
        rows.append(row)
    return _table(headers, rows)


def _calls_line(calls: dict[str, Any]) -> str:
    """Calls made and replayed by the run that wrote the report; a re-render knows neither."""
    recorded = calls.get("recorded")
    log = f", {recorded} recorded in the call log" if recorded is not None else ""
    if calls.get("misses") is None and calls.get("hits") is None:
        return f"- model calls: not counted (re-rendered by `bench report` without a run){log}"
    return (
        f"- model calls: {calls.get('misses')} made, {calls.get('hits')} replayed from the "
        f"call log{log}"
    )


def render_markdown(summary: dict[str, Any], images: list[str]) -> str:
    """The report as markdown: settings, counts, tables and the plots."""
    s = summary
    calls = s.get("calls") or {}
    cfg = s.get("settings") or {}
    lines = [
        f"# sleeptime bench: {s['experiment']}",
        "",
        (
            f"- Multi-Query set: `{Path(str(cfg['multi_query'])).name}` ({s['problems']} questions)"
            if cfg.get("multi_query")
            else f"- dataset: `{s['dataset']}` ({s['problems']} problems, split: {s['split']})"
        ),
        f"- model: `{s['model']}` on backend `{s['backend']}`"
        + (f" (sha256 {str(s['model_sha256'])[:16]}...)" if s.get("model_sha256") else ""),
        f"- layout: `{s['layout']}`: {LAYOUT_NOTES.get(str(s['layout']), '')}",
        f"- samples: {s['samples']}, failed: {s['errors']}"
        + (
            f" ({', '.join(f'{k}: {v}' for k, v in s['errors_by_type'].items())})"
            if s["errors_by_type"]
            else ""
        ),
        _calls_line(calls),
        f"- sleep: up to {cfg.get('max_rounds')} rounds of {cfg.get('round_tokens')} tokens, "
        f"notes up to {cfg.get('memory_chars')} characters; answer token cap: "
        f"{cfg.get('max_tokens') or 'per budget level'}; seed {cfg.get('seed')}",
        f"- sleeptime {s['sleeptime_version']}; settings in config.json; failed samples "
        "count as wrong; token means are over samples that ran",
        *_reasoning_lines(cfg),
        "",
        "## Accuracy and test-time tokens",
        "",
    ]
    lines += _points_table(s["points"])
    if s.get("paired"):
        n = max(g["n"] for g in s["paired"])
        note = f"{PAIRED_NOTE} With {n} problems one problem is {100 / n:.1f} points."
        lines += ["", "## Against test-time only, same problems, same budget", "", note, ""]
        lines += _table(
            [
                "condition",
                "budget",
                "n",
                "accuracy",
                "baseline",
                "gain",
                "only it right",
                "only baseline right",
                "McNemar p",
            ],
            [
                [
                    g["condition"],
                    str(g["budget"])
                    + (f", effort {g['test_effort']}" if g.get("test_effort") else ""),
                    str(g["n"]),
                    _pct(g["accuracy"]),
                    _pct(g["reference_accuracy"]),
                    f"{100 * g['gain']:+.1f} pts",
                    str(g["wins"]),
                    str(g["losses"]),
                    f"{g['p_value']:.3f}",
                ]
                for g in s["paired"]
            ],
        )
    if s.get("cross_budget"):
        lines += ["", "## Against test-time only at a higher budget", "", CROSS_NOTE, ""]
        lines += _table(
            ["condition", "budget", "vs baseline at", "n", "accuracy", "baseline",
             "only it right / only baseline", "McNemar p", "gen. tokens", "baseline's", "ratio"],
            [
                [g["condition"], str(g["budget"]), str(g["reference_budget"]), str(g["n"]),
                 _pct(g["accuracy"]), _pct(g["reference_accuracy"]),
                 f"{g['wins']} / {g['losses']}", f"{g['p_value']:.3f}",
                 _num(g["generated_tokens"]), _num(g["reference_generated_tokens"]),
                 "-" if g["token_ratio"] is None else f"{g['token_ratio']:.1f}x"]
                for g in s["cross_budget"]
            ],
        )  # fmt: skip
    if s.get("notes_coverage"):
        lines += ["", "## What the notes held", "", COVERAGE_NOTE, ""]
        lines += _table(
            ["condition", "budget", "notes held the answer", "acc. when held", "acc. when not"],
            [
                [
                    c["condition"],
                    str(b["budget"]),
                    f"{_pct(c['notes_hold_answer'])} (as an anticipated answer: "
                    f"{_pct(c['anticipated_answer_right'])})",
                    f"{_pct(b['accuracy_when_held'])} of {b['n_held']}",
                    f"{_pct(b['accuracy_when_not_held'])} of {b['n_not_held']}",
                ]
                for c in s["notes_coverage"]
                for b in c["by_budget"]
            ],
        )
    if "pass_at_k" in s:
        lines += ["", "## pass@k", "", s["note"], ""]
        lines += _table(
            ["k", "n", "pass@k", "test gen. tokens (sum over k)"],
            [
                [str(p["k"]), str(p["n"]), _pct(p["accuracy"]), _num(p["mean_test_generated"])]
                for p in s["pass_at_k"]
            ],
        )
        lines += ["", "Sleep points against the pass@k with the closest test-time tokens:", ""]
        lines += _table(
            ["condition", "budget", "sleep acc.", "tokens", "k", "pass@k", "tokens"],
            [
                [
                    m["condition"],
                    str(m["budget"]),
                    _pct(m["sleep_accuracy"]),
                    _num(m["sleep_tokens"]),
                    str(m["k"]),
                    _pct(m["pass_accuracy"]),
                    _num(m["pass_tokens"]),
                ]
                for m in s["matched"]
            ],
        )
    if "amortization" in s:
        lines += [
            "",
            "## Cost per query against N",
            "",
            f"cost per query = t x test-time tokens + sleep-time tokens / N, t = {s['t']}. "
            "'generated' counts generated tokens only (the paper); 'total' adds prompt tokens. "
            "Ratio = baseline cost / sleep cost (> 1: sleep is cheaper).",
            "",
        ]
        lines += _table(
            [
                "N",
                "contexts",
                "sleep acc.",
                "baseline acc.",
                "sleep cost (gen.)",
                "baseline cost (gen.)",
                "ratio (gen.)",
                "sleep cost (total)",
                "baseline cost (total)",
                "ratio (total)",
            ],
            [
                [
                    str(r["n"]),
                    str(r["contexts"]),
                    _pct(r["sleep_accuracy"]),
                    _pct(r["baseline_accuracy"]),
                    _num(r["sleep_cost_generated"]),
                    _num(r["baseline_cost_generated"]),
                    _num(r["ratio_generated"]),
                    _num(r["sleep_cost_total"]),
                    _num(r["baseline_cost_total"]),
                    _num(r["ratio_total"]),
                ]
                for r in s["amortization"]
            ],
        )
    if "bins" in s:
        lines += [
            "",
            "## Accuracy gain by predictability",
            "",
            f"Score: {s['score']} under `{s['scorer']}`; quantile bins from least to most "
            f"predictable. Problems that could not be scored: {s['score_errors']}"
            + (f" (e.g. {s['score_error_example']})" if s["score_error_example"] else "")
            + ".",
            "",
        ]
        lines += _table(
            ["bin", "n", "score range", "sleep acc.", "baseline acc.", "gain"],
            [
                [
                    str(b["bin"] + 1),
                    str(b["n"]),
                    f"{b['score_min']:.2f} .. {b['score_max']:.2f}",
                    _pct(b["sleep_accuracy"]),
                    _pct(b["baseline_accuracy"]),
                    f"{100 * b['gain']:+.1f} pts",
                ]
                for b in s["bins"]
            ],
        )
    if images:
        lines += ["", "## Plots", ""] + [f"![{name}]({name})" for name in images]
    return "\n".join(lines) + "\n"


def render_plots(out: Path, summary: dict[str, Any]) -> list[Path]:
    """Write the experiment's PNGs into ``out``."""
    kind = summary["experiment"]
    files: list[Path] = []
    if summary["points"]:
        if kind == "passk":
            files.append(
                plots.accuracy_vs_tokens(
                    summary["points"],
                    out / "passk_vs_sleep.png",
                    title="pass@k against sleep-time compute",
                    passes=summary["pass_at_k"],
                )
            )
        else:
            files.append(
                plots.accuracy_vs_tokens(
                    summary["points"],
                    out / "accuracy_vs_tokens.png",
                    title=f"{kind}: {summary['dataset']} ({summary['model']})",
                )
            )
    if summary.get("amortization"):
        files.append(
            plots.cost_vs_queries(
                summary["amortization"], out / "cost_per_query.png", t=float(summary["t"])
            )
        )
    if summary.get("bins"):
        files.append(
            plots.gain_by_bin(
                summary["bins"], out / "gain_by_predictability.png", score_label=summary["score"]
            )
        )
    return files


def write_outputs(out: Path, *, hits: int | None = None, misses: int | None = None) -> RunSummary:
    """Write summary.json, the plots and report.md from ``out``'s config and samples."""
    config_path = out / "config.json"
    if not config_path.is_file():
        raise InputError(
            f"{out} is not an experiment folder (no config.json); give the --out folder of "
            "a `sleeptime bench` run"
        )
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if config.get("experiment") == "repo":
        from sleeptime.benchmark.repo_bench.report import write_repo_outputs

        return write_repo_outputs(out, hits=hits, misses=misses)
    rows = read_rows(out)
    calls: dict[str, Any] = {"hits": hits, "misses": misses}
    previous = out / "summary.json"
    if hits is None and previous.is_file():
        calls = dict(json.loads(previous.read_text(encoding="utf-8")).get("calls") or calls)
    calls["recorded"] = _recorded_calls(out, config.get("config", {}).get("calls"))
    summary = summarize(config, rows, calls)
    previous.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    images = render_plots(out, summary)
    report = out / "report.md"
    report.write_text(render_markdown(summary, [p.name for p in images]), encoding="utf-8")
    return RunSummary(
        kind=str(config["experiment"]),
        out=out,
        summary=summary,
        hits=int(calls.get("hits") or 0),
        misses=int(calls.get("misses") or 0),
        files=[previous, report, *images],
    )
