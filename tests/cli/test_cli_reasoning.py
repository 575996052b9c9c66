"""``sleeptime sleep/ask/stats`` with reasoning effort, against an o-series-shaped endpoint.

The endpoint is a real loopback HTTP server that refuses ``max_tokens`` and temperature
as o-series models do and reports hidden reasoning tokens (``helpers/reasoning_server.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from helpers.reasoning_server import REASONING_BY_EFFORT, ReasoningServer
from sleeptime.cli.main import cli
from sleeptime.settings import Settings
from sleeptime.store import Store

NOTES = "<notes>The office has 3 rooms with 8 seats each: 3 * 8 = 24 seats.</notes><finish/>"
O_SERIES = ("--backend", "openai", "--model", "o3-mini")


def _respond(body: dict[str, Any]) -> str:
    system = str(body["messages"][0]["content"])
    return NOTES if "study notes" in system else "There are 24 seats. The answer is 24."


@pytest.fixture
def server() -> Iterator[ReasoningServer]:
    with ReasoningServer({"o3-mini": "o"}, respond=_respond) as running:
        yield running


@pytest.fixture
def run(db_url: str, server: ReasoningServer) -> Callable[..., Result]:
    runner = CliRunner()
    env = {"SLEEPTIME_DATABASE_URL": db_url, "SLEEPTIME_OPENAI_BASE_URL": server.base_url}

    def _run(*args: str) -> Result:
        return runner.invoke(cli, list(args), env=env)

    return _run


def test_sleep_and_ask_with_effort_report_reasoning_tokens(
    run: Callable[..., Result], server: ReasoningServer, context_file: Path, db_url: str
) -> None:
    assert run("context", "add", "office", str(context_file)).exit_code == 0
    slept = run("sleep", "office", *O_SERIES, "--effort", "high", "--max-rounds", "1", "--quiet")
    assert slept.exit_code == 0, slept.output
    assert f"({REASONING_BY_EFFORT['high']} of them thinking)" in slept.stdout
    assert [b["reasoning_effort"] for b in server.accepted()] == ["high"]

    asked = run("ask", "office", "How many seats?", *O_SERIES, "--mode", "baseline",
                "--effort", "low", "--json")  # fmt: skip
    assert asked.exit_code == 0, asked.output
    record = json.loads(asked.stdout)
    assert record["answer"] == "There are 24 seats. The answer is 24."
    assert record["effort"] == "low"
    assert record["usage"]["reasoning_tokens"] == REASONING_BY_EFFORT["low"]
    assert record["usage"]["completion_tokens"] == REASONING_BY_EFFORT["low"] + 8
    body = server.accepted()[-1]
    assert "max_tokens" not in body and "temperature" not in body
    assert body["reasoning_effort"] == "low"

    text = run("ask", "office", "How many seats?", *O_SERIES, "--no-anticipated")
    assert text.exit_code == 0, text.output
    assert text.stdout.strip() == "There are 24 seats. The answer is 24."
    assert f"({REASONING_BY_EFFORT['medium']} of them thinking)" in text.stderr
    assert "reasoning_effort" not in server.accepted()[-1]  # the model's own default

    stats = run("stats", "office")
    assert stats.exit_code == 0, stats.output
    per_mode = stats.stdout.split("amortized")[0]
    assert "thinking" in per_mode  # a column only where a model thought
    assert "│ 120 " in per_mode and "│ 40 " in per_mode  # mean thinking tokens per mode
    assert f"({REASONING_BY_EFFORT['high']} thinking)" in stats.stdout

    store = Store(db_url)
    try:
        sleep_run = store.list_runs(tenant=Settings().tenant)[0]
        assert sleep_run.settings["budget"]["reasoning_effort"] == "high"
        assert sleep_run.usage.reasoning_tokens == REASONING_BY_EFFORT["high"]
        queries = store.list_queries(tenant=Settings().tenant)
        assert {q.details.get("effort") for q in queries} == {"low", None}
        assert sorted(q.usage.reasoning_tokens for q in queries) == [40, 120]
    finally:
        store.close()


def test_a_thinking_budget_below_the_minimum_is_refused(run: Callable[..., Result]) -> None:
    result = run("ask", "office", "q?", *O_SERIES, "--thinking-tokens", "10",
                 "--min-thinking-tokens", "20")  # fmt: skip
    assert result.exit_code != 0
    assert "min thinking tokens (20) is above the thinking budget (10)" in result.output
