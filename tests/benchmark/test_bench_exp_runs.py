"""Each experiment end to end on the function backend, with known accuracies and costs.

The function backend answers from what it is sent: notes are always right, the baseline is
right on half the problems, pass@k samples are right only for seed 1. The problems are
written here (not dataset texts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, Usage
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments import (
    AmortizationConfig,
    ContextOnlyConfig,
    PassKConfig,
    PredictabilityConfig,
    SweepConfig,
    load_multi_query,
    run_amortization,
    run_context_only,
    run_passk,
    run_predictability,
    run_sweep,
)
from sleeptime.cli.main import cli
from sleeptime.errors import BackendUnavailableError, InputError

PROBLEMS = [
    Problem(
        id=f"t{i}",
        dataset="gsm-symbolic-p2",
        context=f"Ann keeps {i + 2} red boxes and {i + 3} blue boxes in shed number {i}.",
        query=f"How many boxes are in shed number {i}?",
        answer=str(2 * i + 5),
        original="",
    )
    for i in range(4)
]
SLEEP = Usage(prompt_tokens=50, completion_tokens=100, calls=1)


def _result(text: str, generated: int, prompt: int = 30) -> ChatResult:
    return ChatResult(
        text=text, usage=Usage(prompt_tokens=prompt, completion_tokens=generated, calls=1)
    )


def oracle(request: ChatRequest) -> ChatResult:
    """Right from notes, right on t0/t1 without them, pass@k right only for seed 1."""
    system, user = request.messages[0].content, request.messages[-1].content
    if "study notes" in system:
        return ChatResult(text="<notes>Boxes are counted per shed.</notes>", usage=SLEEP)
    problem = next(p for p in PROBLEMS if p.context in user or p.query in user)
    right, wrong = f"The answer is {problem.answer}.", "The answer is 1."
    if "Guess the question" in user:
        return _result(right if problem.id == "t0" else wrong, 40)
    if "Notes prepared in advance" in user:
        return _result(right, 5)
    if request.temperature > 0:
        return _result(right if request.seed == 1 else wrong, 10)
    return _result(right if problem.id in ("t0", "t1") else wrong, 20)


def refuse(request: ChatRequest) -> ChatResult:
    raise AssertionError("a re-run must be served from the call log")


def _base(tmp_path: Path) -> dict[str, Any]:
    return {"out": tmp_path / "out", "max_rounds": 1, "progress": False, "concurrency": 3}


def _points(summary: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(p["condition"], p["budget"]): p for p in summary["points"]}


def _no_texts(out: Path) -> None:
    for name in ("samples.jsonl", "summary.json", "report.md", "config.json"):
        text = (out / name).read_text(encoding="utf-8")
        for problem in PROBLEMS:
            assert problem.context not in text and problem.query not in text, name


async def test_sweep_accuracy_files_and_replay(tmp_path: Path) -> None:
    config = SweepConfig(
        budgets=[0, 2],
        conditions=["baseline", "sleep:1", "sleep:2"],
        layout="both",
        **_base(tmp_path),
    )
    result = await run_sweep(config, backend=FunctionBackend(oracle), problems=PROBLEMS)
    points = _points(result.summary)
    assert points[("baseline", 0)]["accuracy"] == 0.5
    assert points[("sleep:2", 2)]["accuracy"] == 1.0
    assert points[("sleep:1", 0)]["mean_sleep_generated"] == 100
    assert points[("sleep:2", 0)]["mean_sleep_generated"] == 200
    assert points[("baseline", 2)]["mean_test_generated"] == 20
    # sleep:1 at temperature 0 + sleep:2's two loops (seeds 0, 1 at 0.7): 3 per problem.
    assert result.misses == 4 * 3 + 4 * 3 * 2 and result.hits == 0
    out = config.out
    for name in ("calls.db", "config.json", "samples.jsonl", "summary.json", "report.md"):
        assert (out / name).is_file()
    assert (out / "accuracy_vs_tokens.png").read_bytes()[:4] == b"\x89PNG"
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(rows) == 4 * 3 * 2
    recorded = json.loads((out / "config.json").read_text())
    assert recorded["layout"] == "both" and recorded["split"] == "sentence"
    assert recorded["prompts"]["context_only"] == "context_only@v1"
    assert recorded["backend"]["backend"] == "function"
    report = (out / "report.md").read_text()
    assert "`both`" in report and "![accuracy_vs_tokens.png]" in report
    _no_texts(out)

    again = await run_sweep(config, backend=FunctionBackend(refuse), problems=PROBLEMS)
    assert (again.misses, again.hits) == (0, result.misses)
    assert again.summary["points"] == result.summary["points"]


async def test_parallel_loops_reuse_the_smaller_condition(tmp_path: Path) -> None:
    config = SweepConfig(budgets=[0], conditions=["sleep:2", "sleep:5"], **_base(tmp_path))
    result = await run_sweep(config, backend=FunctionBackend(oracle), problems=PROBLEMS[:1])
    # sleep:5 replays sleep:2's loops 0 and 1: 5 sleep calls, 2 answers, 2 hits.
    assert (result.misses, result.hits) == (5 + 2, 2)


async def test_one_failed_sample_is_an_error_row_not_a_crash(tmp_path: Path) -> None:
    def flaky(request: ChatRequest) -> ChatResult:
        if PROBLEMS[3].query in request.messages[-1].content:
            raise InputError("this one is broken")
        return oracle(request)

    config = SweepConfig(budgets=[0], conditions=["baseline"], **_base(tmp_path))
    result = await run_sweep(config, backend=FunctionBackend(flaky), problems=PROBLEMS)
    assert result.summary["errors"] == 1
    assert result.summary["errors_by_type"] == {"InputError": 1}
    assert _points(result.summary)[("baseline", 0)]["accuracy"] == 0.5
    assert "failed: 1" in (config.out / "report.md").read_text()


async def test_unreachable_backend_stops_the_run_and_keeps_the_log(tmp_path: Path) -> None:
    calls = 0

    def dies(request: ChatRequest) -> ChatResult:
        nonlocal calls
        calls += 1
        if calls > 2:
            raise BackendUnavailableError("server at http://127.0.0.1:9 is unreachable")
        return oracle(request)

    config = SweepConfig(
        budgets=[0], conditions=["baseline"], **{**_base(tmp_path), "concurrency": 1}
    )
    with pytest.raises(BackendUnavailableError, match="unreachable"):
        await run_sweep(config, backend=FunctionBackend(dies), problems=PROBLEMS)
    assert (config.out / "calls.db").is_file()
    resumed = await run_sweep(config, backend=FunctionBackend(oracle), problems=PROBLEMS)
    assert (resumed.hits, resumed.misses) == (2, 2)


async def test_passk_curve_and_matching(tmp_path: Path) -> None:
    config = PassKConfig(k=3, budgets=[0], conditions=["sleep:1"], **_base(tmp_path))
    result = await run_passk(config, backend=FunctionBackend(oracle), problems=PROBLEMS)
    passes = result.summary["pass_at_k"]
    assert [p["accuracy"] for p in passes] == [0.0, 1.0, 1.0]
    assert [p["mean_test_generated"] for p in passes] == [10.0, 20.0, 30.0]
    assert result.summary["matched"][0]["k"] == 1  # 5 sleep tokens are closest to 10
    assert "oracle verifier" in (config.out / "report.md").read_text()
    assert (config.out / "passk_vs_sleep.png").is_file()


async def test_context_only_is_graded_against_the_real_answer(tmp_path: Path) -> None:
    config = ContextOnlyConfig(budgets=[0], conditions=["baseline"], **_base(tmp_path))
    assert config.conditions == ["context-only", "baseline"]
    result = await run_context_only(config, backend=FunctionBackend(oracle), problems=PROBLEMS)
    points = _points(result.summary)
    assert points[("context-only", 0)]["accuracy"] == 0.25
    assert points[("baseline", 0)]["accuracy"] == 0.5


async def test_amortization_from_a_multi_query_file(tmp_path: Path) -> None:
    path = tmp_path / "mq.jsonl"
    lines = []
    for ci, problem in enumerate(PROBLEMS[:2]):
        for qi, other in enumerate(PROBLEMS[2 * ci : 2 * ci + 2]):
            lines.append(
                {
                    "context_id": problem.id,
                    "context": problem.context,
                    "question": other.query,
                    "answer": other.answer,
                    "question_index": qi,
                }
            )
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    groups = load_multi_query(path)
    assert [len(g.questions) for g in groups] == [2, 2]
    # replace: the oracle finds a problem by its query when the prompt holds no context.
    config = AmortizationConfig(
        multi_query=path, queries=[1, 2, 5], layout="replace", **_base(tmp_path)
    )
    result = await run_amortization(config, backend=FunctionBackend(oracle))
    rows = {r["n"]: r for r in result.summary["amortization"]}
    assert set(rows) == {1, 2}
    assert rows[1]["sleep_cost_generated"] == 10 * 5 + 100
    assert rows[2]["sleep_cost_generated"] == 10 * 5 + 100 / 2
    assert rows[2]["baseline_cost_generated"] == 10 * 20
    assert rows[2]["sleep_cost_total"] == 10 * 35 + 150 / 2
    assert rows[2]["sleep_accuracy"] == 1.0
    assert (config.out / "cost_per_query.png").is_file()
    report = (config.out / "report.md").read_text()
    assert "- Multi-Query set: `mq.jsonl` (4 questions)" in report and "- dataset:" not in report


async def test_predictability_bins_cover_every_problem(tmp_path: Path) -> None:
    config = PredictabilityConfig(bins=2, per_token=True, **_base(tmp_path))
    result = await run_predictability(config, backend=FunctionBackend(oracle), problems=PROBLEMS)
    bins = result.summary["bins"]
    assert sum(b["n"] for b in bins) == 4 and 1 <= len(bins) <= 2
    assert result.summary["score"] == "log P(q | c) per token"
    assert (config.out / "gain_by_predictability.png").is_file()
    rows = [json.loads(line) for line in (config.out / "samples.jsonl").read_text().splitlines()]
    assert all(r["logprob"] < 0 and r["query_tokens"] > 0 for r in rows)


def test_cli_sweep_and_report(tmp_path: Path) -> None:
    data = tmp_path / "GSM_p2.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": i,
                    "instance": 0,
                    "question": f"{p.context} {p.query}",
                    "answer": f"#### {p.answer}",
                }
            )
            for i, p in enumerate(PROBLEMS[:2])
        )
        + "\n"
    )
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(["The answer is 5.", "The answer is 2."]))
    out = tmp_path / "run"
    args = ["bench", "sweep", "--data", str(data), "--backend", "scripted", "--model", str(replies)]
    args += ["--out", str(out), "--conditions", "baseline", "--budgets", "0", "--concurrency", "1"]
    result = CliRunner().invoke(cli, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    assert "2 problems, 2 samples, 0 failed; model calls: 2 made, 0 replayed" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["points"][0]["accuracy"] == 0.5
    (out / "report.md").unlink()
    rendered = CliRunner().invoke(cli, ["bench", "report", str(out)])
    assert rendered.exit_code == 0, rendered.output
    assert (
        "- model calls: 2 made, 0 replayed from the call log, 2 recorded"
        in (out / "report.md").read_text()
    )
    # Without the run's summary a re-render cannot know what the run made; it says so.
    (out / "summary.json").unlink()
    assert CliRunner().invoke(cli, ["bench", "report", str(out)]).exit_code == 0
    assert "- model calls: not counted (re-rendered" in (out / "report.md").read_text()
    bad = CliRunner().invoke(cli, [*args, "--conditions", "sleep:x"])
    assert bad.exit_code == 2 and "unknown condition" in bad.output
