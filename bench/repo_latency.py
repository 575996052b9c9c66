"""Time to name the files: the index alone (sleep) against test-time only, prefixes cached.

The strongest peer for latency is not a cold prefill but a saved KV state of what every
request on a repository shares (cache-augmented generation of the raw overview), so both
sides get one here, through the product's own path (``answer_agent.warm_agent_prefix``,
saved by the first ``ask --agent`` or by sleep): each answer starts from an empty live KV
cache, as a new ``ask`` process does, restores its side's saved state from disk and
prefills only the request. Paths per task, all on one in-process embedded model:

- ``only first``: test-time only, the first request, no saved state yet: it prefills the
  instructions and the overview and saves their state (what ``ask --agent`` does);
- ``only cached``: test-time only at each budget, restoring that state (CAG);
- ``sleep``: the index alone (what ``sleep`` writes on a directory by default, no model) as
  ``c'``, its prompt's state saved at sleep time (timed apart, as sleep work), at each budget;
- ``lookup`` (with ``--lookup-files N``, N > 0): the same ``c'`` and saved state as ``sleep``,
  and the files whose index entries share words with the request listed after it, as
  ``ask --agent`` does (``repo/lookup.py``; its table is built at sleep time, timed apart),
  one path per ``--lookup-styles`` entry: ``lookup`` with descriptions (``about``),
  ``lookup-paths`` with paths alone (``paths``, the shipped default);
- ``map`` (with ``--maps-from CALLS``): ``sleep --map``'s ``c'``, the model's map then the index,
  the map replayed from the call log of a ``bench repo`` run with the same model (no new
  sleep call; a task whose map is not all in the log is left out of this path).

Tasks are chosen as in ``sleeptime bench repo`` (same miner, seed and count), so the F1
side can be read against the committed runs; ``--exclude-run`` leaves out the tasks of
earlier runs, for a replication on tasks none of them saw. Results: ``samples.jsonl``,
``summary.json`` and ``report.md`` under ``--out`` (``bench/repo_latency_report.py`` renders them).

    SLEEPTIME_N_THREADS=2 .venv/bin/python bench/repo_latency.py \\
        --model ~/.local/share/sleeptime/models/qwen2.5-coder-1.5b.gguf \\
        --repo ../shared/data/repos/simonw-llm.bundle --out bench/results/repo-latency-kv
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from repo_latency_maps import replayed_map, replaying
from repo_latency_report import write_report

from sleeptime.backends.llama import LlamaBackend
from sleeptime.benchmark.experiments.common import usage_row
from sleeptime.benchmark.recording import CallLog, RecordingBackend
from sleeptime.benchmark.repo_bench.run import clone, pick_tasks, task_id
from sleeptime.errors import SleeptimeError
from sleeptime.repo.agent import AgentBudget
from sleeptime.repo.answer_agent import answer_request, warm_agent_prefix
from sleeptime.repo.index import build_index, with_index
from sleeptime.repo.lookup import LOOKUP_STYLE, LOOKUP_STYLES, LookupStyle, LookupTable
from sleeptime.repo.metrics import file_f1
from sleeptime.repo.overview import OVERVIEW_VERSION
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tasks import MinerOptions, RepoTask, mine_tasks, parent_checkout
from sleeptime.repo.tools import RepoTools, ToolLimits


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="a GGUF file")
    parser.add_argument("--repo", type=Path, required=True, help="a git repository or bundle")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tasks", type=int, default=24)
    parser.add_argument(
        "--min-files", type=int, default=3,
        help="least source files a commit must change to be a task (3, as in the committed "
        "runs; 2 opens the pool of two-file commits that no earlier run could draw)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--exclude-run", type=Path, action="append", default=[],
        help="an earlier run's --out: its tasks are left out (a replication on new tasks)",
    )  # fmt: skip
    parser.add_argument("--budgets", default="1,2", help="step budgets, comma-separated")
    parser.add_argument("--index-chars", type=int, default=1200)
    parser.add_argument("--reply-tokens", type=int, default=256)
    parser.add_argument("--history-chars", type=int, default=7000)
    parser.add_argument("--read-chars", type=int, default=3000)
    parser.add_argument("--n-ctx", type=int, default=8192)
    parser.add_argument(
        "--notes-overview-paths", type=int, default=0,
        help="paths of the overview's sample shown beside c' on sleep's side (0, counts and "
        "folders only, as in the committed runs; `ask --agent` uses "
        "Settings.repo_notes_overview_paths)",
    )  # fmt: skip
    parser.add_argument(
        "--lookup-files", type=int, default=0,
        help="files the word lookup lists after the request on the `lookup` path (0: no "
        "such path, as in runs before it; `ask --agent` uses Settings.repo_lookup_files)",
    )  # fmt: skip
    parser.add_argument(
        "--lookup-styles", default="paths",
        help="comma-separated list styles, one path each: about (path `lookup`) and/or "
        "paths (path `lookup-paths`)",
    )  # fmt: skip
    parser.add_argument("--note", default="", help="a line for the report (what was running)")
    parser.add_argument("--maps-from", type=Path, help="a bench repo call log to replay maps from")
    parser.add_argument("--maps-model", default="qwen2.5-coder-1.5b", help="its model id")
    parser.add_argument("--notes-chars", type=int, default=3000, help="the map's cap there")
    parser.add_argument("--sleep-steps", type=int, default=8, help="the sleep agent's steps there")
    args = parser.parse_args(argv)
    if args.min_files < 1:
        parser.error("--min-files must be at least 1 (a task names the files a commit changed)")
    return args


class Bench:
    """One run: the model, the samples file, and the steps of each task."""

    def __init__(
        self,
        args: argparse.Namespace,
        backend: LlamaBackend,
        samples: Any,
        maps: RecordingBackend | None = None,
    ) -> None:
        self.args = args
        self.maps = maps
        self.backend = backend
        self.samples = samples
        self.budgets = [int(b) for b in args.budgets.split(",")]
        self.styles = lookup_styles(args.lookup_styles)

    def write(self, row: dict[str, Any]) -> None:
        self.samples.write(json.dumps(row) + "\n")
        self.samples.flush()

    async def answer(
        self,
        base: dict[str, Any],
        tools: RepoTools,
        task: RepoTask,
        notes: str | None,
        lookup: LookupTable | None = None,
        style: LookupStyle = LOOKUP_STYLE,
        **row: Any,
    ) -> None:
        """One timed answer, from an empty live KV cache (a new ``ask`` process)."""
        budget = int(row["budget"])
        self.backend.drop_live_cache()
        started = time.perf_counter()
        if row.get("path") == "only first":  # what ask --agent does before its first answer
            await warm_agent_prefix(self.backend, tools, notes=None)
        answer = await answer_request(
            self.backend, tools, task.request, notes=notes,
            overview_paths=self.args.notes_overview_paths,
            budget=AgentBudget(
                max_steps=budget, reply_tokens=self.args.reply_tokens,
                history_chars=self.args.history_chars,
            ),
            lookup=lookup, lookup_files=self.args.lookup_files, lookup_style=style,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        score = file_f1(answer.files, task.targets)
        self.write(
            {
                **base, **row, "kind": "answer", "seconds": round(seconds, 3), "f1": score.f1,
                "predicted": list(answer.files), "usage": usage_row(answer.run.usage),
                "steps": len(answer.run.steps), "text": answer.run.text,
                **({"looked_up": list(answer.looked_up)} if lookup is not None else {}),
            }
        )  # fmt: skip

    async def task(self, task: RepoTask, dest: Path) -> None:
        base = {"task": task_id(task), "targets": list(task.targets)}
        snapshot = take_snapshot(dest)
        tools = RepoTools(snapshot, ToolLimits(read_chars=self.args.read_chars))
        # Test-time only: the first request saves the state, later ones restore it.
        await self.answer(base, tools, task, None, condition="only", path="only first", budget=1)
        for budget in self.budgets:
            await self.answer(
                base, tools, task, None, condition="only", path="only cached", budget=budget
            )
        # Sleep: the index alone, and its prompt's state saved, both at sleep time.
        started = time.perf_counter()
        built = build_index(snapshot)
        index = built.render(self.args.index_chars).text
        timing = {"index_s": time.perf_counter() - started}
        await self.sleep_path(base, tools, task, index, "sleep", timing, "index_chars")
        if self.args.lookup_files > 0:
            # The same c' and saved state; the table is sleep-time work, timed apart.
            started = time.perf_counter()
            table = LookupTable.from_index(built)
            table_s = round(time.perf_counter() - started, 3)
            self.write({**base, "kind": "lookup", "table_s": table_s,
                        "table_files": len(table.files)})  # fmt: skip
            for style in self.styles:
                path = "lookup" if style == "about" else f"lookup-{style}"
                for budget in self.budgets:
                    await self.answer(
                        base, tools, task, index, table, style, condition=path, path=path,
                        budget=budget,
                    )  # fmt: skip
        if self.maps is not None:
            await self.map_path(base, tools, task, index)

    async def map_path(
        self, base: dict[str, Any], tools: RepoTools, task: RepoTask, index: str
    ) -> None:
        """sleep --map's c' (the model's map, replayed, then the index), timed like sleep's."""
        assert self.maps is not None
        started = time.perf_counter()
        written = await replayed_map(
            self.maps, tools, notes_chars=self.args.notes_chars,
            sleep_steps=self.args.sleep_steps, history_chars=self.args.history_chars,
        )  # fmt: skip
        if written is None:
            self.write({**base, "kind": "map", "missing": True})
            return
        timing = {"replay_s": time.perf_counter() - started}
        notes = with_index(written, index)
        await self.sleep_path(base, tools, task, notes, "map", timing, "notes_chars")

    async def sleep_path(
        self,
        base: dict[str, Any],
        tools: RepoTools,
        task: RepoTask,
        notes: str,
        kind: str,
        timing: dict[str, float],
        size_key: str,
    ) -> None:
        """Save the prompt state of ``notes`` (sleep-time work, timed apart), then answer
        at each budget from it; ``kind`` names the row, the condition and the path."""
        started = time.perf_counter()
        saved = await warm_agent_prefix(
            self.backend, tools, notes=notes, overview_paths=self.args.notes_overview_paths
        )
        warm_s = time.perf_counter() - started
        self.write(
            {
                **base, "kind": kind, **{k: round(v, 3) for k, v in timing.items()},
                "warm_s": round(warm_s, 3), "saved_tokens": saved, size_key: len(notes),
            }
        )  # fmt: skip
        for budget in self.budgets:
            await self.answer(base, tools, task, notes, condition=kind, path=kind, budget=budget)


def lookup_styles(text: str) -> list[LookupStyle]:
    """The ``--lookup-styles`` list, each one known."""
    styles = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in styles if s not in LOOKUP_STYLES]
    if unknown or not styles:
        raise SleeptimeError(
            f"--lookup-styles takes {' and/or '.join(LOOKUP_STYLES)}, comma-separated; got {text!r}"
        )
    return [cast(LookupStyle, s) for s in styles]


def done_tasks(path: Path, budgets: int, maps: bool, lookups: int = 0) -> set[str]:
    """Tasks with all their rows written; a task cut short is run again from its start."""
    if not path.exists():
        return set()
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            # a missing map stands for its answers too
            weight = 1 + (budgets if row.get("missing") else 0)
            counts[row["task"]] = counts.get(row["task"], 0) + weight
    expected = 2 + 2 * budgets  # only first, only cached x budgets, sleep, sleep x budgets
    if maps:
        expected += 1 + budgets  # the map row, then map x budgets
    if lookups:
        expected += 1 + lookups * budgets  # the table row, then each style x budgets
    return {task for task, n in counts.items() if n >= expected}


def excluded_tasks(runs: list[Path]) -> set[str]:
    """The task ids earlier runs drew, so that a replication runs only tasks new to it."""
    ids: set[str] = set()
    for run in runs:
        config = run / "config.json"
        if not config.is_file():
            raise SleeptimeError(f"{config} not found; --exclude-run takes an earlier --out")
        try:
            tasks = json.loads(config.read_text(encoding="utf-8")).get("tasks_run", [])
        except (ValueError, AttributeError) as exc:
            raise SleeptimeError(
                f"{config} is not a run's config ({exc}); --exclude-run takes an earlier --out"
            ) from exc
        if not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
            raise SleeptimeError(f"{config} has no list of task ids under 'tasks_run'")
        ids.update(tasks)
    return ids


def without(tasks: list[RepoTask], excluded: set[str]) -> list[RepoTask]:
    """``tasks`` minus the excluded ids, in history order."""
    return [task for task in tasks if task_id(task) not in excluded]


async def main_async(args: argparse.Namespace) -> int:
    samples_path = args.out / "samples.jsonl"
    finished = done_tasks(
        samples_path, len(args.budgets.split(",")), args.maps_from is not None,
        len(lookup_styles(args.lookup_styles)) if args.lookup_files > 0 else 0,
    )  # fmt: skip
    excluded = excluded_tasks(args.exclude_run)  # a bad path fails before anything is made
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="repo-latency-"))
    threads = int(os.environ.get("SLEEPTIME_N_THREADS", "2"))
    backend = LlamaBackend(
        args.model, n_ctx=args.n_ctx, n_threads=threads, kv_cache_dir=work / "kv"
    )
    maps: RecordingBackend | None = None
    log: CallLog | None = None
    try:
        repo = clone(args.repo, work)
        mined = mine_tasks(repo, MinerOptions(min_files=args.min_files, max_files=20))
        pool = without(mined, excluded)
        tasks = pick_tasks(pool, args.tasks, args.seed)
        config = {
            **vars(args),
            "threads": threads, "mined": len(mined), "excluded": len(mined) - len(pool),
            "overview": OVERVIEW_VERSION,
            "tasks_run": [task_id(t) for t in tasks],
        }  # fmt: skip
        # default=str: the paths among the arguments, alone or in lists
        (args.out / "config.json").write_text(json.dumps(config, indent=2, default=str) + "\n")
        if args.maps_from is not None:
            maps, log = replaying(args.maps_from, args.maps_model)
        with samples_path.open("a", encoding="utf-8") as samples:
            bench = Bench(args, backend, samples, maps)
            for number, task in enumerate(tasks, 1):
                if task_id(task) in finished:
                    continue
                dest = work / task_id(task)
                with parent_checkout(repo, task, dest):
                    await bench.task(task, dest)
                print(f"{number}/{len(tasks)} {task_id(task)}", file=sys.stderr, flush=True)
    finally:
        if log is not None:
            log.close()
        await backend.aclose()
        shutil.rmtree(work, ignore_errors=True)
    write_report(args.out)
    return 0


def main() -> int:
    args = parse_args(sys.argv[1:])
    if not args.model.is_file():
        print(f"error: {args.model} is not a GGUF file; give --model the path of one "
              "(`sleeptime models fetch qwen2.5-coder-1.5b` puts one under the data dir)",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.notes_overview_paths < 0:
        print("error: --notes-overview-paths must be 0 (counts and folders only) or more",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        return asyncio.run(main_async(args))
    except SleeptimeError as exc:  # bad input: a clear message, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
