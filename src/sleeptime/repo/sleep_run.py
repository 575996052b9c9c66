"""One sleep run on a directory context, recorded like any other run.

The run goes through the same store path as a text context's (``start_run`` or a queued
run a worker claimed, a ``RunRecorder`` for heartbeats, stop requests and the single
final write), so ``runs``, ``jobs``, ``stats`` and the worker see it like any other. What
differs is the work: an agent explores the folder with the repository tools and writes
an architecture map as ``c'``. When an earlier revision has a map and only a small part
of the tree changed, the agent starts from that map and is told which files changed
(``details["incremental"]``), with fewer steps. With ``index_chars`` the model-free
repository index (``repo/index.py``) follows the map in ``c'`` (artifact format
``INDEX_FORMAT``, ``details["index"]``); an incremental run updates the map alone and
builds the index again.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any

from sleeptime.backends.base import Backend
from sleeptime.errors import InputError, SleeptimeError
from sleeptime.prompts import load_prompt
from sleeptime.repo.agent import AgentBudget, AgentStep
from sleeptime.repo.index import (
    INDEX_FORMAT,
    INDEX_PROMPT,
    RenderedIndex,
    build_index,
    split_index,
    with_index,
)
from sleeptime.repo.lookup import LookupTable
from sleeptime.repo.sleep_agent import EarlierNotes, RepoNotes, sleep_on_repository
from sleeptime.repo.snapshot import Snapshot, SnapshotDiff, diff_snapshots
from sleeptime.repo.source import DirectorySource, parse_manifest, render_manifest
from sleeptime.repo.tools import RepoTools
from sleeptime.sleep.events import EventSink, SleepEvent, SleepEventKind, ignore_events
from sleeptime.sleep.recipes import SleepBudget
from sleeptime.sleep.recorder import RunRecorder
from sleeptime.sleep.runner import SleepResult
from sleeptime.store import ContextRecord, RevisionRecord, RunRecord
from sleeptime.store.aio import AsyncStore
from sleeptime.store.contexts import sha256_hex
from sleeptime.values import Usage

REPO_RECIPE = "repo-map"
"""The recipe name directory runs are recorded with (one exploring agent)."""
REPO_RECIPE_VERSION = "1"
DEFAULT_SLEEP_TOKENS = 120_000
"""Prompt plus generated tokens of one run when the budget sets no ``max_sleep_tokens``."""
INCREMENTAL_SHARE = 0.25
"""Re-sleep from the earlier map only when at most this share of the files changed."""
LISTED_CHANGES = 60
"""Changed files named to the agent (and in the run record); more are counted."""


class TreeChangedError(InputError):
    """The folder no longer matches the revision the run was asked for."""


@dataclass(frozen=True, slots=True)
class SleepPlan:
    """What a directory run will do: the snapshot, and the earlier map if incremental."""

    snapshot: Snapshot
    earlier: EarlierNotes | None
    steps: int
    incremental: dict[str, Any] | None


def agent_budget(budget: SleepBudget, steps: int) -> AgentBudget:
    """The agent's limits from a sleep budget: rounds are steps, round tokens cap a reply."""
    return AgentBudget(
        max_steps=steps,
        max_tokens=budget.max_sleep_tokens or DEFAULT_SLEEP_TOKENS,
        reply_tokens=budget.round_max_tokens,
    )


def describe_changes(diff: SnapshotDiff, limit: int = LISTED_CHANGES) -> str:
    """The changed files as the agent reads them, one per line, capped."""
    lines = [f"- {path} (added)" for path in diff.added]
    lines += [f"- {path} (modified)" for path in diff.modified]
    lines += [f"- {path} (removed)" for path in diff.removed]
    if not lines:
        return "(no file changed; only the commit the folder is at moved)"
    shown = sorted(lines)[:limit]
    if len(lines) > limit:
        shown.append(f"... and {len(lines) - limit} more")
    return "\n".join(shown)


def snapshot_for(source: DirectorySource, revision: RevisionRecord) -> Snapshot:
    snapshot = source.snapshot()
    if sha256_hex(render_manifest(snapshot)) != revision.sha256:
        raise TreeChangedError(
            f"the folder {source.root} changed since revision {revision.seq} was recorded; "
            "record the new state (a refresh; sleep and ask do it themselves) and sleep on it"
        ).hinted("`sleeptime context refresh NAME`")
    return snapshot


