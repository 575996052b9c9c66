"""``sleeptime bench repo``: sleep vs test-time only on tasks mined from a git history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from exc


def _repo_option(help: str) -> Callable[[F], F]:
    """``--repo``: the history both commands clone (never the user's checkout itself)."""
    option: Callable[[F], F] = click.option(
        "--repo", "repo", type=click.Path(path_type=Path), required=True, help=help
    )
    return option


@click.command("repo")
@_repo_option("A git repository folder or a git bundle (cloned into OUT/.work, never changed).")
@click.option("--tasks", type=int, default=20, show_default=True, help="Tasks to run.")
@click.option("--budgets", default="1,2,4,8", show_default=True, help="Test-time step budgets b.")
@click.option(
    "--conditions",
    default="baseline,sleep",
    show_default=True,
    help="baseline, sleep and/or index (the model-free index alone; needs --index-chars).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the task sample.")
@click.option("--backend", default=None, help="Backend: llama (embedded), openai, scripted.")
@click.option("--model", default=None, help="GGUF path or name (llama) or model id (openai).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option(
    "--calls",
    type=click.Path(path_type=Path),
    default=None,
    help="Call log (OUT/calls.db).",
)
@click.option(
    "--concurrency", type=int, default=1, show_default=True, help="Model requests in flight."
)
@click.option("--sleep-steps", type=int, default=8, show_default=True, help="Sleep agent steps.")
@click.option(
    "--sleep-min-tools",
    type=int,
    default=0,
    show_default=True,
    help="Steps with tool calls the sleep agent must take before writing its map.",
)
@click.option(
    "--sleep-reply-tokens", type=int, default=1024, show_default=True, help="Sleep reply cap."
)
@click.option("--notes-chars", type=int, default=4000, show_default=True, help="Longest map kept.")
@click.option(
    "--index-chars",
    type=int,
    default=0,
    show_default=True,
    help="Model-free repository index after the map in c', in characters (0: off).",
)
@click.option(
    "--notes-overview-paths",
    type=int,
    default=60,  # repo.overview.OVERVIEW_PATHS; not imported: the CLI starts light
    show_default=True,
    help="Paths the overview lists when the agent has c' (0: counts and folders only).",
)
@click.option(
    "--lookup-files",
    type=int,
    default=0,
    show_default=True,
    help="Files the word lookup lists after the request in the sleep and index conditions "
    "(0: none, as in runs before it; ask --agent lists 5).",
)
@click.option(
    "--lookup-style",
    type=click.Choice(["about", "paths"]),
    default="paths",
    show_default=True,
    help="Each listed file with what it says about itself, or the paths alone.",
)
@click.option("--reply-tokens", type=int, default=512, show_default=True, help="Answer reply cap.")
@click.option(
    "--agent-tokens",
    type=int,
    default=40_000,
    show_default=True,
    help="Prompt+generated tokens of one answer (past 80 %: answer now).",
)
@click.option(
    "--history-chars",
    type=int,
    default=24_000,
    show_default=True,
    help="Drop older tool results past this conversation size (small server windows: lower).",
)
@click.option(
    "--read-chars", type=int, default=8000, show_default=True, help="Most characters per read."
)
@click.option(
    "--min-files", type=int, default=3, show_default=True, help="Least source files a task changes."
)
@click.option("--max-files", type=int, default=20, show_default=True, help="Most source files.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def repo_command(budgets: str, conditions: str, quiet: bool, **values: Any) -> None:
    """Sleep vs test-time only on tasks mined from a git history (the SWE-Features figure).

    Each task is a commit that changed at least --min-files existing source files; the
    agent sees the repository at its parent and names the files to change. Re-running
    the same command replays every recorded call (resume); `bench report OUT` re-renders.
    """
    from sleeptime.benchmark.repo_bench import RepoBenchConfig, run_repo_bench
    from sleeptime.cli.bench_cmds import _config, _run

    config = _config(
        RepoBenchConfig,
        budgets=_ints(budgets),
        conditions=[c.strip() for c in conditions.split(",") if c.strip()],
        progress=not quiet,
        **values,
    )
    _run(run_repo_bench(config))


@click.command("references")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@_repo_option("The git repository folder or bundle the run was given (cloned, never changed).")
def references_command(out_dir: Path, repo: Path) -> None:
    """Add the model-free reference rows a `bench repo` run lacks, then re-render it.

    The references (most_changed_3; lookup_5, sleep's answer at a step budget of 0) need
    only the repository at each task's parent, so an older run gains them with no model
    call. Rows the run already has are kept as they are.
    """
    from sleeptime.benchmark.repo_bench.references import add_references

    result = add_references(out_dir, repo, progress=lambda line: click.echo(line, err=True))
    counts = ", ".join(f"{name}: {n}" for name, n in result.added.items())
    click.echo(f"{result.tasks} tasks lacked a reference row; added {counts}")
    for path in result.files:
        click.echo(f"wrote {path}")
