"""``sleeptime jobs list|show|cancel``: background sleep runs and what they are waiting for."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from sleeptime.cli.common import app_for
from sleeptime.cli.runs_cmds import show_run_record

STATUS_CHOICES = ("queued", "running", "complete", "failed", "cut_off", "superseded", "abandoned")


@click.group("jobs")
def jobs_group() -> None:
    """Background sleep runs: queued, running, and how they ended."""


@jobs_group.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUS_CHOICES),
    help="Only runs in this status (repeatable). Default: queued and running.",
)
@click.option("--all", "show_all", is_flag=True, help="Every background run, ended ones too.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.pass_context
def list_jobs(ctx: click.Context, statuses: tuple[str, ...], show_all: bool, limit: int) -> None:
    """List background sleep runs, newest first, with progress and what each waits for."""
    from sleeptime.values import RunStatus

    wanted = tuple(RunStatus(s) for s in statuses)
    if not wanted and not show_all:
        wanted = (RunStatus.QUEUED, RunStatus.RUNNING)
    with app_for(ctx) as app:
        jobs = app.jobs(statuses=wanted, limit=limit)
        names = {c.id: c.name for c in app.contexts()}
    if not jobs:
        click.echo(
            "no background sleep runs"
            + ("" if show_all else " queued or running (add --all for ended ones)")
            + "; a worker queues them: sleeptime worker"
        )
        return
    now = datetime.now(UTC)
    for job in jobs:
        context = names.get(job.context_id, f"context {job.context_id}")
        if job.status == "queued":
            wait = job.details.get("waiting") if isinstance(job.details, dict) else None
            if job.not_before and job.not_before > now:
                state = f"due in {(job.not_before - now).total_seconds():.0f} s"
            else:
                state = "due now"
            if wait:
                state = str(wait)
        elif job.status == "running":
            state = (
                f"round {job.rounds}, attempt {job.attempt}/{job.max_attempts}, "
                f"worker {job.lease_owner}"
            )
        else:
            state = (job.error or "")[:100]
        click.echo(
            f"{job.id[:8]}  {job.status:10} {context} rev {job.revision_seq}  "
            f"{job.recipe:10} prio {job.priority:.3g}  {state}"
        )


@jobs_group.command("show")
@click.argument("run_id")
@click.pass_context
def show_job(ctx: click.Context, run_id: str) -> None:
    """Show one background run (an id prefix of 6+ characters is enough)."""
    with app_for(ctx) as app:
        run = app.run(run_id)
    show_run_record(run)


@jobs_group.command("cancel")
@click.argument("run_id")
@click.pass_context
def cancel_job(ctx: click.Context, run_id: str) -> None:
    """Cancel a queued run now, or stop a running one (within a second)."""
    with app_for(ctx) as app:
        run = app.cancel(run_id)
    if run.status == "running":
        click.echo(f"asked run {run.id[:8]} to stop; its worker ends it within a second")
    else:
        click.echo(f"cancelled run {run.id[:8]} ({run.status})")
