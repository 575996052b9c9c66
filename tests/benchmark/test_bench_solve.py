"""``solve:K`` as a sweep condition: notes solved ahead, paired with the baseline, replayed.

The function backend stands for a model that reasons well step by step and badly in one
sentence: the budget-4 prompt gets the right answer, a one-sentence answer is right only
when the notes beside the context hold it. The problems are written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, Usage
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments import SweepConfig, run_sweep
from sleeptime.benchmark.experiments.config import condition_k, condition_recipe

PROBLEMS = [
    Problem(
        id=f"s{i}",
        dataset="gsm8k",
        context=f"Ann keeps {i + 2} red boxes and {i + 3} blue boxes in shed number {i}.",
        query=f"How many boxes are in shed number {i}?",
        answer=str(2 * i + 5),
        original="",
    )
    for i in range(3)
]


def model(request: ChatRequest) -> ChatResult:
    user = request.messages[-1].content
    problem = next(p for p in PROBLEMS if p.context in user)
    i = int(problem.id[1:])
    if "Predict the" in user:
        text = f"Q1: {problem.query}\nQ2: How many red boxes are there?"
    elif "step by step" in user:
        text = f"{i + 2} + {i + 3} = {problem.answer}\nThe answer is {problem.answer}."
        if "red boxes are there" in user:
            text = f"There are {i + 2} red boxes.\nThe answer is {i + 2}."
    elif f"A: {problem.answer}" in user:
        text = f"The answer is {problem.answer}."
    else:
        text = "The answer is 1."
    return ChatResult(text=text, usage=Usage(prompt_tokens=40, completion_tokens=10, calls=1))


def test_solve_conditions_parse_and_name_their_recipe() -> None:
    config = SweepConfig(out=Path("unused"), conditions=["baseline", "Solve:2", "solve:1@low"])
    assert config.conditions == ["baseline", "solve:2", "solve:1@low"]
    assert condition_k("solve:2") == 2
    assert condition_recipe("solve:2", "vote") == "solve:2"
    assert condition_recipe("sleep:2", "vote") == "vote:2"
    assert condition_recipe("sleep:2") == "parallel:2"
    with pytest.raises(ValueError, match="unknown condition"):
        SweepConfig(out=Path("unused"), conditions=["solve:40"])


async def test_sweep_runs_solve_against_the_baseline_and_replays(tmp_path: Path) -> None:
    config = SweepConfig(
        out=tmp_path / "out",
        budgets=[0, 4],
        conditions=["baseline", "solve:1"],
        layout="auto",
        progress=False,
        concurrency=2,
    )
    result = await run_sweep(config, backend=FunctionBackend(model), problems=PROBLEMS)
    points = {(p["condition"], p["budget"]): p for p in result.summary["points"]}
    assert points[("baseline", 0)]["accuracy"] == 0.0
    assert points[("solve:1", 0)]["accuracy"] == 1.0
    assert points[("baseline", 4)]["accuracy"] == points[("solve:1", 4)]["accuracy"] == 1.0
    # One prediction and two solutions per problem, each 50 tokens.
    assert points[("solve:1", 0)]["mean_sleep_total"] == 150
    rows = [json.loads(line) for line in (config.out / "samples.jsonl").read_text().splitlines()]
    solved = [r for r in rows if r["condition"] == "solve:1"]
    assert all(r["notes_has_answer"] and r["notes_answer_in_qa"] for r in solved)
    paired = {(g["condition"], g["budget"]): g for g in result.summary["paired"]}
    assert (paired[("solve:1", 0)]["wins"], paired[("solve:1", 0)]["losses"]) == (3, 0)
    recorded = json.loads((config.out / "config.json").read_text())
    assert recorded["prompts"]["sleep_predict"] == "sleep_predict@v2"
    report = (config.out / "report.md").read_text()
    assert "solve:1" in report

    # Solving the question that is later asked, greedily, sends the very request of the
    # budget-4 baseline: the call log pays for it once.
    assert (result.misses, result.hits) == (3 * 5, 3 * 2)
    again = await run_sweep(config, backend=FunctionBackend(_refuse), problems=PROBLEMS)
    assert (again.misses, again.hits) == (0, 3 * 7)


def _refuse(request: ChatRequest) -> ChatResult:
    raise AssertionError("a re-run must be served from the call log")
