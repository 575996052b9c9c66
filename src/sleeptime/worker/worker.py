"""``Worker``: sleeps on contexts in the background, durably, until it is stopped.

Each worker process runs three kinds of task on one event loop:

- the **scheduler** (every ``worker_poll_s``): ends or requeues runs whose lease ran out
  (a worker killed with ``kill -9``), and — when the policy ``auto_sleep`` is on — queues
  sleep on every current revision that has been quiet for ``sleep_quiet_s`` and has no
  notes, with a priority from ``scheduling/``;
- ``concurrency`` **slots**, each claiming the most urgent due run and running it under
  a ``RunRecorder`` (lease, heartbeats, stop requests, one final write);
- nothing else: all state is in the database, so any number of workers on any number of
  hosts can share it, and a worker that dies loses nothing but the lease it held.

A stopped worker (SIGTERM, Ctrl-C) gives its runs back to the queue instead of failing
them, so a restart or another worker picks them up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sleeptime.app.repo_context import warm_after_sleep
from sleeptime.app.runtime import Runtime
from sleeptime.app.warm import warm_answer_prefix
from sleeptime.backends.base import Backend
from sleeptime.errors import InputError, LeaseLostError, RunEndedError, SleeptimeError
from sleeptime.repo.index_run import run_index_sleep
from sleeptime.repo.sleep_run import run_directory_sleep
from sleeptime.scheduling import gather_inputs, priority_of
from sleeptime.sleep.recipes import SleepBudget, parse_recipe
from sleeptime.sleep.recorder import RunStoppedError
from sleeptime.sleep.runner import run_sleep
from sleeptime.store import RunRecord
from sleeptime.values import Usage
from sleeptime.worker.budgets import check_budget
from sleeptime.worker.incremental import appended_for, incremental_base
from sleeptime.worker.policy import size_run
from sleeptime.worker.spec import enqueue_sleep, spec_of

if TYPE_CHECKING:
    from sleeptime.worker.pg_queue import PgDispatch

log = logging.getLogger("sleeptime.worker")


def default_name() -> str:
    """``host:pid:random``: unique per process, readable in ``jobs show``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(slots=True)
class WorkerStats:
    """What a worker did since it started."""

    completed: int = 0
    failed: int = 0
    stopped: int = 0
    requeued: int = 0
    queued: int = 0
    reaped: int = 0
    run_ids: list[str] = field(default_factory=list)


