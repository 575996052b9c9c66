"""Directory contexts for one tenant: add a folder, refresh it, sleep on it, ask the agent.

A directory context remembers its folder and snapshot options (``contexts.source``); each
distinct snapshot (included files' content plus HEAD) is one revision whose text is the
snapshot's manifest. A new revision is recorded whenever the folder is looked at and has
changed: ``add_directory`` again, ``refresh_directory``, and at the start of every
``sleep_directory`` and ``ask_agent`` — so an answer is always about the folder as it is
now, and notes of an older revision are never used silently. The background worker sleeps
on revisions recorded this way; it does not watch the folder.

These are functions over a ``Sleeptime`` view rather than methods, so the facade stays
small; ``Sleeptime.sleep`` and ``Sleeptime.ask`` route directory contexts here or refuse.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sleeptime.backends.base import Backend
from sleeptime.backends.pool import BackendSpec
from sleeptime.errors import InputError, NotFoundError, SleeptimeError
from sleeptime.names import check_name, check_question, check_utf8, shown
from sleeptime.repo.agent import AgentBudget
from sleeptime.repo.answer_agent import (
    RepoAnswer,
    answer_from_lookup,
    answer_request,
    warm_agent_prefix,
)
from sleeptime.repo.index import check_index_chars
from sleeptime.repo.index_run import check_index_only, run_index_sleep
from sleeptime.repo.lookup import LookupTable
from sleeptime.repo.sleep_run import describe_changes, run_directory_sleep
from sleeptime.repo.snapshot import Snapshot, SnapshotOptions, diff_snapshots
from sleeptime.repo.source import (
    DirectorySource,
    checked_snapshot,
    is_directory_source,
    parse_manifest,
    render_manifest,
)
from sleeptime.repo.tools import RepoTools
from sleeptime.sleep import EventSink, SleepBudget, SleepResult
from sleeptime.sleep.events import ignore_events
from sleeptime.sleep.recipes import Recipe
from sleeptime.store import ArtifactRecord, ContextRecord, QueryRecord, RevisionRecord
from sleeptime.values import AnswerMode

if TYPE_CHECKING:
    from sleeptime.app.facade import Sleeptime
    from sleeptime.settings import Settings

AGENT_LAYOUT = "agent"
"""The ``layout`` of a query answered by the repository agent (its budget is steps)."""
AUTO_FALLBACK_STEPS = 8
"""The agent's budget where ``auto`` does not answer from the lookup (as before ``auto``)."""


@dataclass(frozen=True, slots=True)
class DirectoryRevision:
    """A directory context after a look at its folder: the current revision and snapshot."""

    context: ContextRecord
    revision: RevisionRecord
    created: bool
    """Whether the look recorded a new revision (the folder had changed)."""
    snapshot: Snapshot


@dataclass(frozen=True, slots=True)
class AgentAskResult:
    """The files the agent named, the stored query and what it read."""

    answer: RepoAnswer
    query: QueryRecord
    revision: RevisionRecord
    artifact: ArtifactRecord | None
    stale_from: RevisionRecord | None
    latency_s: float
    refreshed: bool
    """Whether this question recorded a new revision first (the folder had changed)."""
    steps: int
    """The step budget that answered: 0 for sleep's lookup alone (given, or chosen by the
    ``auto`` default), else the agent's."""


def directory_of(context: ContextRecord) -> DirectorySource:
    """The folder of a directory context; ``InputError`` for a text context."""
    if not is_directory_source(context.source):
        raise InputError(
            f"context {context.name!r} holds text, not a directory; the repository agent "
            "works on directory contexts (add one with the path of a folder)"
        ).hinted(f"`sleeptime context add NAME PATH/`; ask {shown(context.name)} without --agent")
    return DirectorySource.from_json(context.source)


