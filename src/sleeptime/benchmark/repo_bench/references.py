"""Add the model-free reference rows a finished ``bench repo`` run lacks, with no model call.

Why: the references (``most_changed_3``, and ``lookup_5``, sleep's answer at a step budget
of 0) came after some committed runs, whose model calls cost hours. Both depend only on
the repository at each task's parent (the index and the lookup table built from it, as
the run itself builds them), so they can be computed later, exactly, from the same
repository: each task is checked out at its parent again, the rows are appended to
``samples.jsonl`` and the report and plot are rendered again. Rows a run already has are
left alone, so running it twice adds nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sleeptime.benchmark.experiments.outlock import OutputFolderLock
from sleeptime.benchmark.repo_bench.report import write_repo_outputs
from sleeptime.benchmark.repo_bench.run import (
    EXPERIMENT,
    REFERENCE_FILES,
    clone,
    reference_rows,
    task_base,
    task_id,
)
from sleeptime.benchmark.report import read_rows
from sleeptime.errors import InputError
from sleeptime.repo.index import build_index
from sleeptime.repo.lookup import LOOKUP_FILES, LookupTable
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tasks import MinerOptions, RepoTask, mine_tasks, parent_checkout

REFERENCE_NAMES = (f"most_changed_{REFERENCE_FILES}", f"lookup_{LOOKUP_FILES}")


@dataclass(frozen=True)
class AddedReferences:
    """What ``add_references`` wrote: rows per reference name, and the rendered files."""

    added: dict[str, int]
    tasks: int
    files: list[Path]


def _run_config(out: Path) -> dict[str, Any]:
    path = out / "config.json"
    if not path.is_file():
        raise InputError(f"{out} has no config.json; give the --out folder of `bench repo`")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not a readable JSON file: {exc}") from None
    if not isinstance(config, dict) or config.get("experiment") != EXPERIMENT:
        raise InputError(
            f"{out} is not the output of `bench repo` (its config.json names experiment "
            f"{config.get('experiment') if isinstance(config, dict) else None!r})"
        )
    return config


def _missing(out: Path, config: dict[str, Any]) -> dict[str, list[str]]:
    """Per task id of the run, the reference names it has no row for yet."""
    if not (out / "samples.jsonl").is_file():
        raise InputError(f"{out} has no samples.jsonl; only a run's report was kept there")
    have = {
        (row.get("task"), row.get("name"))
        for row in read_rows(out)
        if row.get("kind") == "reference"
    }
    tasks = config.get("tasks")
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and "task" in t for t in tasks):
        raise InputError(f"{out}/config.json has no list of tasks with their ids; is it whole?")
    wanted = [str(t["task"]) for t in tasks]
    missing = {t: [n for n in REFERENCE_NAMES if (t, n) not in have] for t in wanted}
    return {t: names for t, names in missing.items() if names}


def _ends_a_line(path: Path) -> bool:
    """Whether ``path`` is empty or ends with a newline (so an appended row starts a line)."""
    with path.open("rb") as raw:
        if raw.seek(0, 2) == 0:
            return True
        raw.seek(-1, 2)
        return raw.read(1) == b"\n"


def _rows(task: RepoTask, dest: Path, names: list[str]) -> list[dict[str, Any]]:
    """The rows named ``names`` of ``task``, built as the run builds them."""
    snapshot = take_snapshot(dest)
    built = build_index(snapshot)
    base = {"experiment": EXPERIMENT, **task_base(task, snapshot)}
    rows = reference_rows(built, LookupTable.from_index(built), task)
    return [{**base, **row} for row in rows if row["name"] in names]


def add_references(
    out: Path, repo: Path, *, progress: Callable[[str], None] | None = None
) -> AddedReferences:
    """Append the reference rows ``out``'s tasks lack, computed from ``repo``; re-render.

    ``repo`` must hold the run's history (the folder or bundle the run was given, or a
    clone of it): each task is found again by its commit among the mined tasks.
    """
    out = out.resolve()  # git places a worktree given a relative path under the clone
    config = _run_config(out)
    missing = _missing(out, config)
    added = dict.fromkeys(REFERENCE_NAMES, 0)
    if missing:
        settings = config.get("config") or {}
        try:
            options = MinerOptions(
                min_files=int(settings.get("min_files", 3)),
                max_files=int(settings.get("max_files", 20)),
            )
        except (AttributeError, TypeError, ValueError):
            raise InputError(
                f"{out}/config.json's config has no whole min_files / max_files; is it whole?"
            ) from None
        with OutputFolderLock(out):
            work = out / ".work"
            shutil.rmtree(work, ignore_errors=True)  # left by an interrupted run
            work.mkdir()
            try:
                cloned = clone(repo, work)
                mined = {task_id(t): t for t in mine_tasks(cloned, options)}
                absent = [t for t in missing if t not in mined]
                if absent:
                    raise InputError(
                        f"{len(absent)} of the run's tasks (first {absent[0]}) are not "
                        f"commits of {repo} that change {options.min_files}-"
                        f"{options.max_files} source files; give the repository the run used"
                    )
                path = out / "samples.jsonl"
                with path.open("a", encoding="utf-8") as samples:
                    if not _ends_a_line(path):
                        samples.write("\n")  # an interrupted run's partial last line
                    for number, (name, names) in enumerate(missing.items(), 1):
                        task = mined[name]
                        with parent_checkout(cloned, task, work / name) as dest:
                            rows = _rows(task, dest, names)
                        for row in rows:
                            samples.write(json.dumps(row) + "\n")
                            added[row["name"]] += 1
                        samples.flush()
                        if progress is not None:
                            progress(f"{number}/{len(missing)} {name}")
            finally:
                shutil.rmtree(work, ignore_errors=True)
    written = write_repo_outputs(out)
    return AddedReferences(added=added, tasks=len(missing), files=written.files)
