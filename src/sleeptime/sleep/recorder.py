"""``RunRecorder``: the one owner of a run's transitions inside the process that runs it.

Before, every way a run could end had its own hand-written ``fail_run`` block. Now the
sleep work runs as a task watched by the recorder, and the recorder alone writes: the
heartbeat (renewing the lease) every ``heartbeat_s``, a cheap check for a stop asked by
another process (a newer revision superseded the run, or a user cancelled it) every
``check_s``, and the end — ``complete`` with the artifact, or the final status the way
the work ended (``end_status``). A worker's writes name the attempt it claimed, so a
worker that lost its lease can never overwrite the run's new holder.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from sleeptime.errors import LeaseLostError, RunEndedError, SleeptimeError
from sleeptime.sleep.rethink import SleepCutOff
from sleeptime.store import ArtifactRecord, RunRecord
from sleeptime.store.aio import AsyncStore
from sleeptime.store.runs import StopRequest
from sleeptime.values import RunStatus, Usage

T = TypeVar("T")

STOP_CHECK_S = 0.5
"""How often a running run looks for a stop asked by another process (supersede, cancel)."""


class RunStoppedError(SleeptimeError):
    """The run was stopped from outside (superseded or cancelled) and ended so."""

    def __init__(self, stop: StopRequest) -> None:
        super().__init__(f"sleep run {stop.status.value}: {stop.reason}")
        self.stop = stop


def stop_reason(exc: BaseException) -> str:
    """Why a run stopped early, in words for its record (``runs show``)."""
    if isinstance(exc, asyncio.CancelledError):
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
        return (
            f"interrupted: {detail}"
            if detail
            else "interrupted: CancelledError (Ctrl-C, or the caller cancelled the run)"
        )
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted: KeyboardInterrupt (Ctrl-C)"
    return f"interrupted: {exc!r}"


def end_status(exc: BaseException) -> RunStatus:
    """The final status for work that ended with ``exc``."""
    if isinstance(exc, SleepCutOff):
        return RunStatus.CUT_OFF
    if isinstance(exc, RunStoppedError):
        return exc.stop.status
    return RunStatus.FAILED


class RunRecorder:
    """Watches one running run: heartbeats, stop requests, and the single final write."""

    def __init__(
        self,
        db: AsyncStore,
        run: RunRecord,
        *,
        heartbeat_s: float,
        lease_s: float | None = None,
        check_s: float = STOP_CHECK_S,
    ) -> None:
        self.db = db
        self.run = run
        self.heartbeat_s = heartbeat_s
        self.lease_s = lease_s
        self.check_s = min(check_s, heartbeat_s)
        # Foreground runs are not fenced: nobody else can claim them.
        self.attempt = run.attempt if run.origin == "worker" else None
        self.rounds = 0
        self._progress = asyncio.Event()
        self.stop: StopRequest | None = None
        self.lost: str | None = None

    async def watch(self, work: Awaitable[T]) -> T:
        """Run ``work`` while keeping the run alive; stop it when asked from outside.

        Raises ``RunStoppedError`` when another process stopped the run and
        ``LeaseLostError`` when this process lost it; the run is not written then.
        """
        task = asyncio.ensure_future(work)
        watcher = asyncio.create_task(self._watch(task))
        try:
            return await task
        except asyncio.CancelledError:
            if self.stop is not None and not _cancelling():
                raise RunStoppedError(self.stop) from None
            if self.lost is not None and not _cancelling():
                raise LeaseLostError(self.lost) from None
            raise
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    def progress(self, rounds: int) -> None:
        """Note rounds done; the watcher writes them (with a heartbeat) off the event loop."""
        self.rounds = rounds
        self._progress.set()

    async def _watch(self, task: asyncio.Future[Any]) -> None:
        last_beat = time.monotonic()
        store = self.db.sync
        while not task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), self.check_s)
            progressed = self._progress.is_set()
            self._progress.clear()
            try:
                if progressed or time.monotonic() - last_beat >= self.heartbeat_s:
                    stop = await self.db.call(
                        store.heartbeat,
                        self.run.id,
                        rounds=self.rounds,
                        attempt=self.attempt,
                        lease_s=self.lease_s,
                    )
                    last_beat = time.monotonic()
                else:
                    stop = await self.db.call(store.stop_requested, self.run.id)
            except (LeaseLostError, RunEndedError) as exc:
                self.lost = str(exc)
                task.cancel(f"lost the run: {exc}")
                return
            except SleeptimeError:
                continue  # the database is away for a moment: the lease covers it
            if stop is not None:
                self.stop = stop
                task.cancel(f"{stop.status.value}: {stop.reason}")
                return

    async def complete(
        self,
        *,
        artifact_text: str,
        usage: Usage,
        rounds: int,
        details: dict[str, Any],
        anticipated: list[dict[str, Any]],
        format_version: str = "1",
    ) -> ArtifactRecord:
        """Write the artifact and mark the run complete in one transaction.

        ``format_version`` says how the artifact's text is laid out (a directory map
        followed by an index is ``repo.index.INDEX_FORMAT``).

        A stop asked at the last moment (after the watcher's last look) makes the store
        refuse the artifact; the run then ends with the stop's status here, at once,
        instead of waiting for its lease to run out, and ``RunStoppedError`` is raised.
        """
        try:
            return await self.db.call(
                self.db.sync.complete_run,
                self.run.id,
                artifact_text=artifact_text,
                usage=usage,
                rounds=rounds,
                details=details,
                anticipated=anticipated,
                format_version=format_version,
                attempt=self.attempt,
            )
        except RunEndedError:
            stop = await self.db.call(self.db.sync.stop_requested, self.run.id)
            if stop is None:
                raise
            self.stop = stop
            stopped = RunStoppedError(stop)
            await self.end(
                stopped, usage=usage, rounds=rounds, partial_text=artifact_text, details=details
            )
            raise stopped from None

    async def end(
        self,
        exc: BaseException,
        *,
        usage: Usage,
        rounds: int,
        partial_text: str | None,
        details: dict[str, Any],
    ) -> None:
        """Record how the work ended without an artifact; nothing when the run was lost."""
        if isinstance(exc, LeaseLostError) or self.lost is not None:
            return  # another attempt holds the run now; it writes the outcome
        if (
            isinstance(exc, asyncio.CancelledError)
            and self.attempt is not None
            and self.stop is None
        ):
            # The worker itself is stopping (SIGTERM, Ctrl-C): the work is still wanted,
            # so the run goes back to the queue for the next worker, its attempt returned.
            with contextlib.suppress(RunEndedError):
                await self.db.call(
                    self.db.sync.requeue_run,
                    self.run.id,
                    attempt=self.attempt,
                    delay_s=0.0,
                    reason=f"given back to the queue: {stop_reason(exc)}",
                )
            return
        status = end_status(exc)
        if isinstance(exc, RunStoppedError):
            error = exc.stop.reason
        elif isinstance(exc, SleeptimeError):
            error = str(exc)
        else:
            error = stop_reason(exc)
        with contextlib.suppress(RunEndedError):  # it ended meanwhile (e.g. reaped)
            await self.db.call(
                self.db.sync.fail_run,
                self.run.id,
                status=status,
                error=error,
                usage=usage,
                rounds=rounds,
                partial_text=partial_text,
                details=details,
                attempt=self.attempt,
            )


def _cancelling() -> bool:
    """Whether the current task itself is being cancelled (shutdown, Ctrl-C)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
