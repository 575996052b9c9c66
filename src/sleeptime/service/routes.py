"""The REST API: contexts and revisions, notes (``c'``) with diffs, jobs, questions, stats.

Every route works on the caller's tenant view (``auth.tenant_app``); a name or id of
another tenant is "not found", exactly like one that does not exist. Database calls go
through ``AsyncStore`` so no request blocks the event loop.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from sleeptime.app import AnswerNotRecordedError, AskResult
from sleeptime.errors import InputError, NotFoundError
from sleeptime.service.auth import TenantApp
from sleeptime.service.schemas import (
    AnswerOut,
    ArtifactOut,
    AskIn,
    ContextDetailOut,
    ContextIn,
    ContextOut,
    ContextSummaryOut,
    DiffOut,
    RevisionOut,
    RunOut,
    TextIn,
    UsageOut,
)
from sleeptime.sleep.recipes import SleepBudget, parse_recipe
from sleeptime.values import RunStatus
from sleeptime.worker.spec import enqueue_sleep

router = APIRouter(prefix="/v1")


@router.post("/contexts", status_code=201, response_model=ContextOut, tags=["contexts"])
async def create_context(body: ContextIn, app: TenantApp, response: Response) -> ContextOut:
    """Create a context, or add a revision to an existing one (200 when the text is unchanged)."""
    context, revision, created = await app.db.call(app.add_context, body.name, body.text)
    if not created:
        response.status_code = 200
    return ContextOut(name=context.name, revision=RevisionOut.of(revision), created=created)


@router.get("/contexts", response_model=list[ContextSummaryOut], tags=["contexts"])
async def list_contexts(app: TenantApp) -> list[ContextSummaryOut]:
    """The caller's contexts with the state of their current revisions."""
    return [ContextSummaryOut.of(s) for s in await app.db.call(app.contexts)]


@router.get("/contexts/{name}", response_model=ContextDetailOut, tags=["contexts"])
async def show_context(
    name: str, app: TenantApp, notes: bool = Query(True, description="Include c' text.")
) -> ContextDetailOut:
    """A context: current text, revisions, current notes and recent runs."""
    view = await app.db.call(app.show, name)
    return ContextDetailOut(
        name=view.context.name,
        revision=RevisionOut.of(view.revision),
        text=view.revision.text,
        revisions=[RevisionOut.of(r) for r in view.revisions],
        notes=ArtifactOut.of(view.artifact, view.revision.seq, text=notes)
        if view.artifact
        else None,
        runs=[RunOut.of(r) for r in view.runs],
    )


@router.put("/contexts/{name}", response_model=ContextOut, tags=["contexts"])
async def replace_context(name: str, body: TextIn, app: TenantApp) -> ContextOut:
    """Replace a context's text (a new revision; older notes are never used for it)."""
    context, revision, created = await app.db.call(app.add_context, name, body.text)
    return ContextOut(name=context.name, revision=RevisionOut.of(revision), created=created)


@router.post("/contexts/{name}/append", response_model=ContextOut, tags=["contexts"])
async def append_context(name: str, body: TextIn, app: TenantApp) -> ContextOut:
    """Append text to a context (a new revision); growing texts are slept on incrementally."""
    context, revision, created = await app.db.call(app.append_context, name, body.text)
    return ContextOut(name=context.name, revision=RevisionOut.of(revision), created=created)


@router.delete("/contexts/{name}", status_code=204, tags=["contexts"])
async def delete_context(name: str, app: TenantApp) -> Response:
    """Delete a context with its revisions, runs, notes and queries."""
    await app.db.call(app.delete_context, name)
    return Response(status_code=204)


@router.get("/contexts/{name}/revisions", response_model=list[RevisionOut], tags=["contexts"])
async def list_revisions(name: str, app: TenantApp) -> list[RevisionOut]:
    """Every revision of a context, oldest first."""
    view = await app.db.call(app.show, name)
    return [RevisionOut.of(r) for r in view.revisions]


@router.get("/contexts/{name}/notes", response_model=list[ArtifactOut], tags=["notes"])
async def list_notes(name: str, app: TenantApp) -> list[ArtifactOut]:
    """The history of ``c'``: every artifact of every revision, newest first (no text)."""
    history = await app.db.call(app.notes_history, name)
    return [ArtifactOut.of(a, seq, text=False) for a, seq in history]


@router.get("/contexts/{name}/notes/{artifact_id}", response_model=ArtifactOut, tags=["notes"])
async def show_notes(name: str, artifact_id: int, app: TenantApp) -> ArtifactOut:
    """One artifact with its text."""
    for artifact, seq in await app.db.call(app.notes_history, name):
        if artifact.id == artifact_id:
            return ArtifactOut.of(artifact, seq, text=True)
    raise NotFoundError(f"context {name!r} has no notes with id {artifact_id}")


@router.get("/contexts/{name}/notes-diff", response_model=DiffOut, tags=["notes"])
async def diff_notes(
    name: str,
    app: TenantApp,
    from_id: int = Query(alias="from", description="The older artifact id."),
    to_id: int = Query(alias="to", description="The newer artifact id."),
) -> DiffOut:
    """A unified diff between two artifacts of one context."""
    found = {a.id: a for a, _ in await app.db.call(app.notes_history, name)}
    missing = [i for i in (from_id, to_id) if i not in found]
    if missing:
        raise NotFoundError(f"context {name!r} has no notes with id {missing[0]}")
    lines = difflib.unified_diff(
        found[from_id].text.splitlines(keepends=True),
        found[to_id].text.splitlines(keepends=True),
        fromfile=f"notes {from_id}",
        tofile=f"notes {to_id}",
    )
    return DiffOut(from_artifact=from_id, to_artifact=to_id, diff="".join(lines))


