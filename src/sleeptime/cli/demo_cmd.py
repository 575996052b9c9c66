"""``sleeptime demo``: the whole loop on an example context, sleep against baseline.

It adds the bundled garden handbook, sleeps on it, prints ``c'``, then answers three
questions both ways and shows test-time tokens and latency side by side. The numbers are
measured on whatever backend runs it (the embedded SmolLM2 by default), never canned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import click

from sleeptime.cli.common import backend_option, model_option, run_with_app

DEMO_NAME = "demo-garden"


@dataclass(frozen=True, slots=True)
class _Row:
    question: str
    mode: str
    final: str
    prompt: int
    generated: int
    latency: float


def _example(name: str) -> str:
    return resources.files("sleeptime.examples").joinpath(name).read_text(encoding="utf-8")


@click.command("demo")
@backend_option
@model_option
@click.option(
    "--budget",
    type=click.IntRange(0, 4),
    default=1,
    show_default=True,
    help="Test-time budget level used for both modes.",
)
@click.option(
    "--rounds",
    type=click.IntRange(1, 10),
    default=2,
    show_default=True,
    help="Rethink rounds (kept low so the demo runs in about a minute).",
)
@click.pass_context
def demo_command(
    ctx: click.Context, backend: str | None, model: str | None, budget: int, rounds: int
) -> None:
    """Run sleep-time compute end to end on an example and compare with the baseline."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    from sleeptime.app import Sleeptime
    from sleeptime.cli.progress import SleepProgress
    from sleeptime.sleep import SleepBudget

    console = Console()
    context_text = _example("garden.txt")
    questions: list[str] = json.loads(_example("garden_questions.json"))
    budget_spec = SleepBudget(max_rounds=rounds, round_max_tokens=384, memory_chars=1500)

    async def work(app: Sleeptime) -> tuple[list[_Row], str, int]:
        _, revision, _ = app.add_context(DEMO_NAME, context_text)
        console.print(
            f"[bold]1. context[/] {DEMO_NAME!r}: {revision.n_chars} characters "
            "(a community garden handbook)"
        )
        console.print(
            f"[bold]2. sleep time[/]: the model studies it before any question "
            f"({rounds} rethink rounds)"
        )
        with SleepProgress(console=console) as progress:
            slept = await app.sleep(
                DEMO_NAME, budget=budget_spec, backend=backend, model=model, on_event=progress
            )
        console.print(Panel(slept.artifact.text, title="c' (notes written at sleep time)"))
        console.print(
            f"[bold]3. test time[/]: {len(questions)} questions, each answered "
            f"from c' (sleep) and from c (baseline), budget {budget}"
        )
        rows: list[_Row] = []
        for question in questions:
            for mode in ("baseline", "sleep"):
                result = await app.ask(
                    DEMO_NAME, question, budget=budget, mode=mode, backend=backend, model=model
                )
                a = result.answer
                shown = a.final or (a.text.splitlines()[0][:60] if a.text else "")
                rows.append(
                    _Row(
                        question,
                        mode,
                        shown,
                        a.usage.prompt_tokens,
                        a.usage.completion_tokens,
                        a.latency_s,
                    )
                )
        return rows, slept.artifact.text, slept.usage.total_tokens

    rows, _, sleep_tokens = run_with_app(ctx, work)
    table = Table(
        "question",
        "mode",
        "answer",
        "prompt tok",
        "generated tok",
        "total tok",
        "latency s",
        title="test-time cost: sleep (c') against baseline (c)",
    )
    for row in rows:
        table.add_row(
            row.question[:48] + ("..." if len(row.question) > 48 else ""),
            row.mode,
            row.final[:40],
            str(row.prompt),
            str(row.generated),
            str(row.prompt + row.generated),
            f"{row.latency:.2f}",
        )
    console.print(table)
    base = [r for r in rows if r.mode == "baseline"]
    slept_rows = [r for r in rows if r.mode == "sleep"]
    base_tok = sum(r.prompt + r.generated for r in base) / len(base)
    sleep_tok = sum(r.prompt + r.generated for r in slept_rows) / len(slept_rows)
    base_lat = sum(r.latency for r in base) / len(base)
    sleep_lat = sum(r.latency for r in slept_rows) / len(slept_rows)
    console.print(
        f"mean test-time tokens per query: baseline {base_tok:.0f}, sleep {sleep_tok:.0f} "
        f"({base_tok / sleep_tok:.2f}x fewer with sleep); mean latency: baseline "
        f"{base_lat:.2f}s, sleep {sleep_lat:.2f}s ({base_lat / sleep_lat:.2f}x faster)."
    )
    console.print(
        f"The sleep run itself cost {sleep_tokens} tokens, paid once for every "
        f"question about this context. See: sleeptime stats {DEMO_NAME}"
    )
