"""``sleeptime bench sweep`` over reasoning effort (sleep effort x test effort), end to end.

The installed command runs against a loopback o-series-shaped server
(``helpers/reasoning_server.py``: refuses ``max_tokens`` and temperature, counts hidden
reasoning tokens by effort). Its "model" answers from what it is sent: notes made at
sleep effort medium or high hold the total; without them only test effort high finds it.
The problems are written here, in the Stateful AIME file layout (not dataset texts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from helpers.reasoning_server import REASONING_BY_EFFORT, ReasoningServer
from sleeptime.cli.main import cli

PROBLEMS = [(3 + i, 4 + 2 * i) for i in range(3)]
_COUNTS = re.compile(r"holds (\d+) red and (\d+) blue")
_NOTED = re.compile(r"Total marbles: (\d+)")


def _respond(body: dict[str, Any]) -> str:
    """Notes know the total only when made with effort; answers use notes or high effort."""
    system = str(body["messages"][0]["content"])
    user = str(body["messages"][-1]["content"])
    red, blue = (int(n) for n in _COUNTS.findall(user)[0])
    effort = body.get("reasoning_effort") or "medium"
    if "study notes" in system:
        if effort == "low":
            return "<notes>Marbles come in two colours.</notes><finish/>"
        return f"<notes>{red} + {blue} = {red + blue}. Total marbles: {red + blue}</notes><finish/>"
    noted = _NOTED.findall(user)
    if noted:
        return f"From the notes, \\boxed{{{noted[0]}}}"
    return f"\\boxed{{{red + blue}}}" if effort == "high" else "\\boxed{0}"


@pytest.fixture
def server() -> Iterator[ReasoningServer]:
    with ReasoningServer({"o3-mini": "o"}, respond=_respond) as running:
        yield running


def _sweep(server: ReasoningServer, data: Path, out: Path) -> Result:
    args = [
        "bench", "sweep", "--dataset", "aime-2024", "--data", str(data),
        "--backend", "openai", "--model", "o3-mini", "--out", str(out),
        "--conditions", "baseline,sleep:1", "--sleep-efforts", "low,high",
        "--test-efforts", "low,high", "--budgets", "2", "--layout", "both",
        "--max-rounds", "1", "--concurrency", "2", "--quiet",
    ]  # fmt: skip
    env = {"SLEEPTIME_OPENAI_BASE_URL": server.base_url}
    return CliRunner().invoke(cli, args, env=env)


def test_sweep_over_sleep_and_test_effort(server: ReasoningServer, tmp_path: Path) -> None:
    data = tmp_path / "aime24.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {
                    "prompt": f"A box holds {red} red and {blue} blue marbles. How many "
                    "marbles are in the box?",
                    "answer": red + blue,
                }
            )
            + "\n"
            for red, blue in PROBLEMS
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    first = _sweep(server, data, out)
    assert first.exit_code == 0, first.output
    # 3 problems x (2 sleep runs of 1 round + 3 conditions x 2 test efforts)
    assert "3 problems, 18 samples, 0 failed; model calls: 24 made, 0 replayed" in first.stdout
    sent = server.accepted()
    assert all("max_tokens" not in b and "temperature" not in b for b in sent)
    sleep_efforts = sorted(
        b["reasoning_effort"] for b in sent if "study notes" in b["messages"][0]["content"]
    )
    assert sleep_efforts == ["high"] * 3 + ["low"] * 3

    summary = json.loads((out / "summary.json").read_text())
    points = {(p["condition"], p["test_effort"]): p for p in summary["points"]}
    assert list(points) == [
        ("baseline", "low"),
        ("baseline", "high"),
        ("sleep:1@low", "low"),
        ("sleep:1@low", "high"),
        ("sleep:1@high", "low"),
        ("sleep:1@high", "high"),
    ]
    accuracy = {key: p["accuracy"] for key, p in points.items()}
    assert accuracy == {
        ("baseline", "low"): 0.0,
        ("baseline", "high"): 1.0,
        ("sleep:1@low", "low"): 0.0,
        ("sleep:1@low", "high"): 1.0,
        ("sleep:1@high", "low"): 1.0,  # sleep-time effort buys test-time effort
        ("sleep:1@high", "high"): 1.0,
    }
    for (condition, effort), point in points.items():
        assert point["mean_test_reasoning"] == REASONING_BY_EFFORT[effort]
        if condition != "baseline":
            sleep_effort = condition.split("@")[1]
            assert point["mean_sleep_reasoning"] == REASONING_BY_EFFORT[sleep_effort]
    paired = {(g["condition"], g["test_effort"]): g for g in summary["paired"]}
    assert paired[("sleep:1@high", "low")]["wins"] == 3

    report = (out / "report.md").read_text()
    assert "reasoning effort: sleep time low, high; test time low, high" in report
    assert "| test effort |" in report and "| test thinking tokens |" in report
    assert "| sleep:1@high | 2 | low | 3 | 100.0% |" in report
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["conditions"] == ["baseline", "sleep:1@low", "sleep:1@high"]

    again = _sweep(server, data, out)
    assert again.exit_code == 0, again.output
    assert "model calls: 0 made, 24 replayed" in again.stdout
    assert json.loads((out / "summary.json").read_text())["points"] == summary["points"]
    assert len(server.accepted()) == len(sent)


def test_effort_axis_values_are_checked(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["bench", "sweep", "--out", str(tmp_path), "--test-efforts", "low,extreme"],
    )
    assert result.exit_code == 2
    assert "--test-efforts" in result.output and "extreme" in result.output
    wrong = CliRunner().invoke(
        cli, ["bench", "sweep", "--out", str(tmp_path), "--conditions", "baseline@high"]
    )
    assert wrong.exit_code == 2
    assert "only a sweep's sleep:K conditions take an effort" in wrong.output
