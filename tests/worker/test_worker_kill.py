"""``kill -9`` of a real worker process mid-run: a second worker finishes the run, once.

The installed ``sleeptime worker`` runs against a real HTTP model server on 127.0.0.1
whose first answer never comes; the worker is killed while it waits, and a new worker
started on the same database (SQLite file, or PostgreSQL through procrastinate) takes
the run up once its lease has run out and completes it. Exactly one artifact exists.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli_process import child_env, sleeptime_argv
from helpers.scripted_http import Reply, ScriptedHTTPServer, streamed_answer

CHAT = "POST /v1/chat/completions"
NOTES = "<notes>Ferry: leaves 9, returns 17, so 17 - 9 = 8 hours away.</notes><finish/>"


@pytest.fixture
def http() -> Iterator[ScriptedHTTPServer]:
    with ScriptedHTTPServer() as server:
        server.script(CHAT, Reply(events=[], delay_s=120), default=streamed_answer(NOTES))
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _env(tmp_path: Path, http: ScriptedHTTPServer, database: str) -> dict[str, str]:
    return child_env(
        tmp_path / "data",
        SLEEPTIME_DATABASE_URL=database,
        SLEEPTIME_BACKEND="openai",
        SLEEPTIME_MODEL="m",
        SLEEPTIME_OPENAI_BASE_URL=http.base_url,
        SLEEPTIME_OPENAI_NATIVE_TOOLS="false",
        SLEEPTIME_SLEEP_QUIET_S="0",
        SLEEPTIME_WORKER_LEASE_S="2",
        SLEEPTIME_WORKER_POLL_S="0.2",
    )


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        sleeptime_argv(*args), env=env, input=stdin, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_killed_workers_run_is_finished_by_the_next_worker_once(
    tmp_path: Path, http: ScriptedHTTPServer, database: str
) -> None:
    env = _env(tmp_path, http, database)
    _cli(env, "context", "add", "ferry", "-", stdin="The ferry leaves at 9 and returns at 17.")
    first = subprocess.Popen(
        sleeptime_argv("worker"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while http.count(CHAT) < 1 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert first.poll() is None, first.communicate()
    first.kill()  # SIGKILL: nothing in the process can record anything
    first.communicate(timeout=30)
    [line] = _cli(env, "jobs", "list").splitlines()
    # Still held by the dead worker's lease, or already given back: the 2 s lease may run
    # out while this command starts on a loaded machine (opening the store reaps it).
    assert " running " in line or " queued " in line

    second = subprocess.run(
        sleeptime_argv("worker", "--idle-exit", "3"), env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "1 complete" in second.stderr
    [line] = _cli(env, "jobs", "list", "--all").splitlines()
    run = json.loads(_cli(env, "jobs", "show", line.split()[0]))
    assert run["status"] == "complete" and run["attempt"] == 2
    assert run["details"]["lost_leases"][0]["attempt"] == 1
    shown = _cli(env, "context", "show", "ferry")
    assert "17 - 9 = 8 hours" in shown
    assert len(_cli(env, "runs", "list", "ferry").splitlines()) == 1
