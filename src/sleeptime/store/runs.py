"""Sleep runs and the artifacts that complete ones leave behind.

A run ends exactly once: ``complete`` (with an artifact written in the same transaction)
or another final status (never an artifact); ``lifecycle.move`` checks every change. A
running run holds a lease renewed by its heartbeat; ``reap`` ends or requeues runs whose
lease ran out, so a killed process never leaves a run ``running``. Queue operations for
background runs are in ``jobs.py``.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from sleeptime.errors import InputError, NotFoundError, RunEndedError, StoreError
from sleeptime.store.base import StoreBase
from sleeptime.store.contexts import check_text, sha256_hex
from sleeptime.store.lifecycle import check_holder, load_for_update, move
from sleeptime.store.records import ArtifactRecord, RunRecord, reasoning_detail
from sleeptime.store.schema import Artifact, Context, Revision, SleepRun, utcnow
from sleeptime.values import RunStatus, Usage

END_STATUSES: tuple[RunStatus, ...] = (
    RunStatus.FAILED,
    RunStatus.CUT_OFF,
    RunStatus.ABANDONED,
    RunStatus.SUPERSEDED,
)
"""Statuses ``fail_run`` accepts: the run ended without an artifact."""
QUEUE_HISTORY = ("lost_leases", "waiting")
"""Keys of a run's details written while it was queued, kept when it ends."""
DEFAULT_LEASE_S = 300.0
"""How long a run stays ``running`` without a heartbeat before it is reaped."""
MIN_PREFIX = 6
_Ts = TypeVarTuple("_Ts")


def revision_row(session: Session, revision_id: int) -> Revision:
    row = session.get(Revision, revision_id)
    if row is None:
        # The caller read this revision a moment ago: its context was deleted since.
        raise NotFoundError(
            f"revision {revision_id} no longer exists: its context was deleted while this "
            "was starting; add the context again if you still need it"
        ).hinted("`sleeptime context add NAME FILE`")
    return row


def in_tenant(query: Select[*_Ts], tenant: str | None) -> Select[*_Ts]:
    """Restrict a query over runs (already joined to ``Revision``) to one tenant's contexts."""
    if tenant is None:
        return query
    return query.join(Context, Revision.context_id == Context.id).where(Context.tenant == tenant)


def resolve_run(session: Session, run_id: str, tenant: str | None) -> tuple[SleepRun, Revision]:
    """Find a run by id or unique prefix among ``tenant``'s runs (all runs if None).

    Another tenant's run is looked for and reported exactly like one that does not exist,
    and it never makes a prefix ambiguous, so nothing about it shows.
    """
    key = run_id.strip().lower()
    base = in_tenant(
        select(SleepRun, Revision).join(Revision, SleepRun.revision_id == Revision.id), tenant
    )
    if key and set(key) <= set(string.hexdigits.lower()):
        if len(key) == 32:
            found = session.execute(base.where(SleepRun.id == key)).first()
            if found is not None:
                return found[0], found[1]
        elif len(key) < MIN_PREFIX:
            raise InputError(
                f"run id {run_id!r} is too short; give at least {MIN_PREFIX} characters of it"
            )
        else:
            rows = session.execute(base.where(SleepRun.id.startswith(key)).limit(2)).all()
            if len(rows) > 1:
                raise InputError(
                    f"run id prefix {run_id!r} matches several runs; give more characters"
                )
            if rows:
                return rows[0][0], rows[0][1]
    raise NotFoundError(f"no sleep run whose id starts with {run_id!r}; check the id")