def refuse_directory(context: ContextRecord, action: str) -> None:
    """Raise ``InputError`` when ``context`` is a directory (text paths cannot serve it)."""
    if is_directory_source(context.source):
        raise InputError(
            f"context {context.name!r} is a directory context: {action} goes through the "
            "repository agent (sleeptime.app.repo_context.ask_agent), which reads the folder "
            "on this machine and is not offered here"
        ).hinted(f'`sleeptime ask {shown(context.name)} "REQUEST" --agent`')


def _record(
    app: Sleeptime, name: str, snapshot: Snapshot, source: DirectorySource
) -> DirectoryRevision:
    context, revision, created = app.store.add_context(
        app.tenant, name, render_manifest(snapshot), source=source.to_json()
    )
    if created:
        app.store.supersede_older(
            context.id,
            keep_revision_id=revision.id,
            reason=f"superseded by revision {revision.seq} of {name!r}",
        )
    return DirectoryRevision(context, revision, created, snapshot)


def add_directory(
    app: Sleeptime, name: str, path: Path, options: SnapshotOptions | None = None
) -> DirectoryRevision:
    """Add the folder ``path`` as context ``name`` (or record its new state).

    The snapshot is taken before anything is written: a missing path, a file, a folder
    with no readable text file, or a name that holds text fails with ``InputError`` and
    leaves the store as it was.
    """
    check_name(name)
    options = options or SnapshotOptions()
    snapshot = checked_snapshot(path, options)
    return _record(app, name, snapshot, DirectorySource(snapshot.root, options))


def refresh_directory(app: Sleeptime, name: str) -> DirectoryRevision:
    """Snapshot a directory context's folder again; a new revision if it changed."""
    check_utf8(name, "context name")
    context = app.store.get_context(app.tenant, name)
    source = directory_of(context)
    return _record(app, name, source.snapshot(), source)


async def sleep_directory(
    app: Sleeptime,
    name: str,
    *,
    budget: SleepBudget | None = None,
    backend: BackendSpec = None,
    model: str | None = None,
    on_event: EventSink = ignore_events,
    incremental: bool = True,
    refresh: bool = True,
    recipe: Recipe | None = None,
    index_chars: int | None = None,
    write_map: bool | None = None,
) -> SleepResult:
    """Refresh ``name`` from its folder, then write its architecture map (``c'``).

    The budget's ``max_rounds`` are the agent's steps, ``round_max_tokens`` cap each
    reply, ``memory_chars`` the map and ``max_sleep_tokens`` the run. With
    ``incremental`` a small change since an earlier map is slept on from that map.
    One agent writes the map: a recipe of several loops, or ``solve``, is refused.
    ``index_chars`` caps the model-free repository index put after the map (0: none;
    None: ``Settings.repo_index_chars``). ``write_map=False`` (None:
    ``Settings.repo_sleep_map``) writes the index alone with no model call; the answering
    backend then saves the prompt's state, as after a map.
    """
    if recipe is not None and (recipe.k > 1 or recipe.kind == "solve"):
        raise InputError(
            f"a directory context is slept on by one exploring agent; recipe {recipe.name!r} "
            "does not apply (use rethink, and more steps through max_rounds)"
        ).hinted("--recipe rethink --max-rounds N")
    index_chars = check_index_chars(
        app.settings.repo_index_chars if index_chars is None else index_chars
    )
    if write_map is None:
        write_map = app.settings.repo_sleep_map
    if not write_map:
        check_index_only(index_chars)
    if refresh:
        looked = await app.db.call(refresh_directory, app, name)
        context, revision = looked.context, looked.revision
    else:
        context, revision = await app.db.call(app.context, name)
        directory_of(context)
    if not write_map:
        indexed = await run_index_sleep(
            app.db, context, revision, index_chars, on_event=on_event,
            heartbeat_s=app.settings.heartbeat_s,
        )  # fmt: skip
        # No model wrote the notes, but the model that answers can still read them now:
        # the backend ``ask --agent`` uses by default (or the one named) saves the prompt
        # state, so the first request after sleep prefills only itself.
        try:
            answering = app.backend(backend, model)
        except SleeptimeError:
            return indexed
        return await warm_after_sleep(app.settings, answering, context, revision, indexed)
    chosen = app.runtime.backends.for_sleep(backend, model, False)
    result = await run_directory_sleep(
        app.db, context, revision, chosen, budget or SleepBudget(),
        seed=app.settings.seed, on_event=on_event, heartbeat_s=app.settings.heartbeat_s,
        incremental=incremental,
        index_chars=index_chars,
    )  # fmt: skip
    return await warm_after_sleep(app.settings, chosen, context, revision, result)


