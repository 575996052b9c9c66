"""Directory contexts on the command line: add/refresh a folder, sleep on it, ask the agent.

``context add NAME PATH/`` and ``sleep``/``ask --agent`` on a directory context land
here; the library functions are in ``sleeptime.app.repo_context``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sleeptime.cli.common import app_for, run_with_app

if TYPE_CHECKING:
    from sleeptime.app import Sleeptime
    from sleeptime.app.repo_context import DirectoryRevision
    from sleeptime.repo.snapshot import SnapshotOptions
    from sleeptime.sleep import EventSink, SleepBudget, SleepResult

F = TypeVar("F", bound=Callable[..., Any])
SHOWN_SKIPS = 5


def snapshot_options(func: F) -> F:
    """Options of ``context add`` that say what of a folder is included."""
    options = [
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            help="Folder only: include only files matching this gitignore-style pattern "
            "(repeatable).",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Folder only: leave out files matching this pattern, on top of .gitignore "
            "(repeatable).",
        ),
        click.option(
            "--max-file-bytes",
            type=click.IntRange(1, None),
            default=None,
            help="Folder only: skip files larger than this (default 1,000,000).",
        ),
        click.option(
            "--max-total-bytes",
            type=click.IntRange(1, None),
            default=None,
            help="Folder only: stop including files past this total (default 50,000,000).",
        ),
        click.option(
            "--max-files",
            type=click.IntRange(1, None),
            default=None,
            help="Folder only: include at most this many files (default 20,000).",
        ),
        click.option(
            "--no-git",
            is_flag=True,
            help="Folder only: walk the folder with its .gitignore files instead of asking git.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def options_from(
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    max_file_bytes: int | None,
    max_total_bytes: int | None,
    max_files: int | None,
    no_git: bool,
) -> SnapshotOptions | None:
    """The snapshot options given on the command line, or None when none was given."""
    from sleeptime.repo.snapshot import SnapshotOptions

    given: dict[str, Any] = {
        "include": tuple(include),
        "exclude": tuple(exclude),
        "max_file_bytes": max_file_bytes,
        "max_total_bytes": max_total_bytes,
        "max_files": max_files,
        "use_git": False if no_git else None,
    }
    chosen = {key: value for key, value in given.items() if value not in (None, ())}
    return SnapshotOptions(**chosen) if chosen else None


def add_directory_cli(
    ctx: click.Context, name: str, path: Path, options: SnapshotOptions | None
) -> None:
    """``context add NAME PATH/``: snapshot the folder and record it as a revision."""
    from sleeptime.app.repo_context import add_directory

    with app_for(ctx) as app:
        looked = add_directory(app, name, path, options)
        quiet = app.settings.sleep_quiet_s
    report_directory(looked, quiet)


def refresh_cli(ctx: click.Context, name: str) -> None:
    """``context refresh NAME``: look at the folder again."""
    from sleeptime.app.repo_context import refresh_directory

    with app_for(ctx) as app:
        looked = refresh_directory(app, name)
        quiet = app.settings.sleep_quiet_s
    report_directory(looked, quiet)


def report_directory(looked: DirectoryRevision, quiet: float) -> None:
    """What a look at a folder found: files, skips, and whether a revision was recorded."""
    snapshot, name, seq = looked.snapshot, looked.context.name, looked.revision.seq
    what = "git repository" if snapshot.kind == "git" else "folder"
    head = f" at {snapshot.head[:12]}" if snapshot.head else ""
    click.echo(
        f"{what} {snapshot.root}{head}: {len(snapshot.files)} files "
        f"({snapshot.total_bytes:,} bytes) included, {len(snapshot.skipped)} skipped, "
        f"{snapshot.excluded} left out by patterns"
    )
    for skip in snapshot.skipped[:SHOWN_SKIPS]:
        click.echo(f"  skipped {skip.path}: {skip.reason}")
    if len(snapshot.skipped) > SHOWN_SKIPS:
        click.echo(f"  ... and {len(snapshot.skipped) - SHOWN_SKIPS} more skipped")
    if snapshot.kind == "git" and snapshot.head is None:
        click.echo("note: the repository has no commits yet, so the agent sees no history")
    if looked.created:
        click.echo(
            f"context {name!r}: revision {seq} (snapshot {snapshot.content_hash[:12]}). "
            f"Next: sleeptime sleep {name} (now), or a running `sleeptime worker` sleeps on "
            f"it after {quiet:g} s without changes"
        )
    else:
        click.echo(f"context {name!r}: unchanged, still revision {seq}")


async def sleep_directory_cli(
    app: Sleeptime,
    name: str,
    *,
    recipe: str,
    budget: SleepBudget,
    backend: str | None,
    model: str | None,
    on_event: EventSink,
    full: bool,
    index_chars: int | None = None,
    write_map: bool | None = None,
) -> SleepResult:
    """Sleep on a directory context (the CLI path: --full, --index-chars, --map/--no-map)."""
    from sleeptime.app.repo_context import sleep_directory
    from sleeptime.sleep import parse_recipe

    return await sleep_directory(
        app, name, budget=budget, backend=backend, model=model, on_event=on_event,
        incremental=not full, recipe=parse_recipe(recipe), index_chars=index_chars,
        write_map=write_map,
    )  # fmt: skip


def report_directory_sleep(name: str, run_details: dict[str, Any], result: SleepResult) -> None:
    """One line about a directory sleep run, and whether it started from an earlier map."""
    agent = run_details.get("agent")
    index = run_details.get("index")
    if agent is None and index:
        click.echo(
            f"slept on {name!r}: run {result.run_id[:8]}, the repository index alone (no "
            f"model call, {index['version']}): {index['files']} files in {index['chars']} "
            "characters"
        )
        _report_lookup(run_details)
        _report_tail(name, result)
        return
    agent = agent or {}
    usage = result.usage
    click.echo(
        f"slept on {name!r}: run {result.run_id[:8]}, {agent.get('steps', 0)} agent steps, "
        f"{agent.get('tool_calls', 0)} tool calls, {usage.prompt_tokens} prompt + "
        f"{usage.completion_tokens} generated tokens in {usage.wall_time_s:.1f}s; map: "
        f"{result.artifact.n_chars} characters"
    )
    if index:
        click.echo(
            f"index ({index['version']}, no model): {index['files']} files in "
            f"{index['chars']} characters after the map"
        )
        _report_lookup(run_details)
    incremental = run_details.get("incremental")
    if incremental:
        click.echo(
            f"incremental: from the map of revision {incremental['from_revision']}, "
            f"{incremental['changed']} of {incremental['files']} files changed"
        )
    _report_tail(name, result)


def _report_lookup(run_details: dict[str, Any]) -> None:
    lookup = run_details.get("lookup")
    files = lookup.get("files") if isinstance(lookup, dict) else None
    if isinstance(files, list) and files:
        click.echo(
            f"word lookup: {len(files)} files' words stored; `ask --agent` lists the ones a "
            "request shares words with after it"
        )


def _report_tail(name: str, result: SleepResult) -> None:
    if result.prefilled_tokens:
        click.echo(
            f"saved the KV state of the agent's prompt ({result.prefilled_tokens} tokens), so "
            "a request prefills only itself"
        )
    click.echo(f'next: sleeptime ask {name} "a feature request" --agent')


def ask_agent_cli(
    ctx: click.Context,
    name: str,
    request: str,
    *,
    steps: int | None,
    mode: str,
    backend: str | None,
    model: str | None,
    allow_stale: bool,
    as_json: bool,
    reply_tokens: int | None = None,
) -> None:
    """``ask NAME REQUEST --agent``: the files to change, why, and what it cost."""
    from sleeptime.app.repo_context import AgentAskResult, ask_agent

    async def work(app: Sleeptime) -> AgentAskResult:
        return await ask_agent(
            app, name, request, steps=steps, mode=mode, backend=backend, model=model,
            allow_stale=allow_stale, **({"reply_tokens": reply_tokens} if reply_tokens else {}),
        )  # fmt: skip

    result = run_with_app(ctx, work)
    answer, run = result.answer, result.answer.run
    usage = run.usage
    if as_json:
        click.echo(
            json.dumps(
                {
                    "files": list(answer.files),
                    "unknown": list(answer.unknown),
                    "looked_up": list(answer.looked_up),
                    "answer": run.text,
                    "mode": mode,
                    "steps_budget": result.steps,
                    "budget_given": steps is not None,
                    "steps": len(run.steps),
                    "tool_calls": run.tool_calls,
                    "stop": run.stop,
                    "usage": usage.to_dict(),
                    "latency_s": result.latency_s,
                    "revision": result.revision.seq,
                    "artifact_id": result.artifact.id if result.artifact else None,
                    "stale_notes_of_revision": result.stale_from.seq if result.stale_from else None,
                    "query_id": result.query.id,
                },
                indent=2,
            )
        )
        return
    if result.refreshed:
        click.secho(
            f"[the folder changed: recorded revision {result.revision.seq}]", dim=True, err=True
        )
    if answer.files:
        click.secho("files to change:", bold=True)
        for path in answer.files:
            click.echo(f"  {path}")
    elif run.stop == "lookup":
        click.secho(
            "the word lookup found no file sharing a word with the request; give --budget 1 "
            "or more to let the agent explore",
            fg="yellow",
        )
    else:
        click.secho("the agent named no file of the repository", fg="yellow")
    if answer.unknown:
        click.echo(f"named but not in the repository: {', '.join(answer.unknown)}")
    if run.stop == "lookup":
        click.secho("why (words each file shares with the request; no model ran):", bold=True)
    else:
        click.secho("why (the agent's answer):", bold=True)
    click.echo(run.text)
    if run.stop == "lookup" and steps is None:
        click.secho(
            "[answered from sleep's word lookup, the default after sleep; --budget 8 lets the "
            "agent read the files]",
            dim=True, err=True,
        )  # fmt: skip
    if answer.looked_up and run.stop != "lookup":
        click.secho(
            f"[listed after the request by the word lookup: {', '.join(answer.looked_up)}]",
            dim=True, err=True,
        )  # fmt: skip
    stale = f", notes of revision {result.stale_from.seq}" if result.stale_from else ""
    chosen = "" if steps is not None else " (default)"
    click.secho(
        f"[agent, {mode}{stale}, budget {result.steps} steps{chosen}: {len(run.steps)} steps, "
        f"{run.tool_calls} tool calls, stopped by {run.stop}; test-time tokens "
        f"{usage.prompt_tokens} prompt ({usage.cached_prompt_tokens} cached) + "
        f"{usage.completion_tokens} generated, {result.latency_s:.2f}s]",
        dim=True,
        err=True,
    )
