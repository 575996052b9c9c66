"""``sleeptime runs list|show``: inspect sleep runs, including failed ones."""

from __future__ import annotations

import json

import click

from sleeptime.cli.common import open_app


@click.group("runs")
def runs_group() -> None:
    """Inspect sleep runs (status, usage, errors, partial notes)."""


@runs_group.command("list")
@click.argument("name")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.pass_context
def list_runs(ctx: click.Context, name: str, limit: int) -> None:
    """List the sleep runs of context NAME, newest first."""
    app = open_app(ctx)
    try:
        context, _ = app.context(name)
        runs = app.store.list_runs(context_id=context.id, limit=limit, tenant=app.tenant)
    finally:
        app.store.close()
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
    app = open_app(ctx)
    try:
        run = app.run(run_id)
    finally:
        app.store.close()
    click.echo(
        json.dumps(
            {
                "id": run.id,
                "status": run.status,
                "recipe": run.recipe,
                "recipe_version": run.recipe_version,
                "prompt_versions": run.prompt_versions,
                "backend": run.backend,
                "model": run.model,
                "settings": run.settings,
                "rounds": run.rounds,
                "usage": run.usage.to_dict(),
                "error": run.error,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "details": run.details,
            },
            indent=2,
            default=str,
        )
    )
    if run.partial_text:
        click.secho("partial notes (never served):", bold=True)
        click.echo(run.partial_text)
