"""``sleeptime priorities``: which contexts to sleep on first, and ``--run N`` to do it."""

from __future__ import annotations

import click

from sleeptime.cli.common import app_for, backend_option, model_option, run_with_app


@click.command("priorities")
@click.option(
    "--horizon",
    type=click.FloatRange(min=0.01),
    default=24.0,
    show_default=True,
    help="Planning horizon in hours.",
)
@click.option(
    "--half-life",
    type=click.FloatRange(min=0.01),
    default=24.0,
    show_default=True,
    help="Half-life in hours of a query's weight in the rate.",
)
@click.option(
    "--t",
    "t",
    type=click.FloatRange(min=0.001),
    default=10.0,
    show_default=True,
    help="Price of a test-time token relative to a sleep-time token.",
)
@click.option(
    "--run",
    "run_top",
    type=click.IntRange(0, 1000),
    default=0,
    help="Sleep on the N highest-priority contexts that need it.",
)
@backend_option
@model_option
@click.pass_context
def priorities_command(
    ctx: click.Context,
    horizon: float,
    half_life: float,
    t: float,
    run_top: int,
    backend: str | None,
    model: str | None,
) -> None:
    """Rank contexts by expected benefit of sleeping on them per sleep token."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from sleeptime.app import Sleeptime
    from sleeptime.names import shown

    with app_for(ctx) as app:
        ranked = app.priorities(horizon_h=horizon, half_life_h=half_life, t=t)
    if not ranked:
        click.echo("no contexts yet; add one with: sleeptime context add NAME FILE")
        return
    table = Table(
        "context",
        "priority",
        "queries/h",
        "benefit",
        "sleep cost",
        "predict.",
        "state",
        title="sleep priorities (benefit per sleep token)",
    )
    for p in ranked:
        table.add_row(
            Text(shown(p.name)),
            f"{p.priority:.3g}",
            f"{p.rate_per_h:.3g}",
            f"{p.benefit:.3g}",
            f"{p.sleep_cost_tokens:.0f}",
            f"{p.predictability:.2f}",
            "up to date" if p.up_to_date else "needs sleep",
        )
    Console().print(table)
    due = [p.name for p in ranked if p.priority > 0][:run_top]
    if run_top and not due:
        click.echo("nothing to do: no context that needs sleep has been queried")

    async def work(app: Sleeptime) -> None:
        for name in due:
            result = await app.sleep(name, backend=backend, model=model)
            click.echo(
                f"slept on {name!r}: run {result.run_id[:8]}, {result.usage.total_tokens} tokens"
            )

    if due:
        run_with_app(ctx, work)
