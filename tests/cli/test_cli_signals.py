"""A sleep run whose process is stopped never stays ``running``.

The installed ``sleeptime sleep`` runs as a real child process against a real HTTP server
on 127.0.0.1 that answers slowly, and is stopped mid-round the ways users stop commands:
SIGTERM (``kill``, ``timeout``), SIGHUP (a closed terminal) and SIGKILL (``kill -9``, the
OOM killer). The first two end the run as ``failed`` with the reason; after SIGKILL nothing
can run in the process, so the next command that opens the store marks the run
``abandoned`` once its heartbeat is stale. The child starts with default signal
dispositions, so this holds however the test suite itself was started.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli_process import child_env, sleeptime_argv
from helpers.scripted_http import Reply, ScriptedHTTPServer

CHAT = "POST /v1/chat/completions"


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    with ScriptedHTTPServer() as server:
        server.script(CHAT, default=Reply(events=[], delay_s=30))  # a round that takes long
        yield server


@pytest.fixture
def env(tmp_path: Path, http: ScriptedHTTPServer) -> dict[str, str]:
    environment = child_env(
        tmp_path / "data",
        SLEEPTIME_OPENAI_BASE_URL=http.base_url,
        SLEEPTIME_HEARTBEAT_S="0.2",
    )
    added = _run(environment, "context", "add", "ferry", "-", stdin="The ferry leaves at 9.")
    assert added.returncode == 0, added.stderr
    return environment


def _run(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        sleeptime_argv(*args), env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def _start_sleep(env: dict[str, str], http: ScriptedHTTPServer) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        sleeptime_argv("sleep", "ferry", "--backend", "openai", "--model", "m", "--quiet"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while http.count(CHAT) < 1 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    assert child.poll() is None, child.communicate()
    return child


def _the_run(env: dict[str, str], **extra: str) -> dict[str, object]:
    listed = _run(dict(env, **extra), "runs", "list", "ferry")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    shown = _run(env, "runs", "show", line.split()[0])
    assert shown.returncode == 0, shown.stderr
    record: dict[str, object] = json.loads(shown.stdout.split("partial notes")[0])
    record["listed"] = line
    return record


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_end_the_run_as_failed_with_the_reason(
    env: dict[str, str], http: ScriptedHTTPServer, signum: signal.Signals, code: int
) -> None:
    child = _start_sleep(env, http)
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == code, stderr
    assert f"stopped by {signum.name}" in stderr and "Traceback" not in stderr
    run = _the_run(env)
    assert run["status"] == "failed"
    assert run["error"] == f"interrupted: terminated by {signum.name}"
    assert run["finished_at"] is not None
    assert " failed " in str(run["listed"])


def test_a_killed_run_keeps_beating_until_killed_then_is_marked_abandoned(
    env: dict[str, str], http: ScriptedHTTPServer
) -> None:
    child = _start_sleep(env, http)
    # One long round, past the staleness limit used below; heartbeats every 0.2 s keep
    # the run fresh with a wide margin for a busy machine.
    time.sleep(4)
    alive = _the_run(env, SLEEPTIME_STALE_RUN_S="3")
    assert alive["status"] == "running", alive  # heartbeats kept coming during the round

    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert _the_run(env)["status"] == "running"  # nothing could record anything yet
    time.sleep(3.5)
    gone = _the_run(env, SLEEPTIME_STALE_RUN_S="3")
    assert gone["status"] == "abandoned"
    assert "no heartbeat for" in str(gone["error"]) and "killed" in str(gone["error"])
    assert " abandoned " in str(gone["listed"])