def _prefix_label(name: str, artifact: ArtifactRecord | None) -> str:
    return f"{name} agent, notes {artifact.id}" if artifact else f"{name} agent, no notes"


async def warm_after_sleep(
    settings: Settings,
    backend: Backend,
    context: ContextRecord,
    revision: RevisionRecord,
    result: SleepResult,
) -> SleepResult:
    """Save the KV state of the answer prompt on the new map (embedded backend only).

    Sleep-time work: the first ``ask --agent`` on these notes then prefills only its
    request. A folder that changed since the sleep makes a different prompt, so the
    state is simply not used; a failure to save costs that speed-up, nothing else.
    """
    try:
        snapshot = parse_manifest(revision.text).as_snapshot(directory_of(context).root)
        warmed = await warm_agent_prefix(
            backend, RepoTools(snapshot), notes=result.artifact.text,
            overview_paths=settings.repo_notes_overview_paths, tenant=context.tenant,
            label=_prefix_label(context.name, result.artifact),
        )  # fmt: skip
    except SleeptimeError:
        return result
    return replace(result, prefilled_tokens=warmed) if warmed else result


def _stale_notes(
    app: Sleeptime, context: ContextRecord, snapshot: Snapshot
) -> tuple[ArtifactRecord, RevisionRecord, str] | None:
    """The newest map of an older revision, introduced by the files changed since."""
    found = app.store.newest_artifact_of_context(context.id, tenant=app.tenant)
    if found is None:
        return None
    artifact, older = found
    diff = diff_snapshots(parse_manifest(older.text).as_snapshot(snapshot.root), snapshot)
    preface = (
        f"(These notes describe an earlier state of the repository, revision {older.seq}. "
        f"Files changed since:\n{describe_changes(diff)})\n\n"
    )
    return artifact, older, preface + artifact.text


