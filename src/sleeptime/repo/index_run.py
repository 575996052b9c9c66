"""A sleep run on a directory context that writes the repository index alone, no model.

Why: on the simonw/llm benchmark (bench/results/repo-qwen1.5b-compact-1200/) the index
alone, shown instead of the overview's path list, scored higher F1 than the 1.5B model's
map plus the index (0.378 / 0.446 against 0.368 / 0.415 at step budgets 1 / 2) with
400-540 fewer test-time tokens a request, and it costs no model call at sleep time; at
``ask --agent``'s default budget 8 it scored higher again (0.496 against 0.373, 8 tasks
higher and 1 lower, bench/results/repo-qwen1.5b-latency-kv-b8-map-ov2/), so it is the
default (``Settings.repo_sleep_map`` False). A strong model's map may add what the index
cannot say: ``sleep --map``.

The run is recorded like any other (recipe ``repo-index``, backend ``none``, zero usage),
so ``runs``, ``jobs``, ``stats`` and the worker's lease and stop handling see it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt
from sleeptime.repo.index import INDEX_FORMAT, INDEX_PROMPT, RepoIndex, build_index
from sleeptime.repo.lookup import LookupTable
from sleeptime.repo.sleep_run import snapshot_details, snapshot_for
from sleeptime.repo.snapshot import Snapshot
from sleeptime.repo.source import DirectorySource
from sleeptime.sleep.events import EventSink, SleepEvent, SleepEventKind, ignore_events
from sleeptime.sleep.recorder import RunRecorder
from sleeptime.sleep.runner import SleepResult
from sleeptime.store import ContextRecord, RevisionRecord, RunRecord
from sleeptime.store.aio import AsyncStore
from sleeptime.values import Usage

INDEX_RECIPE = "repo-index"
"""The recipe name index-only directory runs are recorded with."""
INDEX_RECIPE_VERSION = "1"
NO_BACKEND = "none"
"""Backend and model recorded on a run that called no model."""


def check_index_only(index_chars: int) -> int:
    """An index-only sleep with the index off would write nothing: refuse it up front."""
    if index_chars <= 0:
        raise InputError(
            "sleeping without the map writes the repository index alone, and the index is "
            "off (index_chars 0): give it characters, or sleep with the map"
        ).hinted("--index-chars 1200, or add --map")
    return index_chars


async def run_index_sleep(
    db: AsyncStore,
    context: ContextRecord,
    revision: RevisionRecord,
    index_chars: int,
    *,
    on_event: EventSink = ignore_events,
    heartbeat_s: float = 15.0,
    run: RunRecord | None = None,
    owner: str | None = None,
    lease_s: float | None = None,
) -> SleepResult:
    """Write ``revision``'s folder's repository index (capped at ``index_chars``) as c'.

    Without ``run`` a foreground run is started once the folder is checked against the
    revision (a mismatch writes nothing); a worker passes the run it claimed.
    """
    check_index_only(index_chars)
    source = DirectorySource.from_json(context.source)
    checked: Snapshot | None = None
    if run is None:
        # A folder that moved on writes nothing: no run is started for it.
        checked = await asyncio.to_thread(snapshot_for, source, revision)
        run = await db.call(
            db.sync.start_run,
            revision.id,
            recipe=INDEX_RECIPE,
            recipe_version=INDEX_RECIPE_VERSION,
            prompt_versions={INDEX_PROMPT: load_prompt(INDEX_PROMPT).key},
            backend=NO_BACKEND,
            model=NO_BACKEND,
            settings=_settings(index_chars, context.source, checked.content_hash),
            owner=owner,
            **({"lease_s": lease_s} if lease_s is not None else {}),
        )
    recorder = RunRecorder(db, run, heartbeat_s=heartbeat_s, lease_s=lease_s)
    usage = Usage()
    on_event(SleepEvent(SleepEventKind.RUN_START, loops=1, max_rounds=0, usage=usage))

    async def work() -> tuple[Snapshot, RepoIndex]:
        # A claimed run checks the folder here, so a mismatch ends the run with the reason.
        snapshot = checked
        if snapshot is None:
            snapshot = await asyncio.to_thread(snapshot_for, source, revision)
        return snapshot, await asyncio.to_thread(build_index, snapshot)

    try:
        snapshot, built = await recorder.watch(work())
    except BaseException as exc:
        await recorder.end(exc, usage=usage, rounds=0, partial_text=None, details={})
        raise
    index = built.render(index_chars)
    details = {
        "index": {**index.details(), "map_chars": 0},
        "lookup": LookupTable.from_index(built).to_json(),
        "snapshot": snapshot_details(snapshot),
    }
    artifact = await recorder.complete(
        artifact_text=index.text, usage=usage, rounds=0, details=details, anticipated=[],
        format_version=INDEX_FORMAT,
    )  # fmt: skip
    on_event(
        SleepEvent(
            SleepEventKind.RUN_END, loops=1, usage=usage, notes_chars=len(index.text),
            message=run.id,
        )
    )  # fmt: skip
    return SleepResult(artifact=artifact, run_id=run.id, usage=usage, loops=())


def _settings(index_chars: int, source: Any, snapshot_hash: str) -> dict[str, Any]:
    return {
        "index_chars": index_chars,
        "map": False,
        "source": source,
        "snapshot": snapshot_hash,
    }
