"""The queue of background sleep: queued runs, claimed by workers under a lease.

A background run is a ``sleep_runs`` row that starts ``queued``; the queue needs no other
table. ``claim_run`` hands the most urgent due run to one worker (SQLite: the write lock
taken up front; PostgreSQL: ``FOR UPDATE SKIP LOCKED``), raising its ``attempt`` — the
fencing token the worker passes with every later write. A newer revision supersedes
queued runs of older ones at once and asks running ones to stop (their worker sees it at
its next check, within a second). Enqueueing the same job (revision, recipe, settings)
twice returns the run already queued or completed, so the work is done once.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sleeptime.errors import InputError, RunEndedError
from sleeptime.store.base import Conflict, StoreBase
from sleeptime.store.lifecycle import load_for_update, move
from sleeptime.store.records import ContextRecord, RevisionRecord, RunRecord
from sleeptime.store.runs import in_tenant, new_run, resolve_run, revision_row
from sleeptime.store.schema import Artifact, Context, Revision, SleepRun, utcnow
from sleeptime.values import RunStatus

_ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


def _with_revision(session: Session, row: SleepRun) -> RunRecord:
    return RunRecord.of(row, revision_row(session, row.revision_id))


def _newer_revision(session: Session, revision_id: int) -> int | None:
    """The number of a newer revision of the same context, if there is one."""
    revision = revision_row(session, revision_id)
    newest = session.scalar(
        select(func.max(Revision.seq)).where(Revision.context_id == revision.context_id)
    )
    return int(newest) if newest is not None and newest > revision.seq else None


def _due(now: datetime) -> Select[SleepRun]:
    """Queued runs whose quiet period is over, most urgent first."""
    return (
        select(SleepRun)
        .where(
            SleepRun.status == RunStatus.QUEUED.value,
            (SleepRun.not_before.is_(None)) | (SleepRun.not_before <= now),
        )
        .order_by(SleepRun.priority.desc(), SleepRun.queued_at, SleepRun.id)
    )


class JobsMixin(StoreBase):
    """Methods for queued background runs."""

    def enqueue_run(
        self,
        revision_id: int,
        *,
        recipe: str,
        recipe_version: str,
        prompt_versions: dict[str, str],
        backend: str,
        model: str,
        settings: dict[str, Any],
        job_key: str,
        priority: float = 0.0,
        delay_s: float = 0.0,
        max_attempts: int = 3,
    ) -> tuple[RunRecord, bool]:
        """Queue a background run of ``revision_id``; False with the existing run if the job
        (``job_key``) is already queued, running or done.

        ``delay_s`` is the quiet period: the run is not claimed before it has passed. A
        repeated request for a job still queued pushes its start back to the new quiet
        period's end (debounce).
        """
        if max_attempts < 1:
            raise InputError(f"max_attempts must be at least 1, not {max_attempts}")
        queue = functools.partial(
            self._enqueue, revision_id, recipe=recipe, recipe_version=recipe_version,
            prompt_versions=prompt_versions, backend=backend, model=model, settings=settings,
            job_key=job_key, priority=priority, delay_s=max(delay_s, 0.0),
            max_attempts=max_attempts,
        )  # fmt: skip
        for attempt in range(3):
            try:
                return queue()
            except Conflict:
                # Another process queued the same job meanwhile: the next try returns it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _enqueue(
        self,
        revision_id: int,
        *,
        job_key: str,
        priority: float,
        delay_s: float,
        max_attempts: int,
        **fields: Any,
    ) -> tuple[RunRecord, bool]:
        now = utcnow()
        with self._tx("queueing a sleep run", write=True, conflict=True) as session:
            revision = revision_row(session, revision_id)
            # Same lock as adding a revision takes: a revision added meanwhile either
            # comes first (and this run is created superseded) or supersedes it after.
            session.execute(
                select(Context.id).where(Context.id == revision.context_id).with_for_update()
            )
            active = session.scalars(
                select(SleepRun)
                .where(SleepRun.job_key == job_key, SleepRun.status.in_(_ACTIVE))
                .with_for_update()
            ).first()
            if active is not None:
                if active.status == RunStatus.QUEUED.value and delay_s:
                    active.not_before = now + timedelta(seconds=delay_s)
                active.priority = max(active.priority, priority)
                return RunRecord.of(active, revision), False
            done = session.scalars(
                select(SleepRun)
                .join(Artifact, Artifact.run_id == SleepRun.id)
                .where(Artifact.job_key == job_key)
            ).first()
            if done is not None:
                return RunRecord.of(done, revision), False
            row = new_run(revision_id, now=now, **fields)
            row.status = RunStatus.QUEUED.value
            newer = _newer_revision(session, revision_id)
            if newer is not None:
                row.status = RunStatus.SUPERSEDED.value
                row.finished_at = now
                row.error = f"superseded by revision {newer} before it was queued"
            row.origin = "worker"
            row.queued_at = now
            row.not_before = now + timedelta(seconds=delay_s) if delay_s else None
            row.priority = priority
            row.attempt = 0
            row.max_attempts = max_attempts
            row.job_key = job_key
            session.add(row)
            session.flush()
            return RunRecord.of(row, revision), True

    def claim_run(
        self, owner: str, *, lease_s: float, run_id: str | None = None
    ) -> RunRecord | None:
        """Give the most urgent due queued run (or ``run_id``, if queued and due) to
        ``owner`` for ``lease_s`` seconds; None when there is nothing to do."""
        if lease_s <= 0:
            raise InputError(f"lease_s must be positive, not {lease_s}")
        now = utcnow()
        query = _due(now)
        if run_id is not None:
            query = query.where(SleepRun.id == run_id)
        if self._engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self._tx("claiming a queued sleep run", write=True) as session:
            while True:
                row = session.scalars(query.limit(1)).first()
                if row is None:
                    return None
                newer = _newer_revision(session, row.revision_id)
                if newer is None:
                    break
                # Queued just before a newer revision arrived: never worth sleeping on.
                move(row, RunStatus.SUPERSEDED, now, error=f"superseded by revision {newer}")
                session.flush()
            move(row, RunStatus.RUNNING, now)
            row.attempt += 1
            row.lease_owner = owner[:200]
            row.lease_expires_at = now + timedelta(seconds=lease_s)
            row.started_at = row.heartbeat_at = now
            return _with_revision(session, row)

    def requeue_run(self, run_id: str, *, attempt: int, delay_s: float, reason: str) -> RunRecord:
        """Put a run this worker holds back in the queue (e.g. over budget), visibly.

        The attempt is given back: waiting is not a failure.
        """
        now = utcnow()
        with self._tx("requeueing a sleep run", write=True) as session:
            row = load_for_update(session, run_id)
            if row.status != RunStatus.RUNNING.value or row.attempt != attempt:
                raise RunEndedError(f"sleep run {run_id[:8]} is no longer this worker's")
            move(row, RunStatus.QUEUED, now)
            row.attempt -= 1
            row.lease_owner = row.lease_expires_at = None
            row.not_before = now + timedelta(seconds=max(delay_s, 0.0))
            row.details = {**row.details, "waiting": reason}
            return _with_revision(session, row)

    def supersede_older(self, context_id: int, *, keep_revision_id: int, reason: str) -> int:
        """Supersede queued runs of the context's other revisions; ask running ones to stop.

        Returns how many runs were affected.
        """
        now = utcnow()
        with self._tx("superseding older sleep runs", write=True) as session:
            rows = session.scalars(
                select(SleepRun)
                .join(Revision, SleepRun.revision_id == Revision.id)
                .where(
                    Revision.context_id == context_id,
                    SleepRun.revision_id != keep_revision_id,
                    SleepRun.status.in_(_ACTIVE),
                )
                .with_for_update()
            ).all()
            for row in rows:
                if row.status == RunStatus.QUEUED.value:
                    move(row, RunStatus.SUPERSEDED, now, error=reason)
                else:
                    row.stop_status = RunStatus.SUPERSEDED.value
                    row.stop_reason = reason
            return len(rows)

    def request_stop(
        self, run_id: str, *, tenant: str | None, reason: str, status: RunStatus = RunStatus.FAILED
    ) -> RunRecord:
        """Cancel a run: a queued one ends now, a running one is asked to stop.

        Raises ``RunEndedError`` when the run has already ended.
        """
        now = utcnow()
        with self._tx("cancelling a sleep run", write=True) as session:
            found, _ = resolve_run(session, run_id, tenant)
            row = load_for_update(session, found.id)
            if row.status == RunStatus.QUEUED.value:
                move(row, status, now, error=reason)
            elif row.status == RunStatus.RUNNING.value:
                row.stop_status = status.value
                row.stop_reason = reason
            else:
                raise RunEndedError(
                    f"sleep run {row.id[:8]} has already ended ({row.status}); nothing to cancel"
                )
            return _with_revision(session, row)

    def next_due_at(self) -> datetime | None:
        """When the next queued run becomes due (None if none is queued)."""
        with self._tx("reading the sleep queue") as session:
            return session.scalar(
                select(func.min(func.coalesce(SleepRun.not_before, SleepRun.queued_at))).where(
                    SleepRun.status == RunStatus.QUEUED.value
                )
            )

    def revisions_needing_sleep(
        self, *, quiet_before: datetime, limit: int = 100
    ) -> list[tuple[ContextRecord, RevisionRecord]]:
        """Current revisions, older than ``quiet_before``, that no background run has taken up
        and that have no notes: what a worker's policy queues.

        A revision whose background run failed is not queued again (attempts are the
        run's own business), so a backend that fails every call cannot make a loop.
        """
        newest = (
            select(Revision.context_id, func.max(Revision.seq).label("seq"))
            .group_by(Revision.context_id)
            .subquery()
        )
        has_run = select(SleepRun.id).where(
            SleepRun.revision_id == Revision.id,
            (SleepRun.origin == "worker") | (SleepRun.status == RunStatus.COMPLETE.value),
        )
        has_notes = select(Artifact.id).where(Artifact.revision_id == Revision.id)
        query = (
            select(Context, Revision)
            .join(Revision, Revision.context_id == Context.id)
            .join(
                newest,
                (newest.c.context_id == Revision.context_id) & (newest.c.seq == Revision.seq),
            )
            .where(
                Revision.created_at <= quiet_before,
                ~has_run.exists(),
                ~has_notes.exists(),
            )
            .order_by(Revision.created_at)
            .limit(limit)
        )
        with self._tx("finding contexts to sleep on") as session:
            return [
                (ContextRecord.of(context), RevisionRecord.of(revision))
                for context, revision in session.execute(query)
            ]

    def sleep_tokens_since(
        self, since: datetime, *, tenant: str | None = None, context_id: int | None = None
    ) -> int:
        """Prompt plus generated tokens of sleep runs that started at or after ``since``."""
        query = in_tenant(
            select(func.coalesce(func.sum(SleepRun.prompt_tokens + SleepRun.completion_tokens), 0))
            .select_from(SleepRun)
            .join(Revision, SleepRun.revision_id == Revision.id),
            tenant,
        ).where(SleepRun.started_at >= since)
        if context_id is not None:
            query = query.where(Revision.context_id == context_id)
        with self._tx("adding up sleep tokens") as session:
            return int(session.scalar(query) or 0)

    def list_jobs(
        self, *, tenant: str | None, statuses: tuple[RunStatus, ...] = (), limit: int = 100
    ) -> list[RunRecord]:
        """Background runs (newest first), optionally only those in ``statuses``."""
        query = in_tenant(
            select(SleepRun, Revision).join(Revision, SleepRun.revision_id == Revision.id), tenant
        ).where(SleepRun.origin == "worker")
        if statuses:
            query = query.where(SleepRun.status.in_([s.value for s in statuses]))
        query = query.order_by(SleepRun.queued_at.desc(), SleepRun.id.desc()).limit(limit)
        with self._tx("listing sleep jobs") as session:
            return [RunRecord.of(run, rev) for run, rev in session.execute(query)]
