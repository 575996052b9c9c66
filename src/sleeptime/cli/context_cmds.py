"""``sleeptime context add|list|show|delete``."""

from __future__ import annotations

from pathlib import Path

import click

from sleeptime.cli.common import app_for
from sleeptime.cli.repo_cmds import add_directory_cli, options_from, refresh_cli, snapshot_options


@click.group("context")
def context_group() -> None:
    """Add, list and inspect contexts (documents, code, conversations)."""


@context_group.command("add")
@click.argument("name")
@click.argument("source", metavar="FILE|-|DIR/")
@snapshot_options
@click.pass_context
def add_command(
    ctx: click.Context,
    name: str,
    source: str,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    max_file_bytes: int | None,
    max_total_bytes: int | None,
    max_files: int | None,
    no_git: bool,
) -> None:
    """Add FILE (or stdin with -) as the current text of context NAME, or a folder.

    A folder or git repository (DIR/) becomes a directory context: its included files
    and HEAD are snapshotted, and a new revision is recorded whenever they change (on
    `context add` again, `context refresh`, `sleep` and `ask --agent`).
    """
    from sleeptime.app import read_context
    from sleeptime.errors import InputError

    options = options_from(include, exclude, max_file_bytes, max_total_bytes, max_files, no_git)
    if source != "-" and (Path(source).is_dir() or source.endswith("/")):
        add_directory_cli(ctx, name, Path(source), options)
        return
    if options is not None:
        raise InputError(
            "--include, --exclude, --max-*-bytes, --max-files and --no-git apply to a folder; "
            f"{source} is not a directory"
        )
    text = read_context(source)
    with app_for(ctx) as app:
        context, revision, created = app.add_context(name, text)
        quiet = app.settings.sleep_quiet_s
    _report(context.name, revision.seq, revision.n_chars, created, quiet)


@context_group.command("refresh")
@click.argument("name")
@click.pass_context
def refresh_command(ctx: click.Context, name: str) -> None:
    """Look at directory context NAME's folder again; a new revision if it changed."""
    refresh_cli(ctx, name)


@context_group.command("append")
@click.argument("name")
@click.argument("source", metavar="FILE|-")
@click.pass_context
def append_command(ctx: click.Context, name: str, source: str) -> None:
    """Append FILE (or stdin with -) to context NAME as a new revision (for growing texts)."""
    from sleeptime.app import read_context

    text = read_context(source)
    with app_for(ctx) as app:
        context, revision, created = app.append_context(name, text)
        quiet = app.settings.sleep_quiet_s
    _report(context.name, revision.seq, revision.n_chars, created, quiet)


def _report(name: str, seq: int, n_chars: int, created: bool, quiet: float) -> None:
    if created:
        click.echo(
            f"context {name!r}: revision {seq} ({n_chars} characters). Next: "
            f"sleeptime sleep {name} (now), or a running `sleeptime worker` sleeps on it "
            f"after {quiet:g} s without changes"
        )
    else:
        click.echo(f"context {name!r}: unchanged, still revision {seq}")


@context_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """List contexts with their revision, sleep state and query count."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from sleeptime.names import shown

    with app_for(ctx) as app:
        rows = app.contexts()
    if not rows:
        click.echo("no contexts yet; add one with: sleeptime context add NAME FILE")
        return
    table = Table("name", "revision", "characters", "slept", "queries", "created")
    for row in rows:
        table.add_row(
            Text(shown(row.name)),
            str(row.current_seq),
            str(row.current_n_chars),
            "yes" if row.has_artifact else "no",
            str(row.n_queries),
            row.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    Console().print(table)


@context_group.command("show")
@click.argument("name")
@click.option("--full", is_flag=True, help="Print the whole text instead of the first lines.")
@click.pass_context
def show_command(ctx: click.Context, name: str, full: bool) -> None:
    """Show a context's current text, its revisions and its current notes (c')."""
    with app_for(ctx) as app:
        view = app.show(name)
    context, revision, revisions = view.context, view.revision, view.revisions
    artifact, runs = view.artifact, view.runs
    click.secho(f"{context.name} (tenant {context.tenant})", bold=True)
    click.echo(
        f"revisions: {', '.join(str(r.seq) for r in revisions)}; "
        f"current {revision.seq}, sha256 {revision.sha256[:12]}, "
        f"{revision.n_chars} characters"
    )
    if context.source is not None:
        click.echo(f"folder: {context.source.get('root')} (revision text: its manifest)")
    click.echo(_excerpt(revision.text, full))
    if runs:
        click.secho("recent sleep runs:", bold=True)
        for run in runs:
            click.echo(
                f"  {run.id[:8]}  {run.status:9} {run.recipe:12} {run.model}  "
                f"{run.prompt_tokens + run.completion_tokens} tokens"
            )
    if artifact is None:
        click.echo(f"no notes yet for revision {revision.seq}; run: sleeptime sleep {name}")
    else:
        click.secho(
            f"notes c' (run {artifact.run_id[:8]}, {artifact.n_chars} characters):", bold=True
        )
        click.echo(_excerpt(artifact.text, full))


@context_group.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def delete_command(ctx: click.Context, name: str, yes: bool) -> None:
    """Delete a context with its revisions, runs, notes and queries."""
    with app_for(ctx) as app:
        app.context(name)
        if not yes:
            click.confirm(f"delete context {name!r} and everything recorded about it?", abort=True)
        app.delete_context(name)
    click.echo(f"deleted context {name!r}")


def _excerpt(text: str, full: bool, lines: int = 12) -> str:
    if full:
        return text
    parts = text.splitlines()
    if len(parts) <= lines:
        return text
    return "\n".join(parts[:lines]) + f"\n... ({len(parts) - lines} more lines; use --full)"
