"""``sleeptime ask`` and ``sleeptime stats``."""

from __future__ import annotations

import json

import click

from sleeptime.cli.common import app_for, backend_option, model_option, run_with_app
from sleeptime.cli.repo_cmds import ask_agent_cli
from sleeptime.values import LAYOUT_CHOICES, AnswerMode


@click.command("ask")
@click.argument("name")
@click.argument("question")
@click.option(
    "--budget",
    type=click.IntRange(0, 100),
    default=None,
    help="0 (default): one-sentence answer ... 4: full step-by-step with checking. With "
    "--agent: the agent's step budget (0: sleep's word lookup alone, no model; default "
    "SLEEPTIME_REPO_AGENT_BUDGET, auto: that lookup where it finds a file, else 8).",
)
@click.option(
    "--agent",
    is_flag=True,
    help="Directory contexts: the repository agent names the files a feature request "
    "needs changed (and why), exploring with tools for at most --budget steps.",
)
@click.option(
    "--allow-stale",
    is_flag=True,
    help="In sleep mode, use the newest notes of an older revision when the current one "
    "has none (the answer says so).",
)
@click.option(
    "--mode",
    type=click.Choice([mode.value for mode in AnswerMode]),
    default="sleep",
    show_default=True,
    help="sleep: answer from c'; baseline: from c only.",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUT_CHOICES),
    default="auto",
    show_default=True,
    help="auto: c then c' at the budgets where notes were measured not to cost accuracy, c "
    "alone elsewhere (table in answer/policy.py); replace: c' instead of c (smallest prompt); "
    "both: c then c'; derived: c then the notes that add to it; context: c alone.",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(1, 32768),
    default=None,
    help="Cap on generated tokens (default depends on the budget; with --agent: per "
    "reply, default 512).",
)
@click.option(
    "--no-anticipated",
    "no_anticipated",
    is_flag=True,
    help="Always ask the model; never serve an answer the sleep run prepared.",
)
@click.option(
    "--verify-anticipated",
    is_flag=True,
    help="Before serving a prepared answer, also have the model confirm the match (yes/no).",
)
@click.option(
    "--accept-anticipated/--no-accept-anticipated",
    "accept_anticipated",
    default=None,
    help="When the rules refuse every prepared answer, ask the model (yes/no) about those "
    "whose numbers, units, tense and names agree, and serve on a clear yes "
    "(default: SLEEPTIME_ANTICIPATE_ACCEPT, off).",
)
@click.option(
    "--serve-unverified",
    is_flag=True,
    help="Also serve prepared answers the sleep run could not verify (numbers not traced to "
    "the context or a checked calculation); off by default because they may be wrong.",
)
@click.option(
    "--effort",
    type=click.Choice(["low", "medium", "high"]),
    default=None,
    help="Reasoning effort for a reasoning model (o-series reasoning_effort; on the "
    "embedded model a thinking budget of 256/1024/4096 tokens).",
)
@click.option(
    "--thinking-tokens",
    type=click.IntRange(1, 131072),
    default=None,
    help="Thinking budget in tokens (forced on the embedded model, sent to Claude; "
    "elsewhere room for thinking in the token cap).",
)
@click.option(
    "--min-thinking-tokens",
    type=click.IntRange(0, 131072),
    default=0,
    help="Embedded model: an end of thinking before this many tokens becomes 'Wait'.",
)
@backend_option
@model_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON record instead of text.")
@click.pass_context
def ask_command(
    ctx: click.Context,
    name: str,
    question: str,
    budget: int | None,
    agent: bool,
    allow_stale: bool,
    mode: str,
    layout: str,
    max_tokens: int | None,
    no_anticipated: bool,
    verify_anticipated: bool,
    accept_anticipated: bool | None,
    serve_unverified: bool,
    effort: str | None,
    thinking_tokens: int | None,
    min_thinking_tokens: int,
    backend: str | None,
    model: str | None,
    as_json: bool,
) -> None:
    """Answer QUESTION about context NAME and record what it cost."""
    from sleeptime.answer import validate_question
    from sleeptime.app import AnswerNotRecordedError, AskResult, Sleeptime

    validate_question(question)
    if agent:
        ask_agent_cli(
            ctx, name, question, steps=budget,
            mode=mode, backend=backend, model=model, allow_stale=allow_stale, as_json=as_json,
            reply_tokens=max_tokens,
        )  # fmt: skip
        return
    if budget is None:
        budget = 0
    elif budget > 4:
        raise click.BadParameter(
            f"{budget} is not a budget level (0-4); step budgets are for --agent",
            param_hint="'--budget'",
        )

    async def work(app: Sleeptime) -> AskResult:
        return await app.ask(
            name,
            question,
            budget=budget,
            mode=mode,
            layout=layout,
            max_tokens=max_tokens,
            backend=backend,
            model=model,
            anticipated=not no_anticipated,
            unverified_anticipated=serve_unverified,
            verify_with_model=verify_anticipated,
            accept_with_model=accept_anticipated,
            effort=effort,
            thinking_tokens=thinking_tokens,
            min_thinking_tokens=min_thinking_tokens,
            allow_stale=allow_stale,
        )

    try:
        result = run_with_app(ctx, work)
    except AnswerNotRecordedError as exc:
        # The model's work is done and paid for: show it, then report the failure.
        click.echo(
            json.dumps({"answer": exc.answer.text, "final": exc.answer.final, "recorded": False})
            if as_json
            else exc.answer.text
        )
        raise
    answer = result.answer
    served = result.query.details.get("served", "model")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "answer": answer.text,
                    "final": answer.final,
                    "mode": answer.mode,
                    "layout": answer.layout,
                    "budget": answer.budget.level,
                    "effort": answer.budget.reasoning_label,
                    "usage": answer.usage.to_dict(),
                    "reasoning": answer.reasoning or None,
                    "latency_s": answer.latency_s,
                    "artifact_id": result.artifact.id if result.artifact else None,
                    "query_id": result.query.id,
                    "prompt_version": answer.prompt_version,
                    "served": served,
                    "matched_question": result.query.details.get("matched_question"),
                },
                indent=2,
            )
        )
        return
    click.echo(answer.text)
    if served == "anticipated":
        click.secho(
            "[served from an anticipated answer] matched: "
            f"{result.query.details['matched_question']!r}",
            dim=True,
            err=True,
        )
    u = answer.usage
    label = answer.budget.reasoning_label
    thinking = f" ({u.reasoning_tokens} of them thinking)" if u.reasoning_tokens else ""
    click.secho(
        f"[{mode}, budget {budget}{f', effort {label}' if label else ''}: {u.prompt_tokens} "
        f"prompt ({u.cached_prompt_tokens} cached) + {u.completion_tokens} generated "
        f"tokens{thinking}, {answer.latency_s:.2f}s]",
        dim=True,
        err=True,
    )


@click.command("stats")
@click.argument("name")
@click.option(
    "--t",
    "t",
    type=float,
    default=10.0,
    show_default=True,
    help="Price of a test-time token relative to a sleep-time token.",
)
@click.pass_context
def stats_command(ctx: click.Context, name: str, t: float) -> None:
    """Tokens, latency and amortized cost per query: sleep against baseline."""
    from rich.console import Console

    from sleeptime.cli.render import stats_tables

    with app_for(ctx) as app:
        stats = app.stats(name, t=t)
    console = Console()
    for table in stats_tables(stats):
        console.print(table)
    if stats.sleep is None or stats.baseline is None:
        console.print("ask in both modes (--mode sleep / --mode baseline) to compare costs")