class RunsMixin(StoreBase):
    """Methods for sleep runs and artifacts."""

    def start_run(
        self,
        revision_id: int,
        *,
        recipe: str,
        recipe_version: str,
        prompt_versions: dict[str, str],
        backend: str,
        model: str,
        settings: dict[str, Any],
        owner: str | None = None,
        lease_s: float = DEFAULT_LEASE_S,
    ) -> RunRecord:
        """Record a new ``running`` (foreground) sleep run on a revision and return it.

        The run is leased to ``owner`` for ``lease_s`` seconds; heartbeats renew it.
        """
        now = utcnow()
        with self._tx("starting a sleep run", write=True) as session:
            revision = revision_row(session, revision_id)
            row = new_run(
                revision_id,
                recipe=recipe,
                recipe_version=recipe_version,
                prompt_versions=prompt_versions,
                backend=backend,
                model=model,
                settings=settings,
                now=now,
            )
            row.status = RunStatus.RUNNING.value
            row.lease_owner = owner
            row.lease_expires_at = now + timedelta(seconds=lease_s)
            session.add(row)
            session.flush()
            return RunRecord.of(row, revision)

    def heartbeat(
        self,
        run_id: str,
        *,
        rounds: int | None = None,
        partial_text: str | None = None,
        attempt: int | None = None,
        lease_s: float | None = None,
    ) -> StopRequest | None:
        """Show that a run is alive and renew its lease; return a stop asked of it, if any.

        Raises ``LeaseLostError`` when the run is no longer this attempt's and
        ``RunEndedError`` when it has ended, so the caller stops working on it.
        """
        now = utcnow()
        with self._tx("recording a heartbeat", write=True) as session:
            row = load_for_update(session, run_id)
            check_holder(row, attempt, "renew the lease of")
            row.heartbeat_at = now
            if lease_s is not None:
                row.lease_expires_at = now + timedelta(seconds=lease_s)
            elif row.lease_expires_at is not None:
                # Keep the lease length the run started with.
                length = row.lease_expires_at - (row.started_at or now)
                row.lease_expires_at = now + max(length, timedelta(seconds=DEFAULT_LEASE_S))
            if rounds is not None:
                row.rounds = rounds
            if partial_text is not None:
                row.partial_text = partial_text.replace("\x00", "")
            if row.stop_status is None:
                return None
            return StopRequest(RunStatus(row.stop_status), row.stop_reason or "")

    def complete_run(
        self,
        run_id: str,
        *,
        artifact_text: str,
        usage: Usage,
        rounds: int,
        details: dict[str, Any],
        anticipated: list[dict[str, Any]] | None = None,
        format_version: str = "1",
        attempt: int | None = None,
    ) -> ArtifactRecord:
        """Mark a running run complete and write its artifact, both in one transaction.

        With ``attempt``, only the worker holding that attempt may complete it; a run of
        a background job writes the job key on its artifact, which is unique, so two
        workers racing on one job can never both commit.
        """
        # A stray NUL from a model should not cost a finished run; PostgreSQL cannot store it.
        artifact_text = artifact_text.replace("\x00", "")
        check_text(artifact_text, "artifact text")
        with self._tx("completing a sleep run", write=True) as session:
            row = load_for_update(session, run_id)
            check_holder(row, attempt, "complete")
            if row.stop_status is not None:
                raise RunEndedError(
                    f"sleep run {run_id[:8]} was asked to stop ({row.stop_reason}); "
                    "its notes are not kept"
                )
            now = utcnow()
            move(row, RunStatus.COMPLETE, now)
            _finish(row, usage, rounds, details)
            row.heartbeat_at = now
            artifact = Artifact(
                run_id=row.id,
                revision_id=row.revision_id,
                text=artifact_text,
                sha256=sha256_hex(artifact_text),
                n_chars=len(artifact_text),
                created_at=now,
                anticipated=list(anticipated or []),
                format_version=format_version,
                job_key=row.job_key,
            )
            session.add(artifact)
            session.flush()
            return ArtifactRecord.of(artifact)

    def fail_run(
        self,
        run_id: str,
        *,
        status: str,
        error: str,
        usage: Usage,
        rounds: int,
        partial_text: str | None,
        details: dict[str, Any],
        attempt: int | None = None,
    ) -> RunRecord:
        """End a running run without an artifact (failed, cut_off, superseded or abandoned)."""
        if status not in END_STATUSES:
            choices = ", ".join(END_STATUSES)
            raise InputError(f"cannot end a run with status {str(status)!r}; use one of {choices}")
        with self._tx("recording a failed sleep run", write=True) as session:
            row = load_for_update(session, run_id)
            check_holder(row, attempt, "end")
            now = utcnow()
            move(row, RunStatus(status), now, error=error)
            _finish(row, usage, rounds, details)
            row.heartbeat_at = now
            if partial_text is not None:
                row.partial_text = partial_text.replace("\x00", "")
            session.flush()
            return RunRecord.of(row, revision_row(session, row.revision_id))

    def stop_requested(self, run_id: str) -> StopRequest | None:
        """A stop asked of a running run by another process, if any (a cheap read)."""
        with self._tx("checking a sleep run for a stop") as session:
            row = session.execute(
                select(SleepRun.status, SleepRun.stop_status, SleepRun.stop_reason).where(
                    SleepRun.id == run_id
                )
            ).first()
        if row is None or row.stop_status is None:
            return None
        return StopRequest(RunStatus(row.stop_status), row.stop_reason or "")

    def reap_abandoned(self, older_than_s: float) -> int:
        """``reap`` when a run's lease has run out; a cheap read otherwise.

        Every command opens the store, so the common case must not take the write lock,
        and a read-only database must still open: then the next writer reaps instead.
        """
        with self._tx("looking for abandoned sleep runs") as session:
            stale = session.scalars(_expired(utcnow(), older_than_s).limit(1)).first()
        if stale is None:
            return 0
        try:
            return self.mark_abandoned(older_than_s)
        except StoreError:
            return 0

    def mark_abandoned(self, older_than_s: float) -> int:
        """End or requeue running runs whose lease expired; return how many.

        A lease expires at ``lease_expires_at``; a run with no heartbeat for
        ``older_than_s`` counts as expired too. A run that was asked to stop ends with that
        status; a background run with attempts left goes back to the queue; any other
        is ``abandoned``.
        """
        if older_than_s < 0:
            raise InputError(f"older_than_s must be >= 0, not {older_than_s}")
        now = utcnow()
        with self._tx("marking abandoned sleep runs", write=True) as session:
            rows = session.scalars(_expired(now, older_than_s).with_for_update()).all()
            for row in rows:
                reap_one(row, now)
            return len(rows)

    def get_run(self, run_id: str, *, tenant: str | None = None) -> RunRecord:
        """Return a run by its id or a unique prefix of at least 6 characters.

        With ``tenant``, only that tenant's runs are found; anything taken from a user
        must pass it (``None`` is for trusted callers such as the benchmark harness).
        """
        with self._tx("reading a sleep run") as session:
            row, revision = resolve_run(session, run_id, tenant)
            return RunRecord.of(row, revision)

    def list_runs(
        self,
        *,
        revision_id: int | None = None,
        context_id: int | None = None,
        limit: int = 50,
        tenant: str | None = None,
    ) -> list[RunRecord]:
        """Return runs, newest first, optionally of one revision or context (and tenant)."""
        query = in_tenant(
            select(SleepRun, Revision).join(Revision, SleepRun.revision_id == Revision.id), tenant
        )
        if revision_id is not None:
            query = query.where(SleepRun.revision_id == revision_id)
        if context_id is not None:
            query = query.where(Revision.context_id == context_id)
        query = query.order_by(SleepRun.started_at.desc(), SleepRun.id.desc()).limit(limit)
        with self._tx("listing sleep runs") as session:
            return [RunRecord.of(run, rev) for run, rev in session.execute(query)]

    def latest_artifact(
        self, revision_id: int, *, tenant: str | None = None
    ) -> ArtifactRecord | None:
        """Return the newest artifact of a revision (of ``tenant``), or None if none completed."""
        query = select(Artifact).where(Artifact.revision_id == revision_id)
        with self._tx("reading an artifact") as session:
            row = session.scalars(
                _artifacts_in(query, tenant).order_by(Artifact.id.desc()).limit(1)
            ).first()
            return None if row is None else ArtifactRecord.of(row)

    def list_artifacts(
        self, revision_id: int, *, tenant: str | None = None
    ) -> list[ArtifactRecord]:
        """Every artifact of a revision (of ``tenant``), newest first."""
        query = select(Artifact).where(Artifact.revision_id == revision_id)
        with self._tx("listing artifacts") as session:
            rows = session.scalars(_artifacts_in(query, tenant).order_by(Artifact.id.desc()))
            return [ArtifactRecord.of(row) for row in rows]

    def get_artifact(self, artifact_id: int, *, tenant: str | None = None) -> ArtifactRecord:
        """Return one artifact by id; another tenant's artifact is not found."""
        query = select(Artifact).where(Artifact.id == artifact_id)
        with self._tx("reading an artifact") as session:
            row = session.scalars(_artifacts_in(query, tenant)).first()
            if row is None:
                raise NotFoundError(
                    f"no artifact with id {artifact_id}; it may have been deleted with its context"
                )
            return ArtifactRecord.of(row)


