"""``sleeptime multiquery``: generate a verified Multi-Query set from a benchmark's contexts.

A thin wrapper over ``sleeptime.benchmark.multiquery.generate_multiquery``. The output holds
dataset text (GSM-Symbolic is CC BY-NC-ND): keep it out of the repository.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

_DATASETS = ("gsm-symbolic", "gsm-symbolic-p1", "gsm-symbolic-p2", "gsm8k")


@click.command("multiquery")
@click.option(
    "--dataset",
    type=click.Choice(_DATASETS),
    default="gsm-symbolic-p2",
    show_default=True,
    help="GSM-style benchmark whose contexts get extra questions.",
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="Dataset file or data root (default: $SLEEPTIME_DATA_ROOT or ../shared/data).",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None,
    help="Only the first N contexts (of the --sample draw when given).",
)  # fmt: skip
@click.option(
    "--sample", type=click.IntRange(min=1), default=None,
    help="Draw N problems at random (seeded by --seed) as `bench sweep --sample` does, so "
    "the set's contexts are the sweep's and a shared --calls log replays their sleep.",
)  # fmt: skip
@click.option(
    "--verify", type=click.Choice(("resolve", "calc", "both")), default="resolve",
    show_default=True,
    help="Keep a pair when a budget-4 re-solve agrees (resolve), when its one-expression "
    "calculation holds and uses only the context's numbers (calc, no model call; for "
    "models too weak to agree with themselves), or both.",
)  # fmt: skip
@click.option(
    "--sequential", is_flag=True, default=False,
    help="One question per call, each call shown the questions asked so far, until "
    "--n-questions are kept or twice as many calls were made (small models repeat "
    "themselves within one list).",
)  # fmt: skip
@click.option(
    "--temperature", type=click.FloatRange(0, 2), default=0.0, show_default=True,
    help="Sampling temperature of the generation calls.",
)  # fmt: skip
@click.option(
    "--n-questions", type=click.IntRange(1, 50), default=10, show_default=True,
    help="Questions to ask for per context (before verification).",
)  # fmt: skip
@click.option("--backend", default=None, help="Backend: llama (embedded), openai, scripted.")
@click.option("--model", default=None, help="Model name, GGUF path (llama) or model id (openai).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every call.")
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=1, show_default=True,
    help="Model requests in flight.",
)  # fmt: skip
@click.option(
    "--max-tokens", type=click.IntRange(16, 32768), default=1024, show_default=True,
    help="Token cap of each generation reply.",
)  # fmt: skip
@click.option(
    "--solver-max-tokens", type=click.IntRange(16, 32768), default=None,
    help="Token cap of each verifying re-solve (default: budget level 4's cap).",
)  # fmt: skip
@click.option(
    "--calls",
    "call_log",
    type=click.Path(path_type=Path),
    default=None,
    help="SQLite file recording every call; re-running with it replays instead of paying.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Output jsonl (a summary goes to OUT.meta.json). Do not commit it.",
)
def multiquery_command(
    dataset: str,
    data: Path | None,
    limit: int | None,
    sample: int | None,
    verify: str,
    sequential: bool,
    temperature: float,
    n_questions: int,
    backend: str | None,
    model: str | None,
    seed: int,
    concurrency: int,
    max_tokens: int,
    solver_max_tokens: int | None,
    call_log: Path | None,
    out: Path,
) -> None:
    """Ask a model for N more questions per context and keep those a check confirms."""
    from sleeptime.backends import create_backend
    from sleeptime.benchmark.datasets import load_dataset
    from sleeptime.benchmark.experiments.common import sample_problems
    from sleeptime.benchmark.multiquery import generate_multiquery

    problems = load_dataset(dataset, data, limit=None if sample else limit)
    problems = sample_problems(problems, sample, seed)
    if sample is not None and limit is not None:
        problems = problems[:limit]
    model_backend = create_backend(backend, model=model)

    async def run() -> None:
        try:
            stats = await generate_multiquery(
                model_backend,
                problems,
                n_questions=n_questions,
                seed=seed,
                out_path=out,
                concurrency=concurrency,
                gen_max_tokens=max_tokens,
                solver_max_tokens=solver_max_tokens,
                call_log=call_log,
                verify=verify,
                sequential=sequential,
                temperature=temperature,
            )
        finally:
            await model_backend.aclose()
        click.echo(
            f"{len(stats.per_context)} contexts: {stats.generated} questions generated, "
            f"{stats.kept} kept, {stats.discarded} discarded by the {verify} check, "
            f"{stats.malformed} malformed"
        )
        click.echo(f"wrote {stats.out_path} and {stats.meta_path}")

    asyncio.run(run())
