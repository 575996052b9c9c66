"""Does the model-free repository index carry the answer? Measured without any model.

For every task ``bench repo`` mines from a repository (default: the ``simonw/llm``
bundle), the repository is checked out at the task's parent, exactly as the benchmark
does, and the index (``sleeptime.repo.index``) is built there and rendered at each
character cap. Per task and cap:

- **coverage**: the share of the task's changed files that got an entry in the index;
- **overlap top-k F1**: a naive model-free reader: files ranked by the idf-weighted
  words their index entry shares with the request (ties broken by index order), the top
  k named, scored with ``bench repo``'s F1 over files. ``k`` is 3 (``bench repo`` does
  not limit how many files the agent names) and, as a ceiling, the number of targets;
- **prior top-k F1**: the first k entries of the index, ignoring the request (what the
  history alone says);
- **path-only top-k F1**: the same word overlap on the words of every snapshot path,
  ties by path order: what a reader has with no index at all;
- **overview coverage**: the share of targets among the paths the answering prompt
  already lists (``repo/overview.py``).

The history each index reads must end at the task's parent; the script checks it for
every task (``history_at_parent``). Nothing here is tuned on the results; they tell
whether the index is worth model compute before any is spent.

Usage::

    .venv/bin/python bench/repo_index_coverage.py \\
        --repo ../shared/data/repos/simonw-llm.bundle --out bench/results/repo_index_coverage.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sleeptime.benchmark.repo_bench.run import clone, pick_tasks, task_id
from sleeptime.repo.index import build_index
from sleeptime.repo.metrics import file_f1
from sleeptime.repo.overview import overview
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tasks import MinerOptions, RepoTask, mine_tasks, parent_checkout

STOP_WORDS = """the and for with from that this into when not are was were has have had but
its use used uses can now new add adds added all any also only more than then them they their
via per out off one two get set see make made just each other some such should would will like
instead which what where who how why been being there here our you your"""
STOP = frozenset(STOP_WORDS.split())
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(text: str) -> set[str]:
    """Lower-case content words of ``text``: snake_case and CamelCase split, plurals cut."""
    found = set()
    for token in re.findall(r"[A-Za-z][A-Za-z0-9]*", _CAMEL.sub(" ", text)):
        word = token.lower()
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if len(word) >= 3 and word not in STOP:
            found.add(word)
    return found


def overlap_rank(request: str, docs: Sequence[tuple[str, str]]) -> list[str]:
    """Paths ranked by idf-weighted shared words with ``request``; ties keep ``docs`` order."""
    bags = [(path, words(text)) for path, text in docs]
    df: Counter[str] = Counter(w for _, bag in bags for w in bag)
    n = len(bags)
    asked = words(request)
    scored = [
        (-sum(math.log((n + 1) / (df[w] + 0.5)) for w in asked & bag), i, path)
        for i, (path, bag) in enumerate(bags)
    ]
    return [path for _, _, path in sorted(scored)]


def f1_at(ranked: Sequence[str], targets: Sequence[str], k: int) -> float:
    return file_f1(list(ranked[:k]), targets).f1


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.fmean(items) if items else 0.0


def measure(task: RepoTask, dest: Path, caps: Sequence[int], k: int) -> dict[str, Any]:
    snapshot = take_snapshot(dest)
    index = build_index(snapshot)
    targets = [t for t in task.targets if t in snapshot.by_path]
    shown = set(overview(snapshot).splitlines())
    row: dict[str, Any] = {
        "task": task_id(task),
        "targets": len(task.targets),
        "targets_in_snapshot": len(targets),
        "snapshot_files": len(snapshot.files),
        "history_at_parent": index.history.commit == task.parent,
        "overview_coverage": sum(1 for t in targets if t in shown) / max(1, len(targets)),
    }
    paths = sorted(snapshot.paths)
    by_path = overlap_rank(task.request, [(p, p.replace("/", " ")) for p in paths])
    row["path_only_f1_k"] = f1_at(by_path, targets, k)
    row["path_only_f1_oracle_k"] = f1_at(by_path, targets, len(targets))
    for cap in caps:
        rendered = index.render(cap)
        docs = list(zip(rendered.files, rendered.lines, strict=True))
        ranked = overlap_rank(task.request, docs)
        row[f"cap{cap}"] = {
            "chars": len(rendered.text),
            "entries": len(rendered.files),
            "coverage": sum(1 for t in targets if t in rendered.files) / max(1, len(targets)),
            "overlap_f1_k": f1_at(ranked, targets, k),
            "overlap_f1_oracle_k": f1_at(ranked, targets, len(targets)),
            "prior_f1_k": f1_at(rendered.files, targets, k),
        }
    return row


def summarize(rows: list[dict[str, Any]], caps: Sequence[int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "tasks": len(rows),
        "mean_targets": mean(r["targets_in_snapshot"] for r in rows),
        "history_at_parent": all(r["history_at_parent"] for r in rows),
        "overview_coverage": mean(r["overview_coverage"] for r in rows),
        "path_only_f1_k": mean(r["path_only_f1_k"] for r in rows),
        "path_only_f1_oracle_k": mean(r["path_only_f1_oracle_k"] for r in rows),
    }
    for cap in caps:
        key = f"cap{cap}"
        mine = [r[key] for r in rows]
        out[key] = {
            name: mean(m[name] for m in mine)
            for name in (
                "chars", "entries", "coverage", "overlap_f1_k", "overlap_f1_oracle_k",
                "prior_f1_k",
            )
        }  # fmt: skip
        out[key]["all_targets_covered"] = sum(1 for m in mine if m["coverage"] == 1.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path("../shared/data/repos/simonw-llm.bundle"))
    parser.add_argument("--caps", default="3000,6000")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--bench-tasks", type=int, default=24, help="bench repo's --tasks")
    parser.add_argument("--seed", type=int, default=0, help="bench repo's --seed")
    parser.add_argument("--out", type=Path, default=Path("bench/results/repo_index_coverage.json"))
    args = parser.parse_args()
    caps = [int(c) for c in args.caps.split(",")]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="index-coverage-") as tmp:
        work = Path(tmp)
        repo = clone(args.repo, work)
        tasks = mine_tasks(repo, MinerOptions())
        sample = {task_id(t) for t in pick_tasks(tasks, args.bench_tasks, args.seed)}
        rows = []
        for task in tasks:
            with contextlib.ExitStack() as stack:
                dest = stack.enter_context(parent_checkout(repo, task, work / task_id(task)))
                row = measure(task, dest, caps, args.k)
            row["in_bench_sample"] = row["task"] in sample
            rows.append(row)
    result = {
        "script": "bench/repo_index_coverage.py",
        "repository": str(args.repo),
        "caps": caps,
        "k": args.k,
        "bench_sample": {"tasks": args.bench_tasks, "seed": args.seed},
        "seconds": round(time.perf_counter() - started, 1),
        "all_mined": summarize(rows, caps),
        "bench_sample_only": summarize([r for r in rows if r["in_bench_sample"]], caps),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=2))


if __name__ == "__main__":
    main()
