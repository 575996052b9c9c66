"""``sleeptime bench``: one command per figure of the paper, plus ``report`` to re-render.

Each command builds a config model and calls the library function; every model call is
recorded in OUT/calls.db, so re-running a command resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sleeptime.values import LAYOUT_CHOICES

if TYPE_CHECKING:
    from sleeptime.benchmark.experiments import RunSummary

F = TypeVar("F", bound=Callable[..., Any])

DATASETS = (
    "gsm-symbolic",
    "gsm-symbolic-p1",
    "gsm-symbolic-p2",
    "aime-2024",
    "aime-2025",
    "gsm8k",
)


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from exc


def _words(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def common_options(func: F) -> F:
    """Options every experiment shares (data, backend, output, concurrency, sleep budget)."""
    options = [
        click.option(
            "--dataset",
            type=click.Choice(DATASETS),
            default="gsm-symbolic-p2",
            show_default=True,
            help="Benchmark to load.",
        ),
        click.option(
            "--data",
            type=click.Path(path_type=Path),
            default=None,
            help="Dataset file or data root (default: $SLEEPTIME_DATA_ROOT or ../shared/data).",
        ),
        click.option("--limit", type=int, default=None, help="Use only the first N problems."),
        click.option(
            "--sample",
            type=int,
            default=None,
            help="Use N problems drawn at random (seeded by --seed) from the whole file.",
        ),
        click.option(
            "--shard",
            default=None,
            metavar="K/N",
            help="Run every N-th problem from the K-th (parallel runs sharing --calls); "
            "the same command without --shard then merges them by replaying.",
        ),
        click.option(
            "--backend", default=None, help="Backend: llama (embedded), openai, scripted."
        ),
        click.option("--model", default=None, help="GGUF path (llama) or model id (openai)."),
        click.option(
            "--out",
            type=click.Path(path_type=Path),
            required=True,
            help="Output folder (re-use it to resume).",
        ),
        click.option(
            "--calls",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="Call log file (default: OUT/calls.db); share it to reuse calls across runs.",
        ),
        click.option(
            "--concurrency",
            type=int,
            default=4,
            show_default=True,
            help="Model requests in flight.",
        ),
        click.option("--seed", type=int, default=0, show_default=True, help="Base seed."),
        click.option(
            "--layout",
            type=click.Choice(LAYOUT_CHOICES),
            default="auto",
            show_default=True,
            help="Sleep answers see c and c' only at the budgets where notes were measured not "
            "to cost accuracy, c alone elsewhere (auto, table in answer/policy.py); c' only "
            "(replace), c and c' (both), c and the notes that add to it (derived) or c alone "
            "(context).",
        ),
        click.option(
            "--split",
            type=click.Choice(["sentence", "naive"]),
            default="sentence",
            show_default=True,
            help="Context/query split: sentence-aware or the paper's naive split on '.'.",
        ),
        click.option(
            "--max-rounds",
            type=int,
            default=3,
            show_default=True,
            help="Rethink rounds per sleep loop (the paper uses 10).",
        ),
        click.option(
            "--round-tokens",
            type=int,
            default=1024,
            show_default=True,
            help="Generated tokens per sleep round.",
        ),
        click.option(
            "--memory-chars",
            type=int,
            default=5000,
            show_default=True,
            help="Longest notes kept (the paper's memory block).",
        ),
        click.option(
            "--combine",
            type=click.Choice(["concat", "vote"]),
            default="concat",
            show_default=True,
            help="How sleep:K joins its K loops: concatenated (the paper) or by consensus.",
        ),
        click.option(
            "--calculator/--no-calculator",
            "check_arithmetic",
            default=True,
            show_default=True,
            help="Recompute every calculation in the notes and send slips back to the model.",
        ),
        click.option(
            "--max-tokens",
            type=int,
            default=None,
            help="Cap on generated tokens per answer (default: each budget level's cap).",
        ),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _base(kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs["progress"] = not kwargs.pop("quiet")
    return kwargs


C = TypeVar("C")


def _config(cls: Callable[..., C], **values: Any) -> C:
    """Build a config model; a validation error becomes one readable usage error."""
    from pydantic import ValidationError

    try:
        return cls(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'.'.join(str(p) for p in e['loc']).replace('_', '-')}: {e['msg']}"
            for e in exc.errors()
        )
        raise click.UsageError(problems) from None


def _run(work: Any) -> None:
    try:
        summary: RunSummary = asyncio.run(work)
    except KeyboardInterrupt:
        click.secho(
            "interrupted; every model call made so far is in the call log: run the same "
            "command again to resume, or `sleeptime bench report OUT` to see partial results",
            fg="yellow",
            err=True,
        )
        sys.exit(130)
    s = summary.summary
    click.echo(
        f"{summary.kind}: {s['problems']} problems, {s['samples']} samples, "
        f"{s['errors']} failed; model calls: {summary.misses} made, {summary.hits} replayed"
    )
    for path in summary.files:
        click.echo(f"  wrote {path}")


BUDGETS_OPTION = click.option(
    "--budgets", default="0,1,2,3,4", show_default=True, help="Budget levels 0-4."
)
BUDGET_OPTION = click.option(
    "--budget", type=int, default=0, show_default=True, help="Test-time budget level."
)
CONDITION_OPTION = click.option(
    "--condition", default="sleep:1", show_default=True, help="Sleep condition."
)


@click.group("bench")
def bench_group() -> None:
    """Reproduce the paper's figures on any backend (one command per figure)."""