async def ask_agent(
    app: Sleeptime,
    name: str,
    request: str,
    *,
    steps: int | None = None,
    mode: str = "sleep",
    backend: BackendSpec = None,
    model: str | None = None,
    allow_stale: bool = False,
    reply_tokens: int = 512,
    max_tokens: int = 40_000,
) -> AgentAskResult:
    """Ask the repository agent which files ``request`` needs changed, and record it.

    ``steps`` is the test-time budget ``b`` (model calls, the last one answers). In sleep
    mode the agent starts from the map of the current revision; with ``allow_stale`` the
    newest map of an older revision is used, headed by the files changed since. At
    ``steps=0`` (sleep mode only) no model runs: the answer is sleep's word lookup of the
    request (``answer_agent.answer_from_lookup``). ``steps=None`` is
    ``Settings.repo_agent_budget``; its default, ``auto``, is that lookup where it finds a
    file and the agent at ``AUTO_FALLBACK_STEPS`` elsewhere (why: that setting's docs).
    ``AgentAskResult.steps`` says which budget answered.
    """
    try:
        typed_mode = AnswerMode(mode)
    except ValueError:
        raise InputError(f"mode must be one of {', '.join(AnswerMode)}; got {mode!r}") from None
    check_question(request)
    if steps is None:
        steps = _default_steps(app, typed_mode)
    if steps is not None and steps < 0:
        raise InputError(
            f"the step budget must be 0 (sleep's word lookup alone) or more; got {steps}"
        )
    if steps == 0:
        _check_lookup_answer(app, typed_mode)
    looked = await app.db.call(refresh_directory, app, name)
    revision = looked.revision
    artifact: ArtifactRecord | None = None
    stale_from: RevisionRecord | None = None
    notes: str | None = None
    if typed_mode == AnswerMode.SLEEP:
        artifact = await app.db.call(app.store.latest_artifact, revision.id, tenant=app.tenant)
        notes = artifact.text if artifact else None
        if artifact is None and allow_stale:
            stale = await app.db.call(_stale_notes, app, looked.context, looked.snapshot)
            if stale is not None:
                artifact, stale_from, notes = stale
        if artifact is None:
            changed = " (the folder changed since it was last slept on)" if looked.created else ""
            raise NotFoundError(
                f"context {name!r} (revision {revision.seq}) has no notes yet{changed}: sleep "
                "on it first (an incremental sleep is quick after a small change), ask in "
                "baseline mode, or allow the notes of an older revision"
            ).hinted(f"`sleeptime sleep {shown(name)}`, --mode baseline, or --allow-stale")
    tools = RepoTools(looked.snapshot)
    if steps is None or steps == 0:
        found = await _answer_from_lookup(
            app, looked, artifact, stale_from, request, tools, required=steps == 0
        )
        if found is not None:
            return found
        steps = AUTO_FALLBACK_STEPS
    budget = AgentBudget(max_steps=steps, max_tokens=max_tokens, reply_tokens=reply_tokens)
    chosen = app.backend(backend, model)
    overview_paths = app.settings.repo_notes_overview_paths
    started = time.perf_counter()
    # The first request on these notes saves their prompt's KV state (the prefill it needs
    # anyway), so the next request, in any process, prefills only itself. A state that
    # cannot be saved costs that speed-up, not the answer.
    with contextlib.suppress(SleeptimeError):
        await warm_agent_prefix(
            chosen, tools, notes=notes, overview_paths=overview_paths, tenant=app.tenant,
            label=_prefix_label(name, artifact), background=False,
        )  # fmt: skip
    lookup = await app.db.call(_lookup_table, app, artifact) if notes is not None else None
    answer = await answer_request(
        chosen, tools, request, notes=notes, budget=budget, overview_paths=overview_paths,
        lookup=lookup, lookup_files=app.settings.repo_lookup_files,
        lookup_style=app.settings.repo_lookup_style,
    )  # fmt: skip
    latency = time.perf_counter() - started
    query = await app.db.call(
        _record_query, app, looked, artifact, stale_from, request, typed_mode, budget.max_steps,
        budget.reply_tokens, answer, chosen.info.backend, chosen.info.model, latency,
    )  # fmt: skip
    return AgentAskResult(
        answer=answer, query=query, revision=revision, artifact=artifact,
        stale_from=stale_from, latency_s=latency, refreshed=looked.created, steps=steps,
    )  # fmt: skip


def _default_steps(app: Sleeptime, mode: AnswerMode) -> int | None:
    """The step budget when none is given; ``None``: sleep's lookup if it finds a file."""
    chosen = app.settings.repo_agent_budget
    if isinstance(chosen, int):
        return chosen
    if mode != AnswerMode.SLEEP or app.settings.repo_lookup_files == 0:
        return AUTO_FALLBACK_STEPS
    return None


def _check_lookup_answer(app: Sleeptime, mode: AnswerMode) -> None:
    """Refuse a step budget of 0 where there is no lookup to answer from, before any work."""
    if mode != AnswerMode.SLEEP:
        raise InputError(
            "a step budget of 0 answers from sleep's word lookup with no model call, so it "
            "needs sleep mode; test-time only needs at least 1 step"
        ).hinted("--budget 1 or more, or drop --mode baseline")
    if app.settings.repo_lookup_files == 0:
        raise InputError(
            "a step budget of 0 answers from sleep's word lookup, and the lookup is off "
            "(SLEEPTIME_REPO_LOOKUP_FILES=0)"
        ).hinted("set SLEEPTIME_REPO_LOOKUP_FILES to 1 or more, or give --budget 1 or more")


