"""``sleeptime demo``: the whole loop on an example context, sleep against baseline.

It adds the bundled garden handbook, sleeps on it, prints ``c'``, then answers three
questions both ways and shows test-time tokens, latency and how many answers were right
(each question ships with the answer the handbook gives). The numbers are measured on
whatever backend runs it (the 0.5B model install.sh fetches, else the embedded SmolLM2),
never canned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sleeptime.cli.common import backend_option, model_option, run_with_app

if TYPE_CHECKING:
    from sleeptime.settings import Settings

DEMO_NAME = "demo-garden"
_SHOWN = {"replace": "from c'", "both": "from c and c'", "context": "from c alone"}
DEMO_MODEL = "qwen2.5-coder-0.5b"
"""The demo's model when none is chosen: the smallest catalog model that answers the
handbook's look-up questions right (SmolLM2-135M gets them wrong); install.sh fetches it."""


@dataclass(frozen=True, slots=True)
class _Row:
    question: str
    """The question's label in the table (Q1, Q2...)."""
    mode: str
    final: str
    right: bool
    prompt: int
    cached: int
    """Prompt tokens restored from a saved KV state instead of computed."""
    generated: int
    latency: float

    @property
    def test_time_tokens(self) -> int:
        """Prompt tokens computed at test time plus generated tokens."""
        return self.prompt - self.cached + self.generated


def demo_model(
    settings: Settings,
    backend: str | None,
    model: str | None,
    finder: Callable[[str, int], Path | None] | None = None,
) -> tuple[str | None, str | None]:
    """The model the demo runs, and a note to print when it had to fall back.

    A model the user chose (``--model``, ``SLEEPTIME_MODEL``) or a backend other than the
    embedded one is used as given. Otherwise the demo runs ``DEMO_MODEL`` if its file or
    chunk packages are installed, else the SmolLM2 default with a note saying how to get
    answers worth reading. ``finder`` locates chunk files (tests inject one).
    """
    if model is not None or settings.model is not None:
        return model, None
    if (backend or settings.backend) != "llama":
        return model, None
    from sleeptime.backends.model_catalog import CATALOG, model_status

    state = model_status(CATALOG[DEMO_MODEL], settings.data_dir, finder=finder)
    if state.status in ("assembled", "installed"):
        return DEMO_MODEL, None
    return None, (
        f"{DEMO_MODEL} is not installed, so the demo runs SmolLM2-135M, whose answers are "
        f"mostly wrong; `sleeptime models fetch {DEMO_MODEL}` (491 MB from PyPI) gets the "
        "demo's default model"
    )


def _times(base: float, sleep: float, better: str, worse: str) -> str:
    """``2.10x fewer`` when sleep is lower, ``1.50x more`` when it is higher."""
    if sleep <= 0 or base <= 0:
        return "n/a"
    return f"{base / sleep:.2f}x {better}" if sleep <= base else f"{sleep / base:.2f}x {worse}"


