"""``sleeptime bench repo``: the SWE-Features experiment on any local git history.

Tasks are mined from the history (``repo/tasks.py``); for each, the repository is checked
out at the task's parent, the sleep agent writes a map once, and the answering agent names
the files to change at every step budget, with the map (sleep) and without (test-time
only). With ``index_chars`` the model-free repository index (``repo/index.py``) is built
at the parent too (one ``index`` row) and put after the map; the ``index`` condition
answers from it alone. Every task also gets a model-free ``reference`` row: F1 of the
``REFERENCE_FILES`` source files the history changed most before the task, a constant
guess that ignores the request; a model's F1 on a history dominated by a few files should
be read against it. Every model call goes through the call log, so a re-run replays
what was paid for and resumes. The clone and checkouts live under ``OUT/.work`` at stable
paths (tool results, and so requests, are the same on a re-run) and are removed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shutil
import time
from pathlib import Path
from typing import Any

from sleeptime.backends.base import Backend
from sleeptime.benchmark.experiments.common import (
    BoundedBackend,
    ProgressBar,
    RunSummary,
    error_fields,
    is_fatal,
    run_all,
    usage_row,
)
from sleeptime.benchmark.experiments.outlock import OutputFolderLock
from sleeptime.benchmark.recording import CallLog, RecordingBackend
from sleeptime.benchmark.repo_bench.config import RepoBenchConfig
from sleeptime.benchmark.repo_bench.report import write_repo_outputs
from sleeptime.errors import InputError, StoreError
from sleeptime.prompts import load_prompt
from sleeptime.repo.agent import AgentBudget
from sleeptime.repo.answer_agent import answer_request
from sleeptime.repo.gitio import head_commit, run_git
from sleeptime.repo.index import (
    INDEX_PROMPT,
    RenderedIndex,
    RepoIndex,
    build_index,
    with_index,
)
from sleeptime.repo.lookup import LOOKUP_FILES, LookupTable
from sleeptime.repo.metrics import file_f1
from sleeptime.repo.overview import OVERVIEW_VERSION
from sleeptime.repo.sleep_agent import RepoNotes, sleep_on_repository
from sleeptime.repo.snapshot import Snapshot, take_snapshot
from sleeptime.repo.tasks import MinerOptions, RepoTask, mine_tasks, parent_checkout
from sleeptime.repo.tools import RepoTools, ToolLimits

EXPERIMENT = "repo"
REFERENCE_FILES = 3
"""How many of the most-changed source files the model-free reference names."""
PROMPTS = (
    "repo_sleep_system",
    "repo_sleep_task",
    "repo_answer_system",
    "repo_answer_task",
    "repo_text_protocol",
)


def task_id(task: RepoTask) -> str:
    """A task's id in rows and reports: the commit's short hash."""
    return task.commit[:12]


def clone(source: Path, work: Path) -> Path:
    """Clone a repository folder or bundle into ``work/repo`` (the source is never changed)."""
    if not source.exists():
        raise InputError(f"{source} does not exist; give a git repository folder or a bundle")
    if source.is_dir() and head_commit(source) is None:
        raise InputError(
            f"{source} is not a git repository with commits; give the folder of a clone "
            "or a bundle made by `git bundle create`"
        )
    run_git(work, "clone", "--quiet", "--no-checkout", str(source.resolve()), "repo", timeout_s=900)
    return work / "repo"


def pick_tasks(tasks: list[RepoTask], n: int, seed: int) -> list[RepoTask]:
    """``n`` tasks drawn with ``seed`` across the history, kept in history order."""
    if n >= len(tasks):
        return list(tasks)
    chosen = sorted(random.Random(seed).sample(range(len(tasks)), n))
    return [tasks[i] for i in chosen]


class _Run:
    """One benchmark run's open resources: backend, call log, samples file, checkouts."""

    def __init__(self, config: RepoBenchConfig, backend: Backend, out: Any) -> None:
        self.config = config
        self.backend = backend
        self.samples = out
        self.checkouts = asyncio.Lock()  # git worktree add/remove one at a time
        self.repo = Path()
        self.work = Path()
        self.bar: ProgressBar | None = None

    def write(self, row: dict[str, Any]) -> None:
        self.samples.write(json.dumps({"experiment": EXPERIMENT, **row}) + "\n")
        self.samples.flush()

    async def task(self, task: RepoTask) -> None:
        stack = contextlib.ExitStack()
        dest = self.work / task_id(task)
        async with self.checkouts:
            await asyncio.to_thread(stack.enter_context, parent_checkout(self.repo, task, dest))
        try:
            await self._run_task(task, dest)
        finally:
            async with self.checkouts:
                await asyncio.to_thread(stack.close)
            if self.bar is not None:
                self.bar.advance()

    async def _run_task(self, task: RepoTask, dest: Path) -> None:
        config = self.config
        snapshot = await asyncio.to_thread(take_snapshot, dest)
        tools = RepoTools(snapshot, ToolLimits(read_chars=config.read_chars))
        base = task_base(task, snapshot)
        built = await asyncio.to_thread(build_index, snapshot)
        table = LookupTable.from_index(built)
        for row in reference_rows(built, table, task):
            self.write({**base, **row})
        index: RenderedIndex | None = None
        if config.index_chars and {"sleep", "index"} & set(config.conditions):
            index = built.render(config.index_chars)
            self.write({**base, "kind": "index", **index.details()})
        notes: RepoNotes | None = None
        sleep_error: BaseException | None = None
        if "sleep" in config.conditions:
            try:
                notes = await sleep_on_repository(
                    self.backend,
                    tools,
                    max_chars=config.notes_chars,
                    budget=AgentBudget(
                        max_steps=config.sleep_steps,
                        min_tool_steps=config.sleep_min_tools,
                        max_tokens=config.sleep_tokens,
                        reply_tokens=config.sleep_reply_tokens,
                        history_chars=config.history_chars,
                    ),
                )
                self.write(
                    {
                        **base, "kind": "sleep", "usage": usage_row(notes.run.usage),
                        "steps": len(notes.run.steps), "tool_calls": notes.run.tool_calls,
                        "stop": notes.run.stop, "notes_chars": len(notes.text),
                        "clipped": notes.clipped,
                    }
                )  # fmt: skip
            except Exception as exc:
                if is_fatal(exc):
                    raise
                sleep_error = exc
                self.write({**base, "kind": "sleep", **error_fields(exc)})
        lookup = table if config.lookup_files else None
        texts = {
            "baseline": None,
            "sleep": with_index(notes.text, index.text if index else "") if notes else None,
            "index": index.text if index else None,
        }
        looked = {"baseline": None, "sleep": lookup, "index": lookup}
        jobs = [
            self._answer(
                task,
                base,
                tools,
                condition,
                budget,
                texts[condition],
                sleep_error,
                looked[condition],
            )
            for budget in config.budgets
            for condition in config.conditions
        ]
        await asyncio.gather(*jobs)

    async def _answer(
        self,
        task: RepoTask,
        base: dict[str, Any],
        tools: RepoTools,
        condition: str,
        budget: int,
        notes: str | None,
        sleep_error: BaseException | None,
        lookup: LookupTable | None = None,
    ) -> None:
        config = self.config
        row: dict[str, Any] = {**base, "kind": "answer", "condition": condition, "budget": budget}
        if condition == "sleep" and sleep_error is not None:
            self.write({**row, "f1": 0.0, **error_fields(sleep_error)})
            return
        started = time.perf_counter()
        try:
            answer = await answer_request(
                self.backend,
                tools,
                task.request,
                notes=notes,
                overview_paths=config.notes_overview_paths,
                budget=AgentBudget(
                    max_steps=budget, max_tokens=config.agent_tokens,
                    reply_tokens=config.reply_tokens, history_chars=config.history_chars,
                ),
                lookup=lookup, lookup_files=config.lookup_files,
                lookup_style=config.lookup_style,
            )  # fmt: skip
        except Exception as exc:
            if is_fatal(exc):
                raise
            self.write({**row, "f1": 0.0, **error_fields(exc)})
            return
        score = file_f1(answer.files, task.targets)
        run = answer.run
        self.write(
            {
                **row, "f1": score.f1, "precision": score.precision, "recall": score.recall,
                "hits": score.hits, "predicted": list(answer.files),
                "unknown": len(answer.unknown), "usage": usage_row(run.usage),
                "steps": len(run.steps), "tool_calls": run.tool_calls, "stop": run.stop,
                "latency_s": round(time.perf_counter() - started, 3),
                **({"looked_up": list(answer.looked_up)} if lookup is not None else {}),
            }
        )  # fmt: skip