def _artifacts_in(query: Select[Any], tenant: str | None) -> Select[Any]:
    """Restrict a query over artifacts to one tenant's contexts (all if None)."""
    if tenant is None:
        return query
    return (
        query.join(Revision, Artifact.revision_id == Revision.id)
        .join(Context, Revision.context_id == Context.id)
        .where(Context.tenant == tenant)
    )


def _finish(row: SleepRun, usage: Usage, rounds: int, details: dict[str, Any]) -> None:
    row.rounds = rounds
    row.prompt_tokens = usage.prompt_tokens
    row.cached_prompt_tokens = usage.cached_prompt_tokens
    row.completion_tokens = usage.completion_tokens
    row.wall_time_s = usage.wall_time_s
    # The queue's history of the run (lost leases, waits) stays with its outcome.
    history = {k: row.details[k] for k in QUEUE_HISTORY if k in (row.details or {})}
    row.details = {**history, "calls": usage.calls, **reasoning_detail(usage), **details}


@dataclass(frozen=True, slots=True)
class StopRequest:
    """A stop another process asked of a running run: end it with ``status``."""

    status: RunStatus
    reason: str


def new_run(
    revision_id: int,
    *,
    recipe: str,
    recipe_version: str,
    prompt_versions: dict[str, str],
    backend: str,
    model: str,
    settings: dict[str, Any],
    now: datetime,
) -> SleepRun:
    """A run row with zero usage; the caller sets its status, lease or queue fields."""
    return SleepRun(
        id=uuid.uuid4().hex,
        revision_id=revision_id,
        recipe=recipe,
        recipe_version=recipe_version,
        prompt_versions=dict(prompt_versions),
        backend=backend,
        model=model,
        settings=dict(settings),
        started_at=now,
        heartbeat_at=now,
        rounds=0,
        prompt_tokens=0,
        cached_prompt_tokens=0,
        completion_tokens=0,
        wall_time_s=0.0,
        details={},
        origin="foreground",
        priority=0.0,
        attempt=1,
        max_attempts=1,
    )


