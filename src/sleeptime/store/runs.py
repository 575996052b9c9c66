"""Sleep runs and the artifacts that complete ones leave behind.

A run starts as ``running`` and ends exactly once: ``complete`` (with an artifact written
in the same transaction) or ``failed`` / ``cut_off`` / ``abandoned`` (never an artifact).
A run whose heartbeat stops is marked ``abandoned`` so a crash never leaves it running.
"""

from __future__ import annotations

import string
import uuid
from datetime import timedelta
from typing import Any, TypeVarTuple, cast

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.orm import Session

from sleeptime.errors import InputError, NotFoundError, StoreError
from sleeptime.store.base import StoreBase
from sleeptime.store.contexts import check_text, sha256_hex
from sleeptime.store.records import ArtifactRecord, RunRecord, reasoning_detail
from sleeptime.store.schema import Artifact, Context, Revision, SleepRun, utcnow
from sleeptime.values import RunStatus, Usage

END_STATUSES: tuple[RunStatus, ...] = (RunStatus.FAILED, RunStatus.CUT_OFF, RunStatus.ABANDONED)
"""Statuses ``fail_run`` accepts: the run ended without an artifact."""
MIN_PREFIX = 6
_Ts = TypeVarTuple("_Ts")


def _revision(session: Session, revision_id: int) -> Revision:
    row = session.get(Revision, revision_id)
    if row is None:
        # The caller read this revision a moment ago: its context was deleted since.
        raise NotFoundError(
            f"revision {revision_id} no longer exists: its context was deleted while this "
            "command was starting; add the context again with `sleeptime context add` "
            "if you still need it"
        )
    return row


def _running(session: Session, run_id: str, action: str) -> SleepRun:
    """Load a run for update; raise unless it is still running."""
    row = session.get(SleepRun, run_id, with_for_update=True)
    if row is None:
        # Runs are deleted only with their context, so a running run that vanished lost
        # its context while it was going.
        raise NotFoundError(
            f"sleep run {run_id[:8]} no longer exists: its context was deleted while the run "
            "was going, so its notes were dropped; add the context again and run "
            "`sleeptime sleep NAME` if you still need them"
        )
    if row.status != RunStatus.RUNNING:
        raise StoreError(
            f"cannot {action} sleep run {run_id}: it is already {row.status!r}; "
            "a run ends only once (an abandoned run lost its heartbeat) — start a new run"
        )
    return row


def _in_tenant(query: Select[*_Ts], tenant: str | None) -> Select[*_Ts]:
    """Restrict a query over runs (already joined to ``Revision``) to one tenant's contexts."""
    if tenant is None:
        return query
    return query.join(Context, Revision.context_id == Context.id).where(Context.tenant == tenant)


