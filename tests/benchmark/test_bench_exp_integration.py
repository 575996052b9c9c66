"""Every experiment on the real embedded model (SmolLM2-135M) and two real problems.

Small settings keep the whole set to a couple of minutes on two cores: budgets 0 and 1,
one sleep round of 64 tokens, 300-character notes. Each run is repeated to check that the
second one is served entirely from the call log.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sleeptime.backends import Backend, create_backend
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments import (
    AmortizationConfig,
    ContextOnlyConfig,
    PassKConfig,
    PredictabilityConfig,
    RunSummary,
    SweepConfig,
    run_amortization,
    run_context_only,
    run_passk,
    run_predictability,
    run_sweep,
)
from sleeptime.benchmark.experiments.common import load_problems

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SMALL: dict[str, Any] = {
    "max_rounds": 1,
    "round_tokens": 48,
    "memory_chars": 300,
    "max_tokens": 24,
    "progress": False,
    "concurrency": 1,
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One call log for the module: later experiments replay the calls earlier ones made
    (the same sleep notes and baseline answers), as a researcher's figure set would."""
    return {**SMALL, "calls": tmp_path_factory.mktemp("log") / "calls.db"}


@pytest.fixture(scope="module")
def llama() -> Backend:
    """The embedded model, loaded once (same settings as the other integration tests)."""
    return create_backend("llama", n_ctx=4096, n_threads=2)


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    if not (DATA / "gsm-symbolic").is_dir():
        pytest.skip(f"benchmark data not found at {DATA} (needs ../shared/data next to the repo)")
    config = SweepConfig(out=Path("unused"), data=DATA, limit=2)
    return load_problems(config)


def _check_files(out: Path) -> None:
    for name in ("config.json", "samples.jsonl", "summary.json", "report.md"):
        assert (out / name).is_file(), name
    pngs = list(out.glob("*.png"))
    assert pngs and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    config = json.loads((out / "config.json").read_text())
    assert config["backend"]["backend"] == "llama" and config["backend"]["sha256"]


async def _twice(run: Callable[[], Awaitable[RunSummary]], out: Path) -> RunSummary:
    """Run, check the outputs exist and came from real calls, run again from the log."""
    first = await run()
    assert first.hits + first.misses > 0
    _check_files(out)
    second = await run()
    assert (second.misses, second.hits) == (0, first.hits + first.misses)
    assert second.summary["points"] == first.summary["points"]
    return first


def _real_usage(summary: dict[str, Any], sleep: bool = True) -> None:
    points = summary["points"]
    assert points and all(p["mean_test_generated"] > 0 for p in points if p["n"] > p["errors"])
    assert all(p["mean_test_total"] > p["mean_test_generated"] for p in points if p["n"])
    if sleep:
        slept = [p for p in points if p["condition"].startswith("sleep:")]
        assert slept and any(p["mean_sleep_generated"] > 0 for p in slept)


async def test_sweep_on_the_embedded_model(
    llama: Backend, problems: list[Problem], tmp_path: Path, shared: dict[str, Any]
) -> None:
    config = SweepConfig(out=tmp_path, budgets=[0, 1], conditions=["baseline", "sleep:1"], **shared)
    result = await _twice(lambda: run_sweep(config, backend=llama, problems=problems), tmp_path)
    _real_usage(result.summary)
    assert result.summary["samples"] == 2 * 2 * 2
    assert "accuracy_vs_tokens.png" in (tmp_path / "report.md").read_text()


async def test_passk_on_the_embedded_model(
    llama: Backend, problems: list[Problem], tmp_path: Path, shared: dict[str, Any]
) -> None:
    config = PassKConfig(out=tmp_path, k=2, budgets=[0], conditions=["sleep:1"], **shared)
    result = await _twice(lambda: run_passk(config, backend=llama, problems=problems), tmp_path)
    passes = result.summary["pass_at_k"]
    assert [p["k"] for p in passes] == [1, 2]
    assert passes[1]["mean_test_generated"] > passes[0]["mean_test_generated"] > 0
    _real_usage(result.summary)


async def test_context_only_on_the_embedded_model(
    llama: Backend, problems: list[Problem], tmp_path: Path, shared: dict[str, Any]
) -> None:
    config = ContextOnlyConfig(out=tmp_path, budgets=[0], conditions=["baseline"], **shared)
    result = await _twice(
        lambda: run_context_only(config, backend=llama, problems=problems), tmp_path
    )
    assert {p["condition"] for p in result.summary["points"]} == {"context-only", "baseline"}
    _real_usage(result.summary, sleep=False)


async def test_amortization_on_the_embedded_model(
    llama: Backend, problems: list[Problem], tmp_path: Path, shared: dict[str, Any]
) -> None:
    # A tiny Multi-Query set built at run time in tmp (never in the repo): each context gets
    # its own question and the other problem's question.
    records = [
        {"context_id": c.id, "context": c.context, "question": q.query, "answer": q.answer}
        for c in problems
        for q in (c, *(p for p in problems if p is not c))
    ]
    source = tmp_path / "mq.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    out = tmp_path / "out"
    config = AmortizationConfig(out=out, multi_query=source, queries=[1, 2], **shared)
    result = await _twice(lambda: run_amortization(config, backend=llama), out)
    rows = {r["n"]: r for r in result.summary["amortization"]}
    assert set(rows) == {1, 2}
    # Sleep tokens are amortized over N: the sleep cost drops from N = 1 to N = 2.
    assert rows[2]["sleep_cost_generated"] < rows[1]["sleep_cost_generated"]
    assert rows[1]["baseline_cost_total"] > rows[1]["baseline_cost_generated"] > 0


async def test_predictability_on_the_embedded_model(
    llama: Backend, problems: list[Problem], tmp_path: Path, shared: dict[str, Any]
) -> None:
    config = PredictabilityConfig(out=tmp_path, bins=2, **shared)
    result = await _twice(
        lambda: run_predictability(config, backend=llama, problems=problems), tmp_path
    )
    assert result.summary["score_errors"] == 0
    assert sum(b["n"] for b in result.summary["bins"]) == 2
    rows = [json.loads(x) for x in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert all(r["logprob"] < 0 for r in rows)
    _real_usage(result.summary)