@router.post("/contexts/{name}/sleep", status_code=202, response_model=RunOut, tags=["jobs"])
async def trigger_sleep(
    name: str,
    app: TenantApp,
    recipe: str = Query("rethink", max_length=20),
    rounds: int = Query(10, ge=1, le=100),
) -> RunOut:
    """Queue sleep on the current revision now (no quiet period); a worker runs it."""
    parsed = parse_recipe(recipe)
    _, revision = await app.db.call(app.context, name)
    run, _ = await app.db.call(
        enqueue_sleep,
        app.store,
        revision,
        recipe=parsed,
        budget=SleepBudget(max_rounds=rounds),
        seed=app.settings.seed,
        backend=app.settings.backend,
        model=app.settings.model,
        priority=1e9,  # asked for explicitly: ahead of the policy's own work
        max_attempts=app.settings.sleep_max_attempts,
        reason="asked for through the API",
    )
    return RunOut.of(run)


@router.get("/jobs", response_model=list[RunOut], tags=["jobs"])
async def list_jobs(
    app: TenantApp,
    status: Annotated[list[RunStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[RunOut]:
    """Background sleep runs, newest first (all statuses unless ``status`` is given)."""
    runs = await app.db.call(app.jobs, statuses=tuple(status or ()), limit=limit)
    return [RunOut.of(r) for r in runs]


@router.get("/jobs/{run_id}", response_model=RunOut, tags=["jobs"])
async def show_job(run_id: str, app: TenantApp) -> RunOut:
    """One sleep run (background or foreground) by id or 6+ character prefix."""
    return RunOut.of(await app.db.call(app.run, _run_id(run_id)))


@router.post("/jobs/{run_id}/cancel", response_model=RunOut, tags=["jobs"])
async def cancel_job(run_id: str, app: TenantApp) -> RunOut:
    """Cancel a queued run now, or ask a running one to stop (within a second)."""
    return RunOut.of(await app.db.call(app.cancel, _run_id(run_id)))


def _run_id(value: str) -> str:
    if len(value) > 64:
        raise InputError("a run id is 32 hexadecimal characters (or a 6+ character prefix)")
    return value


@router.post("/contexts/{name}/ask", response_model=AnswerOut, tags=["questions"])
async def ask(name: str, body: AskIn, app: TenantApp) -> AnswerOut:
    """Answer a question from the notes (sleep) or from the text alone (baseline)."""
    try:
        result = await app.ask(
            name, body.question, budget=body.budget, mode=body.mode,
            anticipated=body.anticipated, allow_stale=body.allow_stale,
        )  # fmt: skip
    except AnswerNotRecordedError as exc:
        return answer_out_unrecorded(exc)
    return answer_out(result)


def answer_out(result: AskResult) -> AnswerOut:
    """The API form of an answer: which revision and notes it used, and what it cost."""
    answer, query = result.answer, result.query
    return AnswerOut(
        answer=answer.text,
        final=answer.final,
        mode=str(answer.mode),
        budget=answer.budget.level,
        served=str(query.details.get("served", "model")),
        revision=result.revision.seq,
        artifact_id=result.artifact.id if result.artifact else None,
        stale=result.stale_from is not None,
        notes_revision=(
            result.stale_from.seq
            if result.stale_from
            else result.revision.seq
            if result.artifact
            else None
        ),
        usage=UsageOut(
            prompt_tokens=answer.usage.prompt_tokens,
            cached_prompt_tokens=answer.usage.cached_prompt_tokens,
            completion_tokens=answer.usage.completion_tokens,
            latency_s=answer.latency_s,
        ),
        details={"query_id": query.id, "layout": answer.layout, **query.details},
    )


def answer_out_unrecorded(exc: AnswerNotRecordedError) -> AnswerOut:
    """An answer the model gave but the database did not log: still the caller's."""
    answer = exc.answer
    return AnswerOut(
        answer=answer.text, final=answer.final, mode=str(answer.mode),
        budget=answer.budget.level, served="model", revision=0, artifact_id=None,
        stale=False, notes_revision=None,
        usage=UsageOut(
            prompt_tokens=answer.usage.prompt_tokens,
            cached_prompt_tokens=answer.usage.cached_prompt_tokens,
            completion_tokens=answer.usage.completion_tokens, latency_s=answer.latency_s,
        ),
        recorded=False, details={"warning": str(exc)},
    )  # fmt: skip


@router.get("/contexts/{name}/stats", tags=["questions"])
async def stats(name: str, app: TenantApp) -> dict[str, Any]:
    """Sleep tokens spent, tokens saved per query, amortized cost against the baseline."""
    found = await app.db.call(app.stats, name)
    out = dataclasses.asdict(found)
    if found.sleep and found.baseline:
        out["tokens_saved_per_query"] = found.baseline.mean_total - found.sleep.mean_total
    return out