def _earlier(
    db: AsyncStore, context: ContextRecord, revision: RevisionRecord
) -> tuple[RevisionRecord, str, int] | None:
    """The newest map of an older revision: (revision, map text, artifact id)."""
    store = db.sync
    for older in reversed(store.list_revisions(context.id, tenant=context.tenant)):
        if older.seq >= revision.seq:
            continue
        artifact = store.latest_artifact(older.id, tenant=context.tenant)
        if artifact is not None:
            # The agent updates its own map; the index is built again from the files.
            text = artifact.text
            if artifact.format_version == INDEX_FORMAT:
                text = split_index(text)[0]
            return older, text, artifact.id
    return None


async def plan_sleep(
    db: AsyncStore,
    context: ContextRecord,
    revision: RevisionRecord,
    budget: SleepBudget,
    *,
    incremental: bool = True,
) -> SleepPlan:
    """Snapshot the folder (it must match ``revision``) and choose full or incremental."""
    source = DirectorySource.from_json(context.source)
    snapshot = await asyncio.to_thread(snapshot_for, source, revision)
    found = await db.call(_earlier, db, context, revision) if incremental else None
    if found is None:
        return SleepPlan(snapshot, None, budget.max_rounds, None)
    older, notes, artifact_id = found
    diff = diff_snapshots(parse_manifest(older.text).as_snapshot(snapshot.root), snapshot)
    changed = diff.changed
    if len(changed) > max(1, INCREMENTAL_SHARE * len(snapshot.files)):
        return SleepPlan(snapshot, None, budget.max_rounds, None)
    # Three tool calls per step read the changed files; one more step writes the map.
    steps = min(budget.max_rounds, max(2, math.ceil(len(changed) / 3) + 1))
    details = {
        "from_artifact": artifact_id,
        "from_revision": older.seq,
        "added": list(diff.added[:LISTED_CHANGES]),
        "modified": list(diff.modified[:LISTED_CHANGES]),
        "removed": list(diff.removed[:LISTED_CHANGES]),
        "changed": len(changed),
        "files": len(snapshot.files),
        "steps": steps,
        "prompt": load_prompt("repo_sleep_update").key,
    }
    return SleepPlan(snapshot, EarlierNotes(notes, describe_changes(diff)), steps, details)


def prompt_versions(plan: SleepPlan, native_tools: bool, index_chars: int = 0) -> dict[str, str]:
    """The prompts a directory run uses (recorded on the run)."""
    task = "repo_sleep_update" if plan.earlier is not None else "repo_sleep_task"
    versions = {
        "repo_sleep_system": load_prompt("repo_sleep_system").key,
        task: load_prompt(task).key,
    }
    if not native_tools:
        versions["repo_text_protocol"] = load_prompt("repo_text_protocol").key
    if index_chars:
        versions[INDEX_PROMPT] = load_prompt(INDEX_PROMPT).key
    return versions


def _settings(
    backend: Backend, budget: SleepBudget, plan: SleepPlan, seed: int, source: Any,
    index_chars: int,
) -> dict[str, Any]:  # fmt: skip
    return {
        **({"index_chars": index_chars} if index_chars else {}),
        "budget": budget.to_dict(),
        "agent": {
            "max_steps": plan.steps,
            "max_tokens": agent_budget(budget, plan.steps).max_tokens,
            "reply_tokens": budget.round_max_tokens,
            "notes_chars": budget.memory_chars,
        },
        "temperature": 0.0,
        "seed": seed,
        "k": 1,
        "native_tools": backend.info.native_tools,
        "backend_details": backend.info.details,
        "source": source,
        "snapshot": plan.snapshot.content_hash,
    }


