"""On PostgreSQL, procrastinate carries the work between workers on any number of hosts.

The ``sleep_runs`` table stays the one source of truth for what is queued, who holds it
(lease, attempt) and how it ended; procrastinate is the delivery system: for every queued
run a procrastinate job ``sleeptime.run(run_id)`` is deferred (``queueing_lock`` per run,
``scheduled_at`` its quiet period, ``priority`` its scheduling priority), and whichever
worker's procrastinate loop fetches it (``FOR UPDATE SKIP LOCKED``, woken by
LISTEN/NOTIFY) claims the run by id under a lease and runs it. A job that fires for a run
that is no longer queued does nothing; one that fires early (the quiet period was pushed
back) defers itself again for the new time. A worker killed with ``kill -9`` leaves a
procrastinate job ``doing`` forever; the run's lease expiry requeues the run (our reaper),
the next sync defers a fresh job, and stalled procrastinate rows are closed as failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sleeptime.errors import ConfigError, SleeptimeError
from sleeptime.store.db import parse_url
from sleeptime.values import RunStatus

if TYPE_CHECKING:
    from sleeptime.worker.worker import Worker

log = logging.getLogger("sleeptime.worker")

QUEUE = "sleep"
TASK = "sleeptime.run"
_SCHEMA_LOCK = 0x5EE9_9A0E
_PRIORITY_SCALE = 1000
"""procrastinate priorities are integers; ours are floats (benefit per sleep token)."""


def conninfo_for(url: str) -> str:
    """A libpq URI for procrastinate's psycopg pool from a SQLAlchemy database URL."""
    return parse_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _ensure_schema(conninfo: str, schema_sql: str) -> bool:
    """Apply procrastinate's schema once (its SQL is not idempotent); True if applied now."""
    import psycopg

    with psycopg.connect(conninfo) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is not None and row[0] is not None:
            return False
        conn.execute(schema_sql.encode())  # bytes: no placeholder parsing of its '%'
        return True


