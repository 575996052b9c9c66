"""The installed CLI sleeping and answering through a real OpenAI-compatible server.

The server is ``python -m llama_cpp.server`` on 127.0.0.1 serving the embedded model, so
the whole path (CLI, facade, openai SDK, HTTP, server) is real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.llama_server import SMOLLM2_ALIAS

pytestmark = [pytest.mark.integration, pytest.mark.server]

SLEEPTIME = Path(sys.executable).parent / "sleeptime"
CONTEXT = (
    "The ferry to Orkney leaves at 8:15 and 14:30. A return ticket costs 24 pounds for "
    "adults and 12 pounds for children. The crossing takes 90 minutes. "
) * 2


def _run(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLEEPTIME), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=600,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path, llama_server: str) -> dict[str, str]:
    values = dict(os.environ)
    values.update(
        {
            "SLEEPTIME_DATA_DIR": str(tmp_path / "data"),
            "SLEEPTIME_BACKEND": "openai",
            "SLEEPTIME_OPENAI_BASE_URL": llama_server,
            "SLEEPTIME_OPENAI_NATIVE_TOOLS": "false",
        }
    )
    return values


def test_sleep_and_ask_through_the_server(env: dict[str, str]) -> None:
    assert _run("context", "add", "ferry", "-", env=env, stdin=CONTEXT).returncode == 0
    slept = _run(
        "sleep",
        "ferry",
        "--max-rounds",
        "1",
        "--round-tokens",
        "64",
        "--memory-chars",
        "300",
        "--quiet",
        env=env,
    )
    assert slept.returncode == 0, slept.stderr
    for mode in ("sleep", "baseline"):
        asked = _run(
            "ask",
            "ferry",
            "How long is the crossing?",
            "--budget",
            "0",
            "--mode",
            mode,
            "--json",
            env=env,
        )
        assert asked.returncode == 0, asked.stderr
        record = json.loads(asked.stdout)
        assert record["answer"]
        assert record["usage"]["completion_tokens"] > 0
        assert (record["artifact_id"] is not None) == (mode == "sleep")
    shown = _run("runs", "list", "ferry", env=env)
    assert "complete" in shown.stdout and "openai/" + SMOLLM2_ALIAS in shown.stdout


def test_unreachable_server_is_one_clear_line(env: dict[str, str]) -> None:
    env = dict(env, SLEEPTIME_OPENAI_BASE_URL="http://127.0.0.1:9/v1", SLEEPTIME_MAX_RETRIES="1")
    assert _run("context", "add", "ferry", "-", env=env, stdin=CONTEXT).returncode == 0
    asked = _run("ask", "ferry", "When does it leave?", "--mode", "baseline", env=env)
    assert asked.returncode == 5
    assert "could not reach" in asked.stderr and "Traceback" not in asked.stderr
    listed = _run("stats", "ferry", env=env)
    assert "baseline (c)  │ 0" in listed.stdout or "0" in listed.stdout
