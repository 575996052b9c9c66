"""``sleeptime sleep NAME``: compute c' for the current revision with a live display."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import click

from sleeptime.cli.common import backend_option, model_option, run_with_app
from sleeptime.cli.repo_cmds import report_directory_sleep, sleep_directory_cli

if TYPE_CHECKING:
    from sleeptime.values import Effort


@click.command("sleep")
@click.argument("name")
@click.option(
    "--recipe",
    default="rethink",
    show_default=True,
    help=(
        "rethink; parallel:K (K loops, notes joined); vote:K (K loops, the most consistent "
        "kept); solve:K[:M] (M likely questions, default 3, each solved step by step K times)."
    ),
)
@backend_option
@model_option
@click.option(
    "--max-rounds",
    type=int,
    default=10,
    show_default=True,
    help="Rethink rounds per loop (the paper uses 10).",
)
@click.option(
    "--max-sleep-tokens",
    type=int,
    default=None,
    help="Cut the run off past this many prompt+generated tokens.",
)
@click.option(
    "--round-tokens",
    type=int,
    default=1024,
    show_default=True,
    help="Generated tokens allowed per round.",
)
@click.option(
    "--memory-chars",
    type=int,
    default=5000,
    show_default=True,
    help="Longest notes kept (the paper's memory block).",
)
@click.option(
    "--anticipate",
    type=click.Choice(["off", "notes", "call"]),
    default="notes",
    show_default=True,
    help="Store anticipated answers: off; Q/A lines of the notes; or also one extraction call.",
)
@click.option(
    "--rephrase-anticipated/--no-rephrase-anticipated",
    "rephrase_anticipated",
    default=None,
    help="Have the model write checked rewordings of each verified anticipated question, "
    "so more ways of asking it are served (default: SLEEPTIME_ANTICIPATE_REPHRASE, off).",
)
@click.option(
    "--effort",
    type=click.Choice(["low", "medium", "high"]),
    default=None,
    help="Reasoning effort of every rethink round (reasoning models; the paper's sleep axis).",
)
@click.option(
    "--thinking-tokens",
    type=click.IntRange(1, 131072),
    default=None,
    help="Thinking budget of every rethink round, on top of --round-tokens.",
)
@click.option(
    "--batch",
    is_flag=True,
    default=None,
    help="Send sleep calls through the provider's batch API (cheaper, slower; --backend openai).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Directory contexts: map the whole tree even when an earlier map and a small "
    "change would allow an incremental run.",
)
@click.option(
    "--index-chars",
    type=int,
    default=None,
    help="Directory contexts: characters of the model-free repository index put after the "
    "map (0: off; default: SLEEPTIME_REPO_INDEX_CHARS, which is 1200).",
)
@click.option(
    "--map/--no-map",
    "write_map",
    default=None,
    help="Directory contexts: have the model write its map before the index, or write the "
    "model-free index alone with no model call (default: SLEEPTIME_REPO_SLEEP_MAP, off: the "
    "index alone). Either way the answering model then saves the prompt's state.",
)
@click.option("--quiet", is_flag=True, help="No progress display; print only the result.")
@click.pass_context
def sleep_command(
    ctx: click.Context,
    name: str,
    recipe: str,
    backend: str | None,
    model: str | None,
    max_rounds: int,
    max_sleep_tokens: int | None,
    round_tokens: int,
    memory_chars: int,
    anticipate: str,
    rephrase_anticipated: bool | None,
    effort: str | None,
    thinking_tokens: int | None,
    batch: bool | None,
    full: bool,
    index_chars: int | None,
    write_map: bool | None,
    quiet: bool,
) -> None:
    """Think about context NAME now, so later questions are cheap (writes c').

    On a directory context the folder is looked at first and the repository index is
    written, with no model call. With --map an agent first explores the folder (one step
    per round) and writes an architecture map, and a small change since an earlier map is
    slept on from that map (see --full).
    """
    from sleeptime.app import Sleeptime
    from sleeptime.cli.progress import SleepProgress
    from sleeptime.errors import InputError
    from sleeptime.sleep import SleepBudget, SleepResult, parse_recipe

    parse_recipe(recipe)
    budget = SleepBudget(
        max_rounds=max_rounds,
        max_sleep_tokens=max_sleep_tokens,
        round_max_tokens=round_tokens,
        memory_chars=memory_chars,
        anticipate="call" if anticipate == "call" else "off" if anticipate == "off" else "notes",
        reasoning_effort=cast("Effort | None", effort),  # click.Choice checked it
        thinking_tokens=thinking_tokens,
    )

    directory: list[dict[str, Any]] = []

    async def work(app: Sleeptime) -> SleepResult:
        context, _ = app.context(name)  # fail fast on an unknown name, before loading a model
        if context.source is not None:
            with SleepProgress(enabled=not quiet) as progress:
                done = await sleep_directory_cli(
                    app, name, recipe=recipe, budget=budget, backend=backend, model=model,
                    on_event=progress, full=full, index_chars=index_chars,
                    write_map=write_map,
                )  # fmt: skip
            directory.append((await app.db.call(app.run, done.run_id)).details)
            return done
        if index_chars is not None or write_map is not None:
            raise InputError(
                f"context {name!r} holds text: the repository index and map are for "
                "directory contexts"
            ).hinted("drop --index-chars and --map/--no-map")
        with SleepProgress(enabled=not quiet) as progress:
            return await app.sleep(
                name,
                recipe=recipe,
                budget=budget,
                backend=backend,
                model=model,
                on_event=progress,
                batch=batch,
                rephrase=rephrase_anticipated,
            )

    result = run_with_app(ctx, work)
    if directory:
        report_directory_sleep(name, directory[0], result)
        return
    usage = result.usage
    click.echo(
        f"slept on {name!r}: run {result.run_id[:8]}, {sum(o.rounds for o in result.loops)} "
        f"rounds, {usage.prompt_tokens} prompt + {usage.completion_tokens} generated tokens "
        + (f"({usage.reasoning_tokens} of them thinking) " if usage.reasoning_tokens else "")
        + f"in {usage.wall_time_s:.1f}s; notes: {result.artifact.n_chars} characters"
    )
    if result.artifact.anticipated:
        click.echo(f"anticipated answers stored: {len(result.artifact.anticipated)}")
    if result.prefilled_tokens:
        click.echo(
            f"saved the KV state of the answer prefix ({result.prefilled_tokens} tokens), so "
            "answers skip re-reading the notes"
        )
    click.echo(f'next: sleeptime ask {name} "your question"')
