"""Fixtures for the command line: CliRunner on a real, already migrated SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sleeptime.cli.main import cli

TEXT = "The office opens at 9 and closes at 17. It has 3 rooms with 8 seats each.\n"
SLEEP_REPLIES = ["<notes>Open 9-17. Rooms: 3. Seats: 24 in total.</notes>", "<finish/>"]
ASK_REPLIES = ["There are 24 seats. The answer is 24."]

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(db_url: str) -> Invoke:
    """Run ``sleeptime ARGS`` in-process against the test database."""
    runner = CliRunner()

    def _invoke(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, env={"SLEEPTIME_DATABASE_URL": db_url})

    return _invoke


@pytest.fixture
def replies(tmp_path: Path) -> Callable[..., str]:
    """Write a JSON list of scripted replies and return its path (for --model)."""
    count = 0

    def _write(*texts: str) -> str:
        nonlocal count
        count += 1
        path = tmp_path / f"replies{count}.json"
        path.write_text(json.dumps(list(texts)), encoding="utf-8")
        return str(path)

    return _write


@pytest.fixture
def context_file(tmp_path: Path) -> Path:
    path = tmp_path / "office.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def added(invoke: Invoke, context_file: Path) -> str:
    """Context 'office' added from a file; returns its name."""
    result = invoke("context", "add", "office", str(context_file))
    assert result.exit_code == 0, result.output
    return "office"


@pytest.fixture
def slept(invoke: Invoke, added: str, replies: Callable[..., str]) -> str:
    """Context 'office' added and slept on with the scripted backend."""
    result = invoke(
        "sleep", added, "--backend", "scripted", "--model", replies(*SLEEP_REPLIES), "--quiet"
    )
    assert result.exit_code == 0, result.output
    return added