class Worker:
    """Runs queued sleep on a ``Runtime``; ``run()`` until the stop event is set."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        name: str | None = None,
        concurrency: int = 1,
        auto_sleep: bool | None = None,
    ) -> None:
        if concurrency < 1:
            raise InputError(f"a worker needs at least one slot, not {concurrency}")
        self.runtime = runtime
        self.settings = runtime.settings
        self.name = name or default_name()
        self.concurrency = concurrency
        self.auto_sleep = self.settings.auto_sleep if auto_sleep is None else auto_sleep
        self.stats = WorkerStats()
        self._wake = asyncio.Event()
        self._idle = 0
        self._ticks = 0
        self._quiet_ticks = 0
        """Scheduler passes in a row that ended queueing nothing (0: none yet, or work found)."""
        self._busy = 0
        self._dispatch: PgDispatch | None = None

    @property
    def lease_s(self) -> float:
        """How long a run stays this worker's without a heartbeat."""
        return self.settings.worker_lease_s

    async def run(
        self, *, stop: asyncio.Event | None = None, max_runs: int | None = None,
        idle_exit_s: float | None = None,
    ) -> WorkerStats:  # fmt: skip
        """Work until ``stop`` is set, ``max_runs`` runs ended, or idle for ``idle_exit_s``.

        With a PostgreSQL store the runs come through procrastinate (``pg_queue.py``);
        with SQLite this process's slots claim them from the table.
        """
        stop = stop or asyncio.Event()
        done = asyncio.Event()
        dispatch = None
        if self.runtime.store.dialect == "postgresql":
            from sleeptime.worker.pg_queue import PgDispatch

            dispatch = PgDispatch(self, self.runtime.store.connect_url)
            try:
                await dispatch.open()
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    # The pool's open can swallow a cancel (SIGTERM during start-up).
                    raise asyncio.CancelledError("stopped while starting")
            except BaseException:
                await dispatch.close()
                raise
        self._dispatch = dispatch
        log.info(
            "worker %s started with %d slot(s)%s", self.name, self.concurrency,
            " on procrastinate" if dispatch else "",
        )  # fmt: skip
        tasks = [asyncio.create_task(self._scheduler(stop, done))]
        if dispatch is not None:
            tasks.append(asyncio.create_task(dispatch.serve(self.concurrency)))
            if max_runs is not None:
                tasks.append(asyncio.create_task(self._count_watch(done, max_runs)))
        else:
            tasks += [
                asyncio.create_task(self._slot(slot, stop, done, max_runs))
                for slot in range(self.concurrency)
            ]
        if idle_exit_s is not None:
            tasks.append(asyncio.create_task(self._idle_watch(stop, done, idle_exit_s)))
        try:
            await _first(stop, done, *tasks)
            done.set()
            self._wake.set()
            # Slots end after their current run; procrastinate's loop is stopped.
            if dispatch is not None:
                tasks[1].cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if dispatch is not None:
                await dispatch.close()
        log.info("worker %s stopped: %s", self.name, self.stats)
        return self.stats

    async def _count_watch(self, done: asyncio.Event, max_runs: int) -> None:
        while not done.is_set():
            if len(self.stats.run_ids) >= max_runs and not self._busy:
                done.set()
                return
            await _wait(done, 0.1)

    async def tick(self) -> int:
        """One scheduler pass: reap lost runs and queue what the policy asks for."""
        try:
            queued = await self._tick()
        except BaseException:
            self._quiet_ticks = 0  # a failed pass says nothing about the queue
            raise
        self._quiet_ticks = 0 if queued else self._quiet_ticks + 1
        return queued

    async def _tick(self) -> int:
        db, store = self.runtime.db, self.runtime.store
        self.stats.reaped += await db.call(store.mark_abandoned, self.settings.stale_run_s)
        if not self.auto_sleep:
            if self._dispatch is not None:
                await self._dispatch.sync()
            return 0
        quiet_before = datetime.now(UTC) - timedelta(seconds=self.settings.sleep_quiet_s)
        pending = await db.call(store.revisions_needing_sleep, quiet_before=quiet_before)
        recipe = parse_recipe(self.settings.sleep_recipe)
        queued = 0
        priorities: dict[str, dict[str, float]] = {}
        for context, revision in pending:
            if context.tenant not in priorities:
                inputs = await db.call(gather_inputs, store, context.tenant)
                priorities[context.tenant] = {i.name: priority_of(i).priority for i in inputs}
            priority = priorities[context.tenant].get(context.name, 0.0)
            verdict = await db.call(
                check_budget, store, self.settings, tenant=context.tenant,
                context_id=context.id, context_name=context.name,
            )  # fmt: skip
            base = await db.call(incremental_base, store, revision)
            sized = size_run(
                priority, recipe, SleepBudget(rephrase=self.settings.anticipate_rephrase),
                context_chars=revision.n_chars,
                remaining_tokens=verdict.remaining,
            )  # fmt: skip
            _, created = await db.call(
                enqueue_sleep,
                store,
                revision,
                recipe=sized.recipe,
                budget=sized.budget,
                seed=self.settings.seed,
                backend=self.settings.backend,
                model=self.settings.model,
                priority=priority,
                max_attempts=self.settings.sleep_max_attempts,
                reason=sized.reason,
                incremental_from=base.id if base else None,
            )
            queued += created
        if queued:
            self.stats.queued += queued
            log.info("queued sleep on %d revision(s)", queued)
            self._wake.set()
        if self._dispatch is not None:
            await self._dispatch.sync()
            self._ticks += 1
            if self._ticks % 10 == 0:
                await self._dispatch.close_stalled()
        return queued

    async def _scheduler(self, stop: asyncio.Event, done: asyncio.Event) -> None:
        while not (stop.is_set() or done.is_set()):
            try:
                await self.tick()
            except SleeptimeError as exc:
                log.warning("scheduler: %s (will retry)", exc)
            await _wait(done, self.settings.worker_poll_s)

    async def _slot(
        self, slot: int, stop: asyncio.Event, done: asyncio.Event, max_runs: int | None
    ) -> None:
        db, store = self.runtime.db, self.runtime.store
        while not (stop.is_set() or done.is_set()):
            if max_runs is not None and len(self.stats.run_ids) >= max_runs:
                done.set()
                return
            try:
                run = await db.call(store.claim_run, self.name, lease_s=self.lease_s)
            except SleeptimeError as exc:
                log.warning("slot %d: cannot claim work: %s (will retry)", slot, exc)
                run = None
            if run is None:
                self._idle += 1
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.worker_poll_s)
                continue
            self._idle = 0
            self.stats.run_ids.append(run.id)
            await self.execute(run)

    async def _idle_watch(self, stop: asyncio.Event, done: asyncio.Event, idle_s: float) -> None:
        """End the worker once nothing was queued or running for ``idle_s`` seconds."""
        quiet_since = asyncio.get_running_loop().time()
        store = self.runtime.store
        while not done.is_set():
            await _wait(done, min(idle_s, self.settings.worker_poll_s))
            due = await self.runtime.db.call(store.next_due_at)
            soon = datetime.now(UTC) + timedelta(seconds=self.settings.worker_poll_s)
            # Busy: running a run, a pass that just queued work (or none has ended yet), or
            # work due soon (not tomorrow's). A pass in progress is not work by itself: on a
            # loaded machine passes run most of the time, and the worker would never idle.
            busy = self._busy > 0 or self._quiet_ticks == 0
            busy = busy or (due is not None and due <= soon)
            busy = busy or any(
                r.status == "running"
                for r in await self.runtime.db.call(store.list_jobs, tenant=None, limit=20)
            )
            now = asyncio.get_running_loop().time()
            if busy:
                quiet_since = now
            elif now - quiet_since >= idle_s:
                stop.set()
                return

    async def execute(self, run: RunRecord) -> None:
        """Run one claimed run to its end; every outcome is recorded, none escapes."""
        self._busy += 1
        try:
            await self._execute(run)
        finally:
            self._busy -= 1

    async def _execute(self, run: RunRecord) -> None:
        db, store = self.runtime.db, self.runtime.store
        short = run.id[:8]
        try:
            spec = spec_of(run)
            revision = await db.call(store.get_revision, run.revision_id)
            context = await db.call(store.context_of_revision, run.revision_id)
            appended = None
            if spec.incremental_from is not None:
                appended = await db.call(appended_for, store, revision, spec.incremental_from)
        except SleeptimeError as exc:
            await self._give_up(run, f"the queued run cannot be started: {exc}")
            return
        verdict = await db.call(
            check_budget, store, self.settings, tenant=context.tenant,
            context_id=context.id, context_name=context.name,
        )  # fmt: skip
        if not verdict.allowed:
            delay = (
                (verdict.retry_at - datetime.now(UTC)).total_seconds() if verdict.retry_at else 3600
            )
            with contextlib.suppress(RunEndedError):
                await db.call(
                    store.requeue_run, run.id, attempt=run.attempt, delay_s=delay,
                    reason=verdict.reason,
                )  # fmt: skip
            self.stats.requeued += 1
            log.info("run %s waits: %s", short, verdict.reason)
            return
        budget = spec.budget
        if verdict.remaining is not None:
            limit = min(budget.max_sleep_tokens or verdict.remaining, verdict.remaining)
            budget = replace(budget, max_sleep_tokens=limit)
        log.info("run %s: sleeping on %s revision %d", short, context.name, revision.seq)
        try:
            backend: Backend | None = None
            if context.source is not None and not self.settings.repo_sleep_map:
                # The index alone: no model to load, no model call.
                result = await run_index_sleep(
                    db, context, revision, self.settings.repo_index_chars, run=run,
                    heartbeat_s=max(self.lease_s / 3, 0.5), lease_s=self.lease_s,
                )  # fmt: skip
            elif context.source is not None:  # a folder: the repository agent maps it
                backend = await self._load_backend(spec.backend, spec.model)
                result = await run_directory_sleep(
                    db, context, revision, backend, budget, seed=spec.seed, run=run,
                    heartbeat_s=max(self.lease_s / 3, 0.5), lease_s=self.lease_s,
                    index_chars=self.settings.repo_index_chars,
                )  # fmt: skip
            else:
                backend = await self._load_backend(spec.backend, spec.model)
                result = await run_sleep(
                    db, revision, backend, spec.recipe, budget, seed=spec.seed, run=run,
                    heartbeat_s=max(self.lease_s / 3, 0.5), lease_s=self.lease_s,
                    appended=appended,
                )  # fmt: skip
        except asyncio.CancelledError:
            raise
        except RunStoppedError as exc:
            self.stats.stopped += 1
            log.info("run %s stopped: %s", short, exc.stop.reason)
            return
        except LeaseLostError as exc:
            log.warning("run %s: lost the lease, result discarded: %s", short, exc)
            return
        except SleeptimeError as exc:  # the recorder has written the reason
            self.stats.failed += 1
            log.warning("run %s failed: %s", short, exc)
            return
        except Exception as exc:  # a bug: recorded by the recorder; the worker goes on
            self.stats.failed += 1
            log.exception("run %s failed unexpectedly: %r", short, exc)
            return
        self.stats.completed += 1
        log.info(
            "run %s complete: %d notes characters, %d tokens",
            short, result.artifact.n_chars, result.usage.total_tokens,
        )  # fmt: skip
        if backend is None:  # the index alone: no model wrote it, the answering one reads it
            try:
                backend = await self._load_backend(spec.backend, spec.model)
            except SleeptimeError as exc:
                log.info("run %s: prompt state not saved (%s); the first ask saves it", short, exc)
                return
        if context.source is not None:
            await warm_after_sleep(self.settings, backend, context, revision, result)
            return
        with contextlib.suppress(SleeptimeError):
            await warm_answer_prefix(
                backend, revision.text, result.artifact,
                label=f"{context.name} artifact {result.artifact.id}", tenant=context.tenant,
            )  # fmt: skip

    async def _load_backend(self, name: str | None, model: str | None) -> Backend:
        """Loading a model takes seconds: off the loop, so heartbeats keep the lease."""
        return await asyncio.to_thread(self.runtime.backends.for_sleep, name, model)

    async def _give_up(self, run: RunRecord, reason: str) -> None:
        """End a run that cannot go on (bad payload, deleted context); already-ended is fine."""
        store = self.runtime.store
        with contextlib.suppress(RunEndedError, SleeptimeError):
            await self.runtime.db.call(
                store.fail_run, run.id, status="failed", error=reason, usage=Usage(),
                rounds=0, partial_text=None, details={}, attempt=run.attempt,
            )  # fmt: skip


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


async def _first(stop: asyncio.Event, done: asyncio.Event, *tasks: asyncio.Task[Any]) -> None:
    """Return as soon as an event is set or a task ended (a crashed task ends the worker)."""
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(done.wait())]
    try:
        finished, _ = await asyncio.wait([*waits, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
    for task in finished:
        if task in tasks and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
