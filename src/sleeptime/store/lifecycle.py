"""The one place a run's status changes: every move is checked against ``RUN_TRANSITIONS``.

The store's methods (start, claim, heartbeat, complete, fail, requeue, supersede, reap)
all load the row for update and call ``move`` here, so no code path can, for instance,
complete a run that another worker already took over or revive an abandoned one.
Fencing: a worker names the ``attempt`` it claimed; after a lease expired and someone
else claimed the run, the attempt differs and the worker's writes are refused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sleeptime.errors import LeaseLostError, NotFoundError, RunEndedError
from sleeptime.store.schema import SleepRun
from sleeptime.values import RUN_TRANSITIONS, RunStatus


def load_for_update(session: Session, run_id: str) -> SleepRun:
    """The run row, locked for this transaction; NotFoundError if its context was deleted."""
    row = session.get(SleepRun, run_id, with_for_update=True)
    if row is None:
        # Runs are deleted only with their context.
        raise NotFoundError(
            f"sleep run {run_id[:8]} no longer exists: its context was deleted while the run "
            "was going, so its notes were dropped; add the context again and sleep on it "
            "if you still need them"
        )
    return row


def check_holder(row: SleepRun, attempt: int | None, action: str) -> None:
    """Raise unless the run is running and (when ``attempt`` is given) still this attempt."""
    status = RunStatus(row.status)
    if status != RunStatus.RUNNING:
        error = LeaseLostError if status == RunStatus.QUEUED else RunEndedError
        raise error(
            f"cannot {action} sleep run {row.id[:8]}: it is {status.value}"
            + (f" ({row.error})" if row.error else "")
            + "; a run ends only once — start a new run if the work is still wanted"
        )
    if attempt is not None and row.attempt != attempt:
        raise LeaseLostError(
            f"cannot {action} sleep run {row.id[:8]}: this worker's lease (attempt {attempt}) "
            f"expired and attempt {row.attempt} holds it now; its result is discarded"
        )


def move(row: SleepRun, to: RunStatus, now: datetime, *, error: str | None = None) -> None:
    """Change the run's status, refusing moves ``RUN_TRANSITIONS`` does not allow."""
    current = RunStatus(row.status)
    if to not in RUN_TRANSITIONS.get(current, frozenset()):
        raise RunEndedError(
            f"sleep run {row.id[:8]} cannot go from {current.value} to {to.value}"
            + (": it has already ended" if current.final else "")
        )
    row.status = to.value
    if to.final:
        row.finished_at = now
        row.lease_owner = None
        row.lease_expires_at = None
    if error is not None:
        row.error = error.replace("\x00", "")
