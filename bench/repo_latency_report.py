"""Summarise ``bench/repo_latency.py`` samples: times, F1 and tokens, paired by task.

Run alone to re-render a finished or partial run: ``python bench/repo_latency_report.py
OUT``. Ratios are test-time only's seconds over sleep's, per task, so above 1 means sleep
answered faster; the sign test counts the tasks each side answered faster.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from sleeptime.benchmark.experiments.stats import mcnemar_exact, ratio_of_rates_interval
from sleeptime.repo.metrics import file_f1

Key = tuple[str, int]
SLEEP_PATHS = {
    "sleep": "index alone",
    "lookup": "index + lookup",
    "lookup-paths": "index + lookup, paths only",
    "map": "map + index",
}
"""The sleep paths (``bench/repo_latency.py``), each compared with test-time only."""


def read_rows(out: Path) -> list[dict[str, Any]]:
    """The samples, the last row kept where a task was run again."""
    kept: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    path = out / "samples.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            key = (row["task"], row["kind"], row.get("path", ""), int(row.get("budget", 0)))
            kept[key] = row
    return list(kept.values())


def _usage(row: dict[str, Any], field: str) -> int:
    return int((row.get("usage") or {}).get(field, 0) or 0)


def points(answers: dict[Key, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One line per path and budget: F1, seconds, tokens."""
    found = []
    for (path, budget), by_task in sorted(answers.items()):
        rows = list(by_task.values())
        seconds = [float(r["seconds"]) for r in rows]
        prompt = [_usage(r, "prompt_tokens") for r in rows]
        cached = [_usage(r, "cached_prompt_tokens") for r in rows]
        found.append(
            {
                "path": path,
                "budget": budget,
                "n": len(rows),
                "f1": statistics.fmean(float(r["f1"]) for r in rows),
                "seconds_median": statistics.median(seconds),
                "seconds_mean": statistics.fmean(seconds),
                "prompt_tokens": statistics.fmean(prompt),
                "prefilled_tokens": statistics.fmean(
                    p - c for p, c in zip(prompt, cached, strict=True)
                ),
                "generated_tokens": statistics.fmean(_usage(r, "completion_tokens") for r in rows),
                "steps": statistics.fmean(int(r["steps"]) for r in rows),
            }
        )
    return found


def right_files(row: dict[str, Any]) -> int:
    """How many of the task's changed files the answer named."""
    return len(set(row.get("predicted") or []) & set(row["targets"]))


def per_right_file(
    only: dict[str, dict[str, Any]], sleep: dict[str, dict[str, Any]], shared: list[str]
) -> dict[str, Any]:
    """Seconds (and generated tokens) per right file named on each side, as ratios.

    Why: a per-task time ratio rewards an answer that names one wrong file quickly. What a
    user waits for is the right files, so each side's seconds are summed over the tasks
    and divided by the right files it named (``stats.ratio_of_rates_interval``).
    """
    base = [(float(only[t]["seconds"]), float(right_files(only[t]))) for t in shared]
    other = [(float(sleep[t]["seconds"]), float(right_files(sleep[t]))) for t in shared]
    ratio, low, high = ratio_of_rates_interval(base, other)
    tokens = [
        (float(_usage(only[t], "completion_tokens")), y)
        for t, (_, y) in zip(shared, base, strict=True)
    ]
    slept = [
        (float(_usage(sleep[t], "completion_tokens")), y)
        for t, (_, y) in zip(shared, other, strict=True)
    ]
    token_ratio, token_low, token_high = ratio_of_rates_interval(tokens, slept)
    only_right = sum(y for _, y in base)
    sleep_right = sum(y for _, y in other)
    hit_only = {t for t in shared if right_files(only[t])}
    hit_sleep = {t for t in shared if right_files(sleep[t])}
    return {
        "only_right_files": int(only_right),
        "sleep_right_files": int(sleep_right),
        "only_s_per_right": sum(c for c, _ in base) / only_right if only_right else None,
        "sleep_s_per_right": sum(c for c, _ in other) / sleep_right if sleep_right else None,
        "per_right_ratio": ratio,
        "per_right_ratio_low": low,
        "per_right_ratio_high": high,
        "tokens_per_right_ratio": token_ratio,
        "tokens_per_right_ratio_low": token_low,
        "tokens_per_right_ratio_high": token_high,
        "only_tasks_hit": len(hit_only),
        "sleep_tasks_hit": len(hit_sleep),
        "hit_p_value": mcnemar_exact(len(hit_sleep - hit_only), len(hit_only - hit_sleep)),
    }


