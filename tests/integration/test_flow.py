"""Sleep and answer end to end on the real embedded model, library and installed CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sleeptime.app import Sleeptime
from sleeptime.backends.llama import LlamaBackend
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget

pytestmark = pytest.mark.integration

CONTEXT = (
    "The Lakeside bakery sells bread for 4 dollars a loaf and muffins for 2 dollars each. "
    "On Saturday it sold 30 loaves and 45 muffins. The bakery opens at 7 and closes at 3. "
    "Ana bakes the bread and Luis runs the till. "
) * 3
SLEEPTIME = Path(sys.executable).parent / "sleeptime"


async def test_sleep_then_answer_both_ways(tmp_path: Path, embedded: LlamaBackend) -> None:
    app = Sleeptime(Settings(database_url=f"sqlite:///{tmp_path / 'flow.db'}"))
    try:
        app.add_context("bakery", CONTEXT)
        slept = await app.sleep(
            "bakery",
            backend=embedded,
            budget=SleepBudget(max_rounds=2, round_max_tokens=96, memory_chars=400),
        )
        run = app.store.get_run(slept.run_id)
        assert run.status == "complete"
        assert run.completion_tokens > 0 and run.prompt_tokens > 0
        assert 0 < len(slept.artifact.text) <= 400
        sleep = await app.ask(
            "bakery",
            "How much did bread sales bring in on Saturday?",
            budget=0,
            backend=embedded,
            layout="replace",
        )
        base = await app.ask(
            "bakery",
            "How much did bread sales bring in on Saturday?",
            budget=0,
            mode="baseline",
            backend=embedded,
        )
        assert sleep.artifact is not None and sleep.query.artifact_id == slept.artifact.id
        assert base.artifact is None and base.query.artifact_id is None
        assert sleep.answer.text and base.answer.text
        # The notes are capped well below the context, so the prompt is smaller.
        assert sleep.answer.usage.prompt_tokens < base.answer.usage.prompt_tokens
        stats = app.stats("bakery")
        assert stats.sleep is not None and stats.baseline is not None
        assert [c.n_queries for c in stats.costs] == [1, 2, 5, 10]
    finally:
        await app.aclose()


def _cli(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 1500
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLEEPTIME), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SLEEPTIME_DATA_DIR"] = str(tmp_path / "cli-data")
    env["COLUMNS"] = "200"
    return env


def test_cli_add_sleep_ask_on_embedded_model(cli_env: dict[str, str]) -> None:
    added = _cli("context", "add", "bakery", "-", env=cli_env, stdin=CONTEXT)
    assert added.returncode == 0, added.stderr
    slept = _cli(
        "sleep",
        "bakery",
        "--max-rounds",
        "1",
        "--round-tokens",
        "64",
        "--memory-chars",
        "300",
        "--quiet",
        env=cli_env,
    )
    assert slept.returncode == 0, slept.stderr
    assert "slept on 'bakery'" in slept.stdout
    asked = _cli(
        "ask", "bakery", "When does the bakery open?", "--budget", "0", "--json", env=cli_env
    )
    assert asked.returncode == 0, asked.stderr
    record = json.loads(asked.stdout)
    assert record["mode"] == "sleep" and record["artifact_id"] is not None
    assert record["usage"]["prompt_tokens"] > 0 and record["usage"]["completion_tokens"] > 0
    stats = _cli("stats", "bakery", env=cli_env)
    assert stats.returncode == 0 and "sleep (c')" in stats.stdout


@pytest.mark.timeout(1800)
def test_demo_runs_the_whole_loop(cli_env: dict[str, str]) -> None:
    # The tests need only SmolLM2: the demo's own default (the 0.5B model) is never fetched.
    demo = _cli("demo", "--rounds", "1", "--model", "smollm2-135m", env=cli_env)
    assert demo.returncode == 0, demo.stderr
    out = demo.stdout
    assert "model SmolLM2" in " ".join(out.split())
    assert "c' (notes written at sleep time)" in out
    assert "test-time cost: sleep (c') against baseline (c)" in out
    assert out.count("baseline") >= 3 and "mean test-time tokens per query" in out
    right = re.search(r"answers right: baseline (\d)/3, sleep (\d)/3\.", " ".join(out.split()))
    assert right is not None, out
    # The count printed agrees with the table's yes/no column, whatever the model answered.
    marks = re.findall(r"│ Q\d │ (baseline|sleep) +│.*?│ (yes|no) +│", out)
    assert len(marks) == 6, out
    for mode, count in (("baseline", right.group(1)), ("sleep", right.group(2))):
        assert sum(m == (mode, "yes") for m in marks) == int(count)


def test_cli_unknown_model_path_is_one_clear_line(cli_env: dict[str, str]) -> None:
    _cli("context", "add", "bakery", "-", env=cli_env, stdin=CONTEXT)
    out = _cli("sleep", "bakery", "--model", "/nonexistent/model.gguf", env=cli_env)
    assert out.returncode == 4
    assert "Traceback" not in out.stderr
    assert "does not exist" in out.stderr
    runs = _cli("runs", "list", "bakery", env=cli_env)
    assert "no sleep runs" in runs.stdout  # nothing half-written
