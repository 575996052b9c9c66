"""Ctrl-C in the middle of a benchmark run loses nothing, and the same command resumes it.

The installed ``sleeptime`` runs in a child process against a real HTTP server on 127.0.0.1
that answers slowly enough for SIGINT to land mid-run. The server is scripted because the
test is about the harness's interrupt and resume path, not about model quality. The child
starts with SIGINT at its default action: a test suite run as a background job
(``bash scripts/test.sh &``) has SIGINT ignored, and a child would inherit that.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli_process import child_env, sleeptime_argv
from helpers.scripted_http import ScriptedHTTPServer, streamed_answer

CHAT = "POST /v1/chat/completions"
PROBLEMS = 6
BUDGETS = 2


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    with ScriptedHTTPServer() as server:
        server.script(CHAT, default=streamed_answer("The answer is 7.", delay_s=0.3))
        yield server


def _dataset(path: Path) -> Path:
    rows = [
        {
            "id": i,
            "instance": 0,
            "question": f"A crate holds {i + 3} jars. Each jar holds 2 figs. How many figs?",
            "answer": f"#### {2 * (i + 3)}",
        }
        for i in range(PROBLEMS)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _recorded(calls: Path) -> int:
    with sqlite3.connect(calls) as db:
        return int(db.execute("SELECT count(*) FROM calls").fetchone()[0])


def test_ctrl_c_mid_run_keeps_every_call_and_the_same_command_resumes(
    tmp_path: Path, http: ScriptedHTTPServer
) -> None:
    out = tmp_path / "run"
    args = ["bench", "sweep", "--data", str(_dataset(tmp_path / "GSM_p2.jsonl"))]
    args += ["--backend", "openai", "--model", "m", "--conditions", "baseline", "--budgets"]
    args += ["0,1", "--concurrency", "1", "--quiet", "--out", str(out)]
    args = sleeptime_argv(*args)
    env = child_env(
        tmp_path / "data",
        SLEEPTIME_OPENAI_BASE_URL=http.base_url,
        SLEEPTIME_OPENAI_API_KEY="test-key",
    )
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while http.count(CHAT) < 3 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    assert child.poll() is None, "the run ended before it could be interrupted"
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr.decode()
    assert "interrupted" in stderr.decode() and "run the same command again" in stderr.decode()
    assert "Traceback" not in stderr.decode()

    kept = _recorded(out / "calls.db")
    assert 2 <= kept < PROBLEMS * BUDGETS
    served_before = http.count(CHAT)

    resumed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    made = PROBLEMS * BUDGETS - kept
    assert f"model calls: {made} made, {kept} replayed" in resumed.stdout
    assert http.count(CHAT) == served_before + made
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    keys = [(r["problem_id"], r["condition"], r["budget"]) for r in rows]
    assert len(keys) == len(set(keys)) == PROBLEMS * BUDGETS
    assert all(r["error"] is None and r["correct"] is False for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["problems"] == PROBLEMS