def _expired(now: datetime, older_than_s: float) -> Select[SleepRun]:
    """Running runs whose lease has run out or whose heartbeat stopped ``older_than_s`` ago."""
    cutoff = now - timedelta(seconds=max(older_than_s, 0.0))
    return select(SleepRun).where(
        SleepRun.status == RunStatus.RUNNING.value,
        or_(SleepRun.lease_expires_at < now, SleepRun.heartbeat_at < cutoff),
    )


def reap_one(row: SleepRun, now: datetime) -> None:
    """End or requeue one run whose lease expired (its process died or hung)."""
    silent = (now - row.heartbeat_at).total_seconds()
    if row.stop_status is not None:
        move(row, RunStatus(row.stop_status), now, error=row.stop_reason)
        return
    if row.origin == "worker" and row.attempt < row.max_attempts:
        move(row, RunStatus.QUEUED, now)
        row.lease_owner = None
        row.lease_expires_at = None
        history = list(row.details.get("lost_leases", []))
        history.append({"attempt": row.attempt, "silent_s": round(silent, 1)})
        row.details = {**row.details, "lost_leases": history}
        return
    move(
        row,
        RunStatus.ABANDONED,
        now,
        error=(
            f"no heartbeat for {silent:.0f} s (its lease ran out): the process running it "
            "was killed or crashed"
            + (f", after {row.attempt} attempts" if row.origin == "worker" else "")
            + "; sleep on the context again"
        ),
    )