def compare(
    name: str, only: dict[str, dict[str, Any]], sleep: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """Test-time only against sleep on the tasks both answered."""
    shared = sorted(only.keys() & sleep.keys())
    if not shared:
        return None
    ratios = [float(only[t]["seconds"]) / float(sleep[t]["seconds"]) for t in shared]
    faster = sum(1 for r in ratios if r > 1)
    slower = sum(1 for r in ratios if r < 1)
    higher = sum(1 for t in shared if float(sleep[t]["f1"]) > float(only[t]["f1"]))
    lower = sum(1 for t in shared if float(sleep[t]["f1"]) < float(only[t]["f1"]))
    return {
        "comparison": name,
        "n": len(shared),
        "only_seconds_median": statistics.median(float(only[t]["seconds"]) for t in shared),
        "sleep_seconds_median": statistics.median(float(sleep[t]["seconds"]) for t in shared),
        "ratio_median": statistics.median(ratios),
        "sleep_faster": faster,
        "sleep_slower": slower,
        "p_value": mcnemar_exact(faster, slower),
        "only_f1": statistics.fmean(float(only[t]["f1"]) for t in shared),
        "sleep_f1": statistics.fmean(float(sleep[t]["f1"]) for t in shared),
        "f1_sleep_higher": higher,
        "f1_sleep_lower": lower,
        "f1_p_value": mcnemar_exact(higher, lower),
        **per_right_file(only, sleep, shared),
    }


def _list_alone(answers: dict[Key, dict[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """F1 of the looked-up files themselves, as if they were the answer (no model).

    Why: the 1.5B model mostly copies the list, so its answers should be read against
    the list's own score, as ``bench repo`` reads them against the most-changed files.
    """
    rows = {t: r for (p, _), v in answers.items() if p.startswith("lookup") for t, r in v.items()}
    scored = {
        t: file_f1(r["looked_up"], r["targets"]).f1 for t, r in rows.items() if "looked_up" in r
    }
    if not scored:
        return None
    found: dict[str, Any] = {"n": len(scored), "f1": statistics.fmean(scored.values())}
    # Against test-time only at the highest budget it ran: what ``ask --agent --budget 0``
    # returns, per task, against the model exploring without sleep.
    only = [(b, v) for (p, b), v in answers.items() if p == "only cached"]
    if only:
        budget, by_task = max(only, key=lambda item: item[0])
        shared = sorted(scored.keys() & by_task.keys())
        higher = sum(1 for t in shared if scored[t] > float(by_task[t]["f1"]))
        lower = sum(1 for t in shared if scored[t] < float(by_task[t]["f1"]))
        found["against_only"] = {
            "budget": budget,
            "n": len(shared),
            "only_f1": statistics.fmean(float(by_task[t]["f1"]) for t in shared),
            "higher": higher,
            "lower": lower,
            "p_value": mcnemar_exact(higher, lower),
        }
    return found


def _sleep_time(sleeps: list[dict[str, Any]]) -> dict[str, Any]:
    if not sleeps:
        return {"n": 0}
    return {
        "n": len(sleeps),
        "index_s_median": statistics.median(float(r.get("index_s", 0.0)) for r in sleeps),
        "warm_s_median": statistics.median(float(r["warm_s"]) for r in sleeps),
        "saved_tokens_mean": statistics.fmean(int(r["saved_tokens"]) for r in sleeps),
    }


def summarize(out: Path) -> dict[str, Any]:
    rows = read_rows(out)
    answers: dict[Key, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        if row["kind"] == "answer":
            answers[(row["path"], int(row["budget"]))][row["task"]] = row
    sleeps = [r for r in rows if r["kind"] == "sleep"]
    maps = [r for r in rows if r["kind"] == "map" and not r.get("missing")]
    found = points(answers)
    cached = {b: v for (p, b), v in answers.items() if p == "only cached"}
    comparisons = []
    for path, label in SLEEP_PATHS.items():
        slept = {b: v for (p, b), v in answers.items() if p == path}
        for budget in sorted(cached.keys() & slept.keys()):
            comparisons.append(
                compare(f"{label}: budget {budget}, both cached", cached[budget], slept[budget])
            )
        if cached and 1 in slept:
            f1 = {
                b: statistics.fmean(float(r["f1"]) for r in v.values()) for b, v in cached.items()
            }
            best = max(sorted(f1), key=lambda b: f1[b])  # the lowest budget among equals
            comparisons.append(
                compare(f"{label}: only's best F1 (budget {best}) against it at 1",
                        cached[best], slept[1])
            )  # fmt: skip
        if ("only first", 1) in answers and 1 in slept:
            comparisons.append(
                compare(f"{label}: first request, only with no state yet, against it at 1",
                        answers[("only first", 1)], slept[1])
            )  # fmt: skip
    for (path, budget), looked in sorted(answers.items()):
        if path.startswith("lookup") and ("sleep", budget) in answers:
            comparisons.append(
                compare(f"{SLEEP_PATHS[path]} against index alone (in the only column): "
                        f"budget {budget}", answers[("sleep", budget)], looked)
            )  # fmt: skip
        if path == "lookup-paths" and ("lookup", budget) in answers:
            comparisons.append(
                compare(f"paths only against index + lookup (in the only column): budget "
                        f"{budget}", answers[("lookup", budget)], looked)
            )  # fmt: skip
    listed = _list_alone(answers)
    same = None
    if ("only first", 1) in answers and 1 in cached:
        first, again = answers[("only first", 1)], cached[1]
        shared = first.keys() & again.keys()
        same = {
            "n": len(shared),
            "same_text": sum(first[t]["text"] == again[t]["text"] for t in shared),
        }
    return {
        "config": json.loads((out / "config.json").read_text(encoding="utf-8")),
        "points": found,
        "comparisons": [c for c in comparisons if c],
        "sleep_time": _sleep_time(sleeps),
        "map_time": _sleep_time(maps),
        "maps_missing": sum(1 for r in rows if r["kind"] == "map" and r.get("missing")),
        "restored_same_answer": same,
        "list_alone": listed,
    }


def _num(value: float | None) -> str:
    return "none named" if value is None else f"{value:.2f}"


def render(summary: dict[str, Any]) -> str:
    cfg = summary["config"]
    lines = [
        "# Time to name the files, prefixes cached on both sides (bench/repo_latency.py)",
        "",
        f"- model: `{Path(cfg['model']).name}`, {cfg['threads']} thread(s), n_ctx {cfg['n_ctx']}; "
        f"repository `{Path(cfg['repo']).name}`, {len(cfg['tasks_run'])} of {cfg['mined']} mined "
        f"tasks (seed {cfg['seed']}); index {cfg['index_chars']} characters",
    ]
    if cfg.get("note"):
        lines.append(f"- {cfg['note']}")
    lines += [
        "",
        "| path | budget | n | F1 | seconds median (mean) | prompt tokens | prefilled "
        "| generated | steps |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in summary["points"]:
        lines.append(
            f"| {p['path']} | {p['budget']} | {p['n']} | {p['f1']:.3f} | "
            f"{p['seconds_median']:.2f} ({p['seconds_mean']:.2f}) | {p['prompt_tokens']:.0f} | "
            f"{p['prefilled_tokens']:.0f} | {p['generated_tokens']:.0f} | {p['steps']:.2f} |"
        )
    lines += [
        "",
        "| comparison | n | seconds only / sleep (median) | ratio median "
        "| sleep faster / slower | p | F1 only / sleep | F1 sleep higher / lower (p) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in summary["comparisons"]:
        lines.append(
            f"| {c['comparison']} | {c['n']} | {c['only_seconds_median']:.2f} / "
            f"{c['sleep_seconds_median']:.2f} | {c['ratio_median']:.2f} | {c['sleep_faster']} / "
            f"{c['sleep_slower']} | {c['p_value']:.3f} | {c['only_f1']:.3f} / {c['sleep_f1']:.3f} "
            f"| {c.get('f1_sleep_higher', '?')} / {c.get('f1_sleep_lower', '?')} "
            f"({c.get('f1_p_value', float('nan')):.3f}) |"
        )
    lines += [
        "",
        "Seconds per right file named (each side's seconds over the tasks / the changed files "
        "it named; ratios only / sleep, above 1 when sleep is cheaper per right file; 95% "
        "paired bootstrap intervals, 10,000 resamples):",
        "",
        "| comparison | right files only / sleep | seconds per right file only / sleep "
        "| ratio (95% interval) | generated tokens per right file: ratio (95% interval) "
        "| tasks with a right file only / sleep (p) |",
        "|---|---|---|---|---|---|",
    ]
    for c in summary["comparisons"]:
        if "per_right_ratio" in c:
            lines.append(
                f"| {c['comparison']} | {c['only_right_files']} / {c['sleep_right_files']} | "
                f"{_num(c['only_s_per_right'])} / {_num(c['sleep_s_per_right'])} | "
                f"{c['per_right_ratio']:.2f} ({c['per_right_ratio_low']:.2f}-"
                f"{c['per_right_ratio_high']:.2f}) | {c['tokens_per_right_ratio']:.2f} "
                f"({c['tokens_per_right_ratio_low']:.2f}-{c['tokens_per_right_ratio_high']:.2f}) "
                f"| {c['only_tasks_hit']} / "
                f"{c['sleep_tasks_hit']} ({c['hit_p_value']:.3f}) |"
            )
    st = summary["sleep_time"]
    if st["n"]:
        lines += [
            "",
            "Sleep-time work per task (not in the answer times): index "
            f"{st['index_s_median']:.2f} s median, saving its prompt's state "
            f"{st['warm_s_median']:.2f} s median "
            f"({st['saved_tokens_mean']:.0f} tokens).",
        ]
    mt = summary.get("map_time", {"n": 0})
    if mt["n"] or summary.get("maps_missing"):
        lines.append(
            f"Maps replayed from the call log: {mt['n']} (missing {summary['maps_missing']}); "
            f"saving the map + index prompt's state {mt.get('warm_s_median', 0.0):.2f} s median "
            f"({mt.get('saved_tokens_mean', 0.0):.0f} tokens)."
        )
    listed = summary.get("list_alone")
    if listed:
        line = (
            f"The looked-up files alone as the answer (no model; `ask --agent --budget 0`): "
            f"F1 {listed['f1']:.3f} over {listed['n']} tasks"
        )
        versus = listed.get("against_only")
        if versus:
            line += (
                f"; against test-time only at budget {versus['budget']} (F1 "
                f"{versus['only_f1']:.3f}) higher on {versus['higher']} tasks, lower on "
                f"{versus['lower']} (p = {versus['p_value']:.3g})"
            )
        lines.append(line + ".")
    same = summary["restored_same_answer"]
    if same:
        lines.append(
            f"Restored state against a full prefill (test-time only, budget 1): the same answer "
            f"text on {same['same_text']} of {same['n']} tasks."
        )
    return "\n".join(lines) + "\n"


def write_report(out: Path) -> dict[str, Any]:
    summary = summarize(out)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(render(summary), encoding="utf-8")
    return summary


if __name__ == "__main__":
    print(render(write_report(Path(sys.argv[1]))))