def accuracy_line(rows: list[_Row]) -> str:
    """How many answers were right per mode, e.g. ``baseline 1/3, sleep 2/3``."""
    parts = []
    for mode in ("baseline", "sleep"):
        mine = [r for r in rows if r.mode == mode]
        if mine:
            parts.append(f"{mode} {sum(r.right for r in mine)}/{len(mine)}")
    return ", ".join(parts)


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
    help="Rethink rounds (kept low so the demo runs in about two minutes on 2 cores).",
)
@click.pass_context
def demo_command(
    ctx: click.Context, backend: str | None, model: str | None, budget: int, rounds: int
) -> None:
    """Run sleep-time compute end to end on an example and compare with the baseline."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    from sleeptime.answer.policy import resolve_layout
    from sleeptime.app import Sleeptime
    from sleeptime.cli.progress import SleepProgress
    from sleeptime.examples import demo_questions, example_text
    from sleeptime.sleep import SleepBudget

    console = Console()
    context_text = example_text("garden.txt")
    questions = demo_questions()
    budget_spec = SleepBudget(max_rounds=rounds, round_max_tokens=384, memory_chars=1500)

    async def work(app: Sleeptime) -> tuple[list[_Row], str, int]:
        chosen, note = demo_model(app.settings, backend, model)
        if note is not None:
            console.print(f"[yellow]note[/]: {note}")
        _, revision, _ = app.add_context(DEMO_NAME, context_text)
        runner = app.backend(backend, chosen)
        console.print(
            f"[bold]1. context[/] {DEMO_NAME!r}: {revision.n_chars} characters "
            f"(a community garden handbook); model {runner.info.model} "
            f"({runner.info.backend} backend)"
        )
        console.print(
            f"[bold]2. sleep time[/]: the model studies it before any question "
            f"({rounds} rethink rounds)"
        )
        with SleepProgress(console=console) as progress:
            slept = await app.sleep(
                DEMO_NAME, budget=budget_spec, backend=runner, on_event=progress
            )
        console.print(Panel(slept.artifact.text, title="c' (notes written at sleep time)"))
        # The demo shows the notes at work at any budget; `ask`'s default (auto) uses them
        # only at the budgets where they were measured not to cost accuracy.
        layout = resolve_layout("both", budget)
        console.print(
            f"[bold]3. test time[/]: {len(questions)} questions, each answered "
            f"{_SHOWN[layout]} (sleep) and from c (baseline), budget {budget}; every "
            "answer starts from an empty live KV cache, as in a new process"
        )
        for number, item in enumerate(questions, start=1):
            console.print(f"  Q{number}. {item.question} (expected: {item.expected})")
        rows: list[_Row] = []
        for number, item in enumerate(questions, start=1):
            for mode in ("baseline", "sleep"):
                # Sleep restores its saved prefix state from disk; the baseline must not
                # reuse what the previous answer left in memory either.
                drop = getattr(runner, "drop_live_cache", None)
                if callable(drop):
                    drop()
                result = await app.ask(
                    DEMO_NAME, item.question, budget=budget, mode=mode, backend=runner,
                    layout=layout,
                )  # fmt: skip
                a = result.answer
                shown = a.final or (a.text.splitlines()[0][:60] if a.text else "")
                rows.append(
                    _Row(
                        f"Q{number}",
                        mode,
                        shown,
                        item.is_right(a.text, a.final),
                        a.usage.prompt_tokens,
                        a.usage.cached_prompt_tokens,
                        a.usage.completion_tokens,
                        a.latency_s,
                    )
                )
        return rows, slept.artifact.text, slept.usage.total_tokens

    rows, _, sleep_tokens = run_with_app(ctx, work)
    table = Table(
        "",
        "mode",
        "answer",
        "right",
        "prompt tok",
        "restored",
        "gen. tok",
        "latency s",
        title="test-time cost: sleep (c') against baseline (c)",
    )
    for row in rows:
        table.add_row(
            row.question,
            row.mode,
            row.final[:40],
            "yes" if row.right else "no",
            str(row.prompt),
            str(row.cached),
            str(row.generated),
            f"{row.latency:.2f}",
        )
    console.print(table)
    base = [r for r in rows if r.mode == "baseline"]
    slept_rows = [r for r in rows if r.mode == "sleep"]
    base_tok = sum(r.test_time_tokens for r in base) / len(base)
    sleep_tok = sum(r.test_time_tokens for r in slept_rows) / len(slept_rows)
    base_lat = sum(r.latency for r in base) / len(base)
    sleep_lat = sum(r.latency for r in slept_rows) / len(slept_rows)
    console.print(
        f"mean test-time tokens per query (prompt tokens computed + generated): baseline "
        f"{base_tok:.0f}, sleep {sleep_tok:.0f} ({_times(base_tok, sleep_tok, 'fewer', 'more')}"
        f" with sleep); mean latency: baseline {base_lat:.2f}s, sleep {sleep_lat:.2f}s "
        f"({_times(base_lat, sleep_lat, 'faster', 'slower')})."
    )
    console.print(f"answers right: {accuracy_line(rows)}.")
    console.print(
        f"The sleep run itself cost {sleep_tokens} tokens, paid once for every "
        f"question about this context. See: sleeptime stats {DEMO_NAME}"
    )