def _resolve(session: Session, run_id: str, tenant: str | None) -> tuple[SleepRun, Revision]:
    """Find a run by id or unique prefix among ``tenant``'s runs (all runs if None).

    Another tenant's run is looked for and reported exactly like one that does not exist,
    and it never makes a prefix ambiguous, so nothing about it shows.
    """
    key = run_id.strip().lower()
    base = _in_tenant(
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
    ) -> RunRecord:
        """Record a new ``running`` sleep run on a revision and return it."""
        now = utcnow()
        with self._tx("starting a sleep run", write=True) as session:
            revision = _revision(session, revision_id)
            row = SleepRun(
                id=uuid.uuid4().hex,
                revision_id=revision_id,
                recipe=recipe,
                recipe_version=recipe_version,
                prompt_versions=dict(prompt_versions),
                backend=backend,
                model=model,
                settings=dict(settings),
                status=RunStatus.RUNNING.value,
                started_at=now,
                heartbeat_at=now,
                rounds=0,
                prompt_tokens=0,
                cached_prompt_tokens=0,
                completion_tokens=0,
                wall_time_s=0.0,
                details={},
            )
            session.add(row)
            session.flush()
            return RunRecord.of(row, revision)

    def heartbeat(
        self, run_id: str, *, rounds: int | None = None, partial_text: str | None = None
    ) -> None:
        """Show that a run is alive, optionally saving progress; raises if it was abandoned."""
        with self._tx("recording a heartbeat", write=True) as session:
            row = _running(session, run_id, "heartbeat")
            row.heartbeat_at = utcnow()
            if rounds is not None:
                row.rounds = rounds
            if partial_text is not None:
                row.partial_text = partial_text.replace("\x00", "")

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
    ) -> ArtifactRecord:
        """Mark a running run complete and write its artifact, both in one transaction."""
        # A stray NUL from a model should not cost a finished run; PostgreSQL cannot store it.
        artifact_text = artifact_text.replace("\x00", "")
        check_text(artifact_text, "artifact text")
        with self._tx("completing a sleep run", write=True) as session:
            row = _running(session, run_id, "complete")
            now = utcnow()
            _finish(row, RunStatus.COMPLETE, usage, rounds, details)
            row.finished_at = row.heartbeat_at = now
            artifact = Artifact(
                run_id=row.id,
                revision_id=row.revision_id,
                text=artifact_text,
                sha256=sha256_hex(artifact_text),
                n_chars=len(artifact_text),
                created_at=now,
                anticipated=list(anticipated or []),
                format_version=format_version,
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
    ) -> RunRecord:
        """End a running run without an artifact (status failed, cut_off or abandoned)."""
        if status not in END_STATUSES:
            choices = ", ".join(END_STATUSES)
            raise InputError(f"cannot end a run with status {str(status)!r}; use one of {choices}")
        with self._tx("recording a failed sleep run", write=True) as session:
            row = _running(session, run_id, "fail")
            _finish(row, status, usage, rounds, details)
            row.finished_at = row.heartbeat_at = utcnow()
            row.error = error.replace("\x00", "")
            if partial_text is not None:
                row.partial_text = partial_text.replace("\x00", "")
            session.flush()
            return RunRecord.of(row, _revision(session, row.revision_id))

    def reap_abandoned(self, older_than_s: float) -> int:
        """``mark_abandoned`` when a stale run exists; a cheap read otherwise.

        Every command opens the store, so the common case must not take the write lock,
        and a read-only database must still open: then the next writer reaps instead.
        """
        cutoff = utcnow() - timedelta(seconds=max(older_than_s, 0.0))
        stale_query = (
            select(SleepRun.id)
            .where(SleepRun.status == RunStatus.RUNNING.value, SleepRun.heartbeat_at < cutoff)
            .limit(1)
        )
        with self._tx("looking for abandoned sleep runs") as session:
            stale = session.scalars(stale_query).first()
        if stale is None:
            return 0
        try:
            return self.mark_abandoned(older_than_s)
        except StoreError:
            return 0

    def mark_abandoned(self, older_than_s: float) -> int:
        """Mark running runs with no heartbeat for ``older_than_s`` seconds as abandoned."""
        if older_than_s < 0:
            raise InputError(f"older_than_s must be >= 0, not {older_than_s}")
        now = utcnow()
        cutoff = now - timedelta(seconds=older_than_s)
        with self._tx("marking abandoned sleep runs", write=True) as session:
            result = session.execute(
                update(SleepRun)
                .where(SleepRun.status == RunStatus.RUNNING.value, SleepRun.heartbeat_at < cutoff)
                .values(
                    status=RunStatus.ABANDONED.value,
                    finished_at=now,
                    error=(
                        f"no heartbeat for more than {older_than_s:g} s: the process running "
                        "it was killed or crashed; start a new run with `sleeptime sleep`"
                    ),
                )
                .execution_options(synchronize_session=False)
            )
            return cast(CursorResult[Any], result).rowcount

    def get_run(self, run_id: str, *, tenant: str | None = None) -> RunRecord:
        """Return a run by its id or a unique prefix of at least 6 characters.

        With ``tenant``, only that tenant's runs are found; anything taken from a user
        must pass it (``None`` is for trusted callers such as the benchmark harness).
        """
        with self._tx("reading a sleep run") as session:
            row, revision = _resolve(session, run_id, tenant)
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
        query = _in_tenant(
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


def _finish(row: SleepRun, status: str, usage: Usage, rounds: int, details: dict[str, Any]) -> None:
    # The column holds the plain string, whatever driver binds it.
    row.status = RunStatus(status).value
    row.rounds = rounds
    row.prompt_tokens = usage.prompt_tokens
    row.cached_prompt_tokens = usage.cached_prompt_tokens
    row.completion_tokens = usage.completion_tokens
    row.wall_time_s = usage.wall_time_s
    row.details = {"calls": usage.calls, **reasoning_detail(usage), **details}