@bench_group.command("sweep")
@common_options
@BUDGETS_OPTION
@click.option(
    "--conditions",
    default="baseline,sleep:1,sleep:2,sleep:5",
    show_default=True,
    help="baseline, sleep:K (K parallel sleep loops), sleep:K@EFFORT, context-only.",
)
@click.option(
    "--sleep-efforts",
    default="",
    help="Sleep-time reasoning efforts (low,medium,high or thinking budgets like "
    "1024,4096): each sleep:K runs at each. For reasoning models, e.g. Stateful AIME.",
)
@click.option(
    "--test-efforts",
    default="",
    help="Test-time reasoning efforts (low,medium,high, none, or thinking budgets): every "
    "condition is answered at each, at every budget level.",
)
def sweep_command(
    budgets: str, conditions: str, sleep_efforts: str, test_efforts: str, **kwargs: Any
) -> None:
    """Accuracy against test-time tokens for each condition at each budget (and effort)."""
    from sleeptime.benchmark.experiments import SweepConfig, run_sweep

    config = _config(
        SweepConfig,
        budgets=_ints(budgets),
        conditions=_words(conditions),
        sleep_efforts=_words(sleep_efforts),
        test_efforts=_words(test_efforts),
        **_base(kwargs),
    )
    _run(run_sweep(config))


@bench_group.command("context-only")
@common_options
@BUDGETS_OPTION
@click.option(
    "--conditions",
    default="context-only,baseline,sleep:1",
    show_default=True,
    help="Conditions to compare (context-only is always included).",
)
def context_only_command(budgets: str, conditions: str, **kwargs: Any) -> None:
    """Ablation: the model sees only c and must guess the question and answer it."""
    from sleeptime.benchmark.experiments import ContextOnlyConfig, run_context_only

    config = _config(
        ContextOnlyConfig, budgets=_ints(budgets), conditions=_words(conditions), **_base(kwargs)
    )
    _run(run_context_only(config))


@bench_group.command("passk")
@common_options
@click.option("--k", "k", type=int, default=5, show_default=True, help="Samples per problem.")
@click.option("--temperature", type=float, default=0.7, show_default=True)
@click.option("--pass-budget", type=int, default=0, show_default=True, help="Level of samples.")
@click.option("--budgets", default="0,1,2,3,4", show_default=True, help="Sleep budget levels.")
@click.option(
    "--conditions", default="sleep:1,sleep:2,sleep:5", show_default=True, help="sleep:K list."
)
def passk_command(
    k: int, temperature: float, pass_budget: int, budgets: str, conditions: str, **kwargs: Any
) -> None:
    """pass@k at the lowest budget (oracle upper bound) against sleep at equal tokens."""
    from sleeptime.benchmark.experiments import PassKConfig, run_passk

    config = _config(
        PassKConfig,
        k=k,
        temperature=temperature,
        pass_budget=pass_budget,
        budgets=_ints(budgets),
        conditions=_words(conditions),
        **_base(kwargs),
    )
    _run(run_passk(config))


@bench_group.command("amortization")
@common_options
@click.option(
    "--multi-query",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Multi-Query jsonl; without it each problem is a context with one query (N = 1).",
)
@click.option("--queries", default="1,2,5,10", show_default=True, help="Values of N.")
@click.option("--t", "t", type=float, default=10.0, show_default=True, help="Test-token price.")
@BUDGET_OPTION
@CONDITION_OPTION
@click.option("--grader", type=click.Choice(["gsm", "aime"]), default="gsm", show_default=True)
def amortization_command(
    multi_query: Path | None,
    queries: str,
    t: float,
    budget: int,
    condition: str,
    grader: str,
    **kwargs: Any,
) -> None:
    """Cost per query against N queries per context, sleep against test-time only."""
    from sleeptime.benchmark.experiments import AmortizationConfig, run_amortization

    config = _config(
        AmortizationConfig,
        multi_query=multi_query,
        queries=_ints(queries),
        t=t,
        budget=budget,
        condition=condition,
        grader=grader,
        **_base(kwargs),
    )
    _run(run_amortization(config))


@bench_group.command("predictability")
@common_options
@click.option("--scorer-backend", default=None, help="Backend scoring log P(q | c).")
@click.option("--scorer-model", default=None, help="Model of the scoring backend.")
@click.option("--per-token", is_flag=True, help="Normalise log P(q | c) by query tokens.")
@click.option("--bins", type=int, default=5, show_default=True, help="Quantile bins.")
@BUDGET_OPTION
@CONDITION_OPTION
def predictability_command(
    scorer_backend: str | None,
    scorer_model: str | None,
    per_token: bool,
    bins: int,
    budget: int,
    condition: str,
    **kwargs: Any,
) -> None:
    """Accuracy gain of sleep over test-time only per bin of log P(q | c)."""
    from sleeptime.benchmark.experiments import PredictabilityConfig, run_predictability

    config = _config(
        PredictabilityConfig,
        scorer_backend=scorer_backend,
        scorer_model=scorer_model,
        per_token=per_token,
        bins=bins,
        budget=budget,
        condition=condition,
        **_base(kwargs),
    )
    _run(run_predictability(config))


@bench_group.command("report")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
def report_command(out_dir: Path) -> None:
    """Re-render summary.json, report.md and the plots of OUT_DIR without model calls."""
    from sleeptime.benchmark.report import write_outputs

    summary = write_outputs(out_dir)
    for path in summary.files:
        click.echo(f"wrote {path}")
