"""What a step budget of 0 costs: sleep's word lookup against the same lookup built per request.

``ask --agent --budget 0`` answers with the files sleep's word lookup ranks highest, with
no model call (``answer_agent.answer_from_lookup``). Without sleep, the strongest thing an
application could do for the same answer is to build that lookup when the request comes:
take the snapshot, build the index (which reads the history) and the table, then rank.
Both sides run here on the same tasks, side by side, timed as medians over ``--repeats``:

- ``sleep``: the product's path. A temporary store; ``context add`` and an index-only
  ``sleep`` of the task's parent checkout (sleep-time work, timed apart), then
  ``ask_agent(steps=0)`` through the facade: it looks at the folder again (snapshot),
  reads the stored table, ranks, and records the query.
- ``per request``: ``take_snapshot`` + ``build_index`` + ``LookupTable.from_index`` +
  ``rank`` on the same checkout, nothing stored.

Both must list the same files (checked per task; F1 is the list's, the same on both
sides). Tasks are those of an earlier ``bench/repo_latency.py`` run (``--tasks-from``),
so the F1 reads against its test-time only column. Writes ``--out`` (JSON).

It also scores ``ask --agent``'s default (``auto``) against that run's test-time only at
its highest budget (``against_only``): per task, the list where it is not empty (these
seconds, 0 tokens), else the run's own answer with the notes and the list
(``lookup-paths``: what ``auto`` falls back to, the agent at 8 steps). The test-time only
seconds come from the earlier run on this machine, not from this process.

    .venv/bin/python bench/repo_lookup_latency.py --repo ../shared/data/repos/simonw-llm.bundle \\
        --tasks-from bench/results/repo-qwen1.5b-latency-kv-b8-lookup3/llm \\
        --out bench/results/repo_lookup_latency_llm.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from repo_latency_report import read_rows

from sleeptime.app import Sleeptime
from sleeptime.app.repo_context import add_directory, ask_agent, sleep_directory
from sleeptime.benchmark.experiments.stats import mcnemar_exact
from sleeptime.benchmark.repo_bench.run import clone, task_id
from sleeptime.errors import SleeptimeError
from sleeptime.repo.index import build_index
from sleeptime.repo.lookup import LOOKUP_FILES, LookupTable
from sleeptime.repo.metrics import file_f1
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tasks import MinerOptions, RepoTask, mine_tasks, parent_checkout
from sleeptime.settings import Settings


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="a git repository or bundle")
    parser.add_argument(
        "--tasks-from", type=Path, required=True,
        help="a bench/repo_latency.py --out: its tasks (and its --min-files) are used",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def chosen_tasks(repo: Path, run: Path) -> list[RepoTask]:
    """The tasks ``run`` answered, mined again with its options, in its order."""
    config_path = run / "config.json"
    if not config_path.is_file():
        raise SleeptimeError(f"{config_path} not found; --tasks-from takes a repo_latency --out")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    wanted = list(config["tasks_run"])
    options = MinerOptions(min_files=int(config.get("min_files", 3)), max_files=20)
    mined = {task_id(t): t for t in mine_tasks(repo, options)}
    missing = [t for t in wanted if t not in mined]
    if missing:
        raise SleeptimeError(f"tasks {missing[:3]} are not in {repo}; is it the run's repository?")
    return [mined[t] for t in wanted]


def per_request(dest: Path, request: str) -> tuple[list[str], float]:
    """The lookup built when the request comes, as an application without sleep would."""
    started = time.perf_counter()
    snapshot = take_snapshot(dest)
    table = LookupTable.from_index(build_index(snapshot))
    found = table.rank(request, LOOKUP_FILES, snapshot.paths)
    return [f.path for f in found], time.perf_counter() - started


async def with_sleep(app: Sleeptime, name: str, request: str) -> tuple[list[str], float]:
    """``ask --agent --budget 0`` through the facade, after sleep."""
    started = time.perf_counter()
    result = await ask_agent(app, name, request, steps=0)
    return list(result.answer.files), time.perf_counter() - started


async def one_task(task: RepoTask, dest: Path, work: Path, repeats: int) -> dict[str, Any]:
    home = work / f"{task_id(task)}-data"  # its own store and saved states, removed after
    app = Sleeptime(Settings(data_dir=home, database_url=f"sqlite:///{home / 'store.db'}"))
    try:
        add_directory(app, "repo", dest)
        started = time.perf_counter()
        await sleep_directory(app, "repo", write_map=False)  # the index alone, no model
        sleep_s = time.perf_counter() - started
        slept = [await with_sleep(app, "repo", task.request) for _ in range(repeats)]
    finally:
        await app.aclose()
    built = [per_request(dest, task.request) for _ in range(repeats)]
    files = slept[0][0]
    return {
        "task": task_id(task),
        "targets": list(task.targets),
        "files": files,
        "same_files": all(f == files for f, _ in slept + built),
        "f1": file_f1(files, task.targets).f1,
        "sleep_s": round(sleep_s, 3),
        "ask_s": statistics.median(s for _, s in slept),
        "per_request_s": statistics.median(s for _, s in built),
    }


def _sign(tasks: list[dict[str, Any]], better: str, worse: str) -> dict[str, Any]:
    """Tasks where ``better`` is above ``worse`` (higher) or below it (lower), sign test."""
    higher = sum(t[better] > t[worse] for t in tasks)
    lower = sum(t[better] < t[worse] for t in tasks)
    return {"higher": higher, "lower": lower, "p_value": mcnemar_exact(higher, lower)}


def against_only(rows: list[dict[str, Any]], samples: list[dict[str, Any]]) -> dict[str, Any]:
    """``auto``'s answer per task against test-time only (lookup4's rules, NOTE.md there).

    ``rows`` are this script's tasks; ``samples`` the ``repo_latency`` run's rows. Tasks
    the run did not answer on both paths are left out (counted in ``missing``).
    """
    answers = [r for r in samples if r.get("kind") == "answer"]
    only_rows = [r for r in answers if r["path"] == "only cached"]
    if not only_rows:
        raise SleeptimeError("the run has no `only cached` answers to compare with")
    budget = max(int(r["budget"]) for r in only_rows)
    only = {r["task"]: r for r in only_rows if int(r["budget"]) == budget}
    agent = {r["task"]: r for r in answers if r["path"] == "lookup-paths"}
    tasks = [r for r in rows if r["task"] in only and r["task"] in agent]
    if not tasks:
        raise SleeptimeError("no task has both a test-time only and a lookup-paths answer")
    scored = []
    for row in tasks:
        base, fallback = only[row["task"]], agent[row["task"]]
        listed = bool(row["files"])
        scored.append({
            "task": row["task"],
            "listed": listed,
            "only_f1": float(base["f1"]),
            "only_s": float(base["seconds"]),
            "only_tokens": int(base["usage"]["completion_tokens"]),
            "model_f1": float(fallback["f1"]),
            "auto_f1": row["f1"] if listed else float(fallback["f1"]),
            "auto_s": row["ask_s"] if listed else float(fallback["seconds"]),
            "auto_tokens": 0 if listed else int(fallback["usage"]["completion_tokens"]),
        })  # fmt: skip
    listed_rows = [t for t in scored if t["listed"]]
    return {
        "budget": budget,
        "n": len(scored),
        "missing": len(rows) - len(scored),
        "listed": len(listed_rows),
        "auto_f1": statistics.fmean(t["auto_f1"] for t in scored),
        "only_f1": statistics.fmean(t["only_f1"] for t in scored),
        "model_f1": statistics.fmean(t["model_f1"] for t in scored),
        "f1_vs_only": _sign(scored, "auto_f1", "only_f1"),
        "f1_vs_model": _sign(scored, "auto_f1", "model_f1"),
        "listed_faster": _sign(listed_rows, "only_s", "auto_s"),
        "listed_auto_s_median": statistics.median(t["auto_s"] for t in listed_rows)
        if listed_rows else None,
        "listed_only_s_median": statistics.median(t["only_s"] for t in listed_rows)
        if listed_rows else None,
        "listed_only_tokens": sum(t["only_tokens"] for t in listed_rows),
        "ratio_median": statistics.median(t["only_s"] / t["auto_s"] for t in scored),
        "faster": _sign(scored, "only_s", "auto_s"),
        "auto_tokens": sum(t["auto_tokens"] for t in scored),
        "only_tokens": sum(t["only_tokens"] for t in scored),
        "tasks": scored,
    }  # fmt: skip


def summarize(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    ratios = [r["per_request_s"] / r["ask_s"] for r in rows]
    faster = sum(1 for r in ratios if r > 1)
    slower = sum(1 for r in ratios if r < 1)
    return {
        "repo": args.repo.name,
        "tasks_from": str(args.tasks_from),
        "repeats": args.repeats,
        "n": len(rows),
        "all_same_files": all(r["same_files"] for r in rows),
        "f1": statistics.fmean(r["f1"] for r in rows),
        "ask_s_median": statistics.median(r["ask_s"] for r in rows),
        "per_request_s_median": statistics.median(r["per_request_s"] for r in rows),
        "ratio_median": statistics.median(ratios),
        "sleep_faster": faster,
        "sleep_slower": slower,
        "p_value": mcnemar_exact(faster, slower),
        "sleep_s_median": statistics.median(r["sleep_s"] for r in rows),
        "against_only": against_only(rows, read_rows(args.tasks_from)),
        "tasks": rows,
    }


async def main_async(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="repo-lookup-latency-"))
    try:
        repo = clone(args.repo, work)
        tasks = chosen_tasks(repo, args.tasks_from)
        rows = []
        for number, task in enumerate(tasks, 1):
            with parent_checkout(repo, task, work / task_id(task)) as dest:
                rows.append(await one_task(task, dest, work, args.repeats))
            row = rows[-1]
            print(f"{number}/{len(tasks)} {row['task']} ask {row['ask_s']:.3f}s, per request "
                  f"{row['per_request_s']:.3f}s", flush=True)  # fmt: skip
        summary = summarize(rows, args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(
            f"{summary['n']} tasks: ask --budget 0 {summary['ask_s_median']:.3f}s median, the "
            f"lookup built per request {summary['per_request_s_median']:.3f}s; ratio "
            f"{summary['ratio_median']:.2f} ({summary['sleep_faster']} / "
            f"{summary['sleep_slower']}, p = {summary['p_value']:.3g}); F1 {summary['f1']:.3f}; "
            f"same files on every task: {summary['all_same_files']}"
        )
        versus = summary["against_only"]
        print(
            f"ask --agent's default (auto; the list on {versus['listed']} of {versus['n']} "
            f"tasks) against test-time only at budget {versus['budget']}: F1 "
            f"{versus['auto_f1']:.3f} against {versus['only_f1']:.3f} (higher / lower "
            f"{versus['f1_vs_only']['higher']} / {versus['f1_vs_only']['lower']}, p = "
            f"{versus['f1_vs_only']['p_value']:.3g}); against the model with the list "
            f"{versus['model_f1']:.3f} ({versus['f1_vs_model']['higher']} / "
            f"{versus['f1_vs_model']['lower']}); per-task seconds ratio only / auto "
            f"{versus['ratio_median']:.1f} ({versus['faster']['higher']} faster / "
            f"{versus['faster']['lower']} slower, p = {versus['faster']['p_value']:.3g}); "
            f"generated tokens {versus['auto_tokens']} against {versus['only_tokens']}"
        )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    args = parse_args(sys.argv[1:])
    try:
        return asyncio.run(main_async(args))
    except SleeptimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
