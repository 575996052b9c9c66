"""``sleeptime worker``: sleep on contexts in the background until stopped."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

from sleeptime.cli.common import run_with_app

if TYPE_CHECKING:
    from sleeptime.app import Sleeptime


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Runs at once in this process (the embedded model serves one request at a time).",
)
@click.option(
    "--auto/--no-auto",
    default=None,
    help="Queue sleep on every new revision after the quiet period "
    "(default: SLEEPTIME_AUTO_SLEEP, on).",
)
@click.option("--name", default=None, help="Worker name shown on its runs (default: host:pid).")
@click.option("--max-runs", type=click.IntRange(1), default=None, help="Exit after this many runs.")
@click.option(
    "--idle-exit",
    type=click.FloatRange(0.1),
    default=None,
    help="Exit after this many seconds with nothing queued or running.",
)
@click.pass_context
def worker_command(
    ctx: click.Context,
    concurrency: int,
    auto: bool | None,
    name: str | None,
    max_runs: int | None,
    idle_exit: float | None,
) -> None:
    """Run queued sleep in the background; stop with Ctrl-C or SIGTERM (runs are requeued).

    Any number of workers may share one database. A worker killed with kill -9 loses
    its lease after SLEEPTIME_WORKER_LEASE_S seconds and its run is taken up again.
    """
    from sleeptime.worker import Worker

    # Only our own lines: libraries (Alembic, procrastinate, httpx) keep their defaults.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    logger = logging.getLogger("sleeptime")
    logger.setLevel(logging.INFO)
    logger.handlers = [handler]
    logger.propagate = False

    async def work(app: Sleeptime) -> None:
        worker = Worker(app.runtime, name=name, concurrency=concurrency, auto_sleep=auto)
        click.echo(
            f"worker {worker.name}: {concurrency} slot(s), database {app.runtime.database}, "
            f"auto sleep {'on' if worker.auto_sleep else 'off'} "
            f"(quiet period {app.settings.sleep_quiet_s:g} s); Ctrl-C to stop",
            err=True,
        )
        stats = await worker.run(max_runs=max_runs, idle_exit_s=idle_exit)
        click.echo(
            f"worker {worker.name} done: {stats.completed} complete, {stats.failed} failed, "
            f"{stats.stopped} stopped, {stats.requeued} waiting, {stats.queued} queued",
            err=True,
        )

    from sleeptime.cli.common import TerminatedError

    try:
        run_with_app(ctx, work)
    except TerminatedError as exc:
        # SIGTERM/SIGHUP is how a service manager stops a worker: not an error.
        click.echo(
            f"worker stopped ({exc.signal_name}); runs in progress went back to the queue",
            err=True,
        )