async def _answer_from_lookup(
    app: Sleeptime,
    looked: DirectoryRevision,
    artifact: ArtifactRecord | None,
    stale_from: RevisionRecord | None,
    request: str,
    tools: RepoTools,
    *,
    required: bool,
) -> AgentAskResult | None:
    """``ask_agent`` at a step budget of 0: the looked-up files, recorded like any answer.

    The query is credited to the backend and model of the sleep run that built the table
    (no model runs now), as an anticipated answer is. Unless ``required`` (an explicit
    budget of 0), ``None`` where there is no table or it finds no file, so that the
    agent answers instead and nothing is recorded here.
    """
    started = time.perf_counter()
    found = await app.db.call(_lookup_of_run, app, artifact)
    if found is None:
        if not required:
            return None
        raise NotFoundError(
            f"the notes of {shown(looked.context.name)} have no word lookup (slept before it "
            "existed, or by another version): a step budget of 0 answers from it alone"
        ).hinted(f"`sleeptime sleep {shown(looked.context.name)}` again, or --budget 1 or more")
    table, backend_name, model_name = found
    answer = answer_from_lookup(tools, request, table, app.settings.repo_lookup_files)
    if not answer.files and not required:
        return None
    latency = time.perf_counter() - started
    query = await app.db.call(
        _record_query, app, looked, artifact, stale_from, request, AnswerMode.SLEEP, 0, None,
        answer, backend_name, model_name, latency,
    )  # fmt: skip
    return AgentAskResult(
        answer=answer, query=query, revision=looked.revision, artifact=artifact,
        stale_from=stale_from, latency_s=latency, refreshed=looked.created, steps=0,
    )  # fmt: skip


def _lookup_of_run(
    app: Sleeptime, artifact: ArtifactRecord | None
) -> tuple[LookupTable, str, str] | None:
    """The table ``artifact``'s sleep run stored, with that run's backend and model."""
    if artifact is None:
        return None
    run = app.store.get_run(artifact.run_id, tenant=app.tenant)
    table = LookupTable.from_json(run.details.get("lookup"))
    return None if table is None else (table, run.backend, run.model)


def _lookup_table(app: Sleeptime, artifact: ArtifactRecord | None) -> LookupTable | None:
    """The word-lookup table sleep stored with ``artifact``'s run, if it has one."""
    if app.settings.repo_lookup_files == 0:
        return None
    found = _lookup_of_run(app, artifact)
    return found[0] if found else None


def _record_query(
    app: Sleeptime,
    looked: DirectoryRevision,
    artifact: ArtifactRecord | None,
    stale_from: RevisionRecord | None,
    request: str,
    mode: AnswerMode,
    steps: int,
    reply_tokens: int | None,
    answer: RepoAnswer,
    backend_name: str,
    model_name: str,
    latency_s: float,
) -> QueryRecord:
    run = answer.run
    return app.store.record_query(
        context_id=looked.context.id,
        revision_id=looked.revision.id,
        artifact_id=artifact.id if artifact else None,
        text=request.strip(),
        mode=mode,
        budget=steps,
        layout=AGENT_LAYOUT,
        max_tokens=reply_tokens,
        answer=run.text,
        backend=backend_name,
        model=model_name,
        prompt_version="+".join(run.prompt_keys),
        usage=run.usage,
        latency_s=latency_s,
        details={
            "served": "agent",
            "files": list(answer.files),
            "unknown": list(answer.unknown),
            "steps": len(run.steps),
            "tool_calls": run.tool_calls,
            "stop": run.stop,
            "looked_up": list(answer.looked_up),
            "snapshot": looked.snapshot.content_hash,
            **({"stale_notes_of_revision": stale_from.seq} if stale_from else {}),
        },
    )