class PgDispatch:
    """One worker's procrastinate app: defers wake-ups and runs the jobs it fetches."""

    def __init__(self, worker: Worker, url: str) -> None:
        try:
            from procrastinate import App, PsycopgConnector
        except ImportError as exc:
            raise ConfigError(
                f"a worker on PostgreSQL needs procrastinate ({exc}); "
                "install it with: pip install 'sleeptime[postgres]'"
            ) from exc
        self.worker = worker
        self.conninfo = conninfo_for(url)
        self.app = App(connector=PsycopgConnector(conninfo=self.conninfo, min_size=1, max_size=4))
        self._deferred: dict[str, tuple[datetime | None, int]] = {}
        """Runs this process deferred a job for, with the (not_before, attempt) it was for."""

        @self.app.task(name=TASK, queue=QUEUE, pass_context=False)
        async def run_job(run_id: str) -> None:
            await self._run(run_id)

        self._task = run_job

    async def open(self) -> None:
        """Open the pool and make sure procrastinate's tables exist."""
        await self.app.open_async()
        schema = self.app.schema_manager.get_schema()
        if await asyncio.to_thread(_ensure_schema, self.conninfo, schema):
            log.info("created procrastinate's tables in the database")

    async def close(self) -> None:
        """Close the pool."""
        with contextlib.suppress(Exception):
            await self.app.close_async()

    async def sync(self) -> int:
        """Defer a job for every queued run this process has not deferred (or whose time
        moved); return how many were deferred."""
        from procrastinate.exceptions import AlreadyEnqueued

        db, store = self.worker.runtime.db, self.worker.runtime.store
        queued = await db.call(
            store.list_jobs, tenant=None, statuses=(RunStatus.QUEUED,), limit=1000
        )
        seen = {run.id for run in queued}
        for gone in set(self._deferred) - seen:
            del self._deferred[gone]
        count = 0
        for run in queued:
            # A run claimed and given back between two passes has a new attempt: its old
            # job is spent, so it needs a new one even if its time did not move.
            if self._deferred.get(run.id) == (run.not_before, run.attempt):
                continue
            try:
                await self._defer(run.id, run.not_before, run.priority)
                count += 1
            except AlreadyEnqueued:
                pass  # another worker deferred it
            self._deferred[run.id] = (run.not_before, run.attempt)
        return count

    async def _defer(self, run_id: str, at: datetime | None, priority: float) -> None:
        options: dict[str, Any] = {
            "queueing_lock": f"run:{run_id}",
            "priority": max(min(int(priority * _PRIORITY_SCALE), 2**31 - 1), -(2**31)),
        }
        if at is not None and at > datetime.now(UTC):
            options["schedule_at"] = at
        await self._task.configure(**options).defer_async(run_id=run_id)

    async def _run(self, run_id: str) -> None:
        """The procrastinate task: claim the most urgent due run and run it.

        A job is a wake-up, not a ticket for one run: taking the most urgent run keeps
        the table's order (priority, then when first queued), so a run taken back from a
        dead worker does not wait behind everything queued since. Every queued run has a
        job, so the number of wake-ups matches the work.
        """
        from procrastinate.exceptions import AlreadyEnqueued

        worker = self.worker
        db, store = worker.runtime.db, worker.runtime.store
        run = await db.call(store.claim_run, worker.name, lease_s=worker.lease_s)
        if run is None:
            with contextlib.suppress(SleeptimeError):
                current = await db.call(store.get_run, run_id)
                if current.status == RunStatus.QUEUED and current.not_before is not None:
                    # Fired before its (pushed back) quiet period ended: wake up then.
                    with contextlib.suppress(AlreadyEnqueued):
                        await self._defer(run_id, current.not_before, current.priority)
            return
        worker.stats.run_ids.append(run.id)
        await worker.execute(run)

    async def close_stalled(self) -> int:
        """Close procrastinate rows left ``doing`` by dead workers (our reaper requeued their
        runs); the run's own record says what happened."""
        from procrastinate.jobs import Status

        manager = self.app.job_manager
        stalled = list(
            await manager.get_stalled_jobs(
                seconds_since_heartbeat=max(self.worker.lease_s, 10.0), queue=QUEUE
            )
        )
        for job in stalled:
            if job.id is not None:
                with contextlib.suppress(Exception):
                    await manager.finish_job_by_id_async(job.id, status=Status.FAILED,
                                                         delete_job=False)  # fmt: skip
        return len(stalled)

    async def serve(self, concurrency: int) -> None:
        """Run procrastinate's worker loop until cancelled, again after a database error.

        Why again: procrastinate's loop ends when a query fails (a pooled connection the
        server closed while it restarted, seen under load), and a loop that ended would end
        the worker. The scheduler already rides out an outage by retrying; so does this. A
        run the lost loop held keeps its lease and is taken back by the reaper if need be.
        """
        from procrastinate.exceptions import ConnectorException

        settings = self.worker.settings
        while True:
            try:
                await self.app.run_worker_async(
                    queues=[QUEUE],
                    name=self.worker.name,
                    concurrency=concurrency,
                    wait=True,
                    install_signal_handlers=False,
                    fetch_job_polling_interval=settings.worker_poll_s,
                    abort_job_polling_interval=settings.worker_poll_s,
                    shutdown_graceful_timeout=1.0,
                    update_heartbeat_interval=max(self.worker.lease_s / 3, 1.0),
                    stalled_worker_timeout=max(self.worker.lease_s, 10.0),
                    delete_jobs="successful",
                )
                return
            except ConnectorException as exc:
                log.warning(
                    "worker %s: procrastinate's loop lost the database (%s); starting it again "
                    "in %.1f s", self.worker.name, exc.__cause__ or exc, settings.worker_poll_s,
                )  # fmt: skip
                await asyncio.sleep(settings.worker_poll_s)
