"""``sleeptime runs list|show``: inspect sleep runs, including failed ones."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from sleeptime.cli.common import app_for

if TYPE_CHECKING:
    from sleeptime.store import RunRecord


@click.group("runs")
def runs_group() -> None:
    """Inspect sleep runs (status, usage, errors, partial notes)."""


@runs_group.command("list")
@click.argument("name")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.pass_context
def list_runs(ctx: click.Context, name: str, limit: int) -> None:
    """List the sleep runs of context NAME, newest first."""
    with app_for(ctx) as app:
        runs = app.runs(name, limit=limit)
    if not runs:
        click.echo(f"no sleep runs for {name!r}; start one with: sleeptime sleep {name}")
    for run in runs:
        click.echo(
            f"{run.id[:8]}  {run.status:9} {run.recipe:12} {run.backend}/{run.model}  "
            f"rounds {run.rounds}  {run.prompt_tokens}+{run.completion_tokens} tokens  "
            f"{run.started_at:%Y-%m-%d %H:%M}"
        )


@runs_group.command("show")
@click.argument("run_id")
@click.pass_context
def show_run(ctx: click.Context, run_id: str) -> None:
    """Show one run (an id prefix of 6+ characters is enough)."""
    with app_for(ctx) as app:
        run = app.run(run_id)
    show_run_record(run)


def show_run_record(run: RunRecord) -> None:
    """Print a run as JSON, then its partial notes (shared by ``runs show`` and ``jobs show``)."""
    click.echo(json.dumps(run_as_json(run), indent=2, default=str))
    if run.partial_text:
        click.secho("partial notes (never served):", bold=True)
        click.echo(run.partial_text)


def run_as_json(run: RunRecord) -> dict[str, Any]:
    """The fields of a run a user looks at, in a stable order."""
    return {
        "id": run.id,
        "status": run.status,
        "origin": run.origin,
        "recipe": run.recipe,
        "recipe_version": run.recipe_version,
        "prompt_versions": run.prompt_versions,
        "backend": run.backend,
        "model": run.model,
        "settings": run.settings,
        "rounds": run.rounds,
        "usage": run.usage.to_dict(),
        "error": run.error,
        "queued_at": run.queued_at,
        "not_before": run.not_before,
        "priority": run.priority,
        "attempt": run.attempt,
        "max_attempts": run.max_attempts,
        "lease_owner": run.lease_owner,
        "lease_expires_at": run.lease_expires_at,
        "stop_requested": run.stop_reason,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "details": shown_details(run.details),
    }


def shown_details(details: dict[str, Any]) -> dict[str, Any]:
    """The run's details with the lookup table (a line per file, for ``ask --agent``)
    counted instead of printed: it is data for the ranking, not for reading."""
    lookup = details.get("lookup")
    if not isinstance(lookup, dict):
        return details
    files = lookup.get("files")
    count = len(files) if isinstance(files, list) else 0
    return {**details, "lookup": {"version": lookup.get("version"), "files": count}}