async def run_directory_sleep(
    db: AsyncStore,
    context: ContextRecord,
    revision: RevisionRecord,
    backend: Backend,
    budget: SleepBudget,
    *,
    seed: int = 0,
    on_event: EventSink = ignore_events,
    heartbeat_s: float = 15.0,
    run: RunRecord | None = None,
    owner: str | None = None,
    lease_s: float | None = None,
    incremental: bool = True,
    index_chars: int = 0,
) -> SleepResult:
    """Write an architecture map of ``revision``'s folder as its artifact.

    Without ``run`` a foreground run is started once the folder is checked against the
    revision (a mismatch writes nothing: ``TreeChangedError``); a worker passes the run it
    claimed, which then ends ``failed`` with the reason if the folder moved on. With
    ``index_chars`` (0: off) the model-free index follows the map, capped at that many
    characters; a map the model left empty then still makes an artifact.
    """
    plan: SleepPlan | None = None
    if run is None:
        await backend.prepare()
        plan = await plan_sleep(db, context, revision, budget, incremental=incremental)
        run = await db.call(
            db.sync.start_run,
            revision.id,
            recipe=REPO_RECIPE,
            recipe_version=REPO_RECIPE_VERSION,
            prompt_versions=prompt_versions(plan, backend.info.native_tools, index_chars),
            backend=backend.info.backend,
            model=backend.info.model,
            settings=_settings(backend, budget, plan, seed, context.source, index_chars),
            owner=owner,
            **({"lease_s": lease_s} if lease_s is not None else {}),
        )
    recorder = RunRecorder(db, run, heartbeat_s=heartbeat_s, lease_s=lease_s)
    usage = Usage()
    steps: list[AgentStep] = []

    def step_done(step: AgentStep) -> None:
        steps.append(step)
        usage.add(step.usage)
        recorder.progress(len(steps))
        on_event(
            SleepEvent(
                SleepEventKind.ROUND_END, loop=0, round=len(steps), usage=usage,
                max_rounds=plan.steps if plan else budget.max_rounds,
            )
        )  # fmt: skip

    async def work() -> tuple[RepoNotes, SleepPlan, RenderedIndex | None, dict[str, Any] | None]:
        chosen = plan
        if chosen is None:
            await backend.prepare()
            chosen = await plan_sleep(db, context, revision, budget, incremental=incremental)
        on_event(
            SleepEvent(SleepEventKind.RUN_START, loops=1, max_rounds=chosen.steps, usage=usage)
        )
        notes = await sleep_on_repository(
            backend,
            RepoTools(chosen.snapshot),
            max_chars=budget.memory_chars,
            budget=agent_budget(budget, chosen.steps),
            earlier=chosen.earlier,
            on_step=step_done,
        )
        index = None
        lookup: dict[str, Any] | None = None
        if index_chars:
            built = await asyncio.to_thread(build_index, chosen.snapshot)
            index = built.render(index_chars)
            lookup = LookupTable.from_index(built).to_json()
        if not notes.text and not (index and index.text):
            raise SleeptimeError(
                f"the agent wrote no map in {len(notes.run.steps)} steps; give it more steps "
                "(the budget's max_rounds) or use a stronger model, and see the run's record "
                f"(run {run.id[:8]})"
            ).hinted(f"--max-rounds, --model; `sleeptime runs show {run.id[:8]}`")
        return notes, chosen, index, lookup

    try:
        notes, chosen, index, lookup = await recorder.watch(work())
    except BaseException as exc:
        await recorder.end(exc, usage=usage, rounds=len(steps), partial_text=None, details={})
        raise
    details = _details(notes, chosen)
    text = notes.text
    if index is not None:
        details["index"] = {**index.details(), "map_chars": len(notes.text)}
        details["lookup"] = lookup
        text = with_index(notes.text, index.text)
    artifact = await recorder.complete(
        artifact_text=text, usage=notes.run.usage, rounds=len(notes.run.steps),
        details=details, anticipated=[],
        **({"format_version": INDEX_FORMAT} if index is not None and index.text else {}),
    )  # fmt: skip
    on_event(
        SleepEvent(
            SleepEventKind.RUN_END, loops=1, usage=notes.run.usage,
            notes_chars=len(text), message=run.id,
        )
    )  # fmt: skip
    return SleepResult(artifact=artifact, run_id=run.id, usage=notes.run.usage, loops=())


def snapshot_details(snapshot: Snapshot) -> dict[str, Any]:
    """What a run records of the tree it slept on (``details["snapshot"]``)."""
    return {
        "hash": snapshot.content_hash,
        "kind": snapshot.kind,
        "head": snapshot.head,
        "files": len(snapshot.files),
        "bytes": snapshot.total_bytes,
        "skipped": len(snapshot.skipped),
    }


def _details(notes: RepoNotes, plan: SleepPlan) -> dict[str, Any]:
    return {
        "agent": {
            "steps": len(notes.run.steps),
            "tool_calls": notes.run.tool_calls,
            "stop": notes.run.stop,
            "clipped": notes.clipped,
            "prompts": list(notes.run.prompt_keys),
        },
        "snapshot": snapshot_details(plan.snapshot),
        **({"incremental": plan.incremental} if plan.incremental else {}),
    }