def task_base(task: RepoTask, snapshot: Snapshot) -> dict[str, Any]:
    """The fields every row of ``task`` starts with (``snapshot``: its parent's tree)."""
    return {
        "task": task_id(task), "targets": list(task.targets),
        "targets_in_snapshot": sum(1 for t in task.targets if t in snapshot.by_path),
    }  # fmt: skip


def reference_rows(index: RepoIndex, table: LookupTable, task: RepoTask) -> list[dict[str, Any]]:
    """Every model-free reference of ``task``: ``most_changed_3``, then ``lookup_5``."""
    return [reference_row(index, task.targets), lookup_row(table, task)]


def reference_row(index: RepoIndex, targets: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The model-free reference: the source files changed most often before the task.

    Why: on a history where a few files change in most commits, naming them scores well
    without reading the request; sleep and test-time only are reported beside it so that a
    gain over test-time only is not mistaken for a good absolute result.
    """
    named = [e.path for e in index.entries if e.source][:REFERENCE_FILES]
    return _reference(f"most_changed_{REFERENCE_FILES}", named, targets)


def lookup_row(table: LookupTable, task: RepoTask) -> dict[str, Any]:
    """The answer at a step budget of 0: the files sleep's word lookup ranks highest.

    Why in the figure: ``ask --agent --budget 0`` answers with these, at 0 test-time
    tokens, so they are the sleep curve's point at the left end of the paper's axis. The
    table comes from the same index as the sleep condition (nothing later leaks in).
    """
    named = [f.path for f in table.rank(task.request, LOOKUP_FILES)]
    return _reference(f"lookup_{LOOKUP_FILES}", named, task.targets)


def _reference(name: str, named: list[str], targets: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """A model-free reference row: the files it names and their F1."""
    score = file_f1(named, targets)
    return {
        "kind": "reference", "name": name, "predicted": named,
        "f1": score.f1, "precision": score.precision, "recall": score.recall,
    }  # fmt: skip


def _config_json(
    config: RepoBenchConfig, backend: Backend, repo: Path, mined: int, tasks: list[RepoTask]
) -> dict[str, Any]:
    from sleeptime import __version__

    info = backend.info
    return {
        "experiment": EXPERIMENT,
        "sleeptime_version": __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": config.model_dump(mode="json"),
        "backend": {
            "backend": info.backend,
            "model": info.model,
            "sha256": info.details.get("sha256"),
            "context_window": info.context_window,
            "native_tools": info.native_tools,
        },
        "prompts": {
            **{
                name: load_prompt(name).key
                for name in (*PROMPTS, *((INDEX_PROMPT,) if config.index_chars else ()))
            },
            "overview": OVERVIEW_VERSION,  # the path sample is prompt text too
        },
        "repository": {"head": head_commit(repo), "mined_tasks": mined},
        "tasks": [
            {"task": task_id(t), "date": t.date, "targets": list(t.targets), "added": len(t.added)}
            for t in tasks
        ],
    }


async def run_repo_bench(config: RepoBenchConfig, *, backend: Backend | None = None) -> RunSummary:
    """Run the repository experiment into ``config.out`` and write its report."""
    from sleeptime.backends.registry import create_backend

    out = config.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the output folder {out}: {exc}") from exc
    owned: Backend | None = None
    recorder: RecordingBackend | None = None
    with OutputFolderLock(out):
        work = out / ".work"
        shutil.rmtree(work, ignore_errors=True)  # left by an interrupted run
        work.mkdir()
        log = CallLog(config.calls or out / "calls.db")
        try:
            inner = backend
            if inner is None:
                inner = owned = create_backend(config.backend, model=config.model)
            await inner.prepare()
            recorder = RecordingBackend(BoundedBackend(inner, config.concurrency), log)
            repo = await asyncio.to_thread(clone, config.repo, work)
            options = MinerOptions(min_files=config.min_files, max_files=config.max_files)
            mined = await asyncio.to_thread(mine_tasks, repo, options)
            if not mined:
                raise InputError(
                    f"no commit of {config.repo} changes at least {config.min_files} existing "
                    "source files; lower min_files or give a repository with more history"
                ).hinted("--min-files")
            tasks = pick_tasks(mined, config.tasks, config.seed)
            (out / "config.json").write_text(
                json.dumps(_config_json(config, recorder, repo, len(mined), tasks), indent=2)
                + "\n",
                encoding="utf-8",
            )
            with (out / "samples.jsonl").open("w", encoding="utf-8") as samples:
                state = _Run(config, recorder, samples)
                state.repo, state.work = repo, work
                with ProgressBar("repo tasks", len(tasks), config.progress) as bar:
                    state.bar = bar
                    await run_all(tasks, state.task, config.concurrency)
        finally:
            if owned is not None:
                await owned.aclose()
            log.close()
            shutil.rmtree(work, ignore_errors=True)
    hits = recorder.stats.hits if recorder else 0
    misses = recorder.stats.misses if recorder else 0
    return write_repo_outputs(out, hits=hits, misses=misses)
