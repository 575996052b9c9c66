"""Scale-out on a real PostgreSQL: several service and worker processes share one database.

Every process here is the installed ``sleeptime`` command (``serve --no-worker`` and
``worker``), each with its own data folder, as on separate hosts; the model is a scripted
OpenAI-compatible server on 127.0.0.1. What one process wrote, another must see: contexts
posted through one API process are slept on by whichever worker gets them and answered
through the other API process; an API key made with ``sleeptime keys create`` works on
both. A worker killed with SIGKILL mid-run loses nothing (its lease runs out and the
other worker finishes the run, once), and a PostgreSQL restart turns requests into quick
503s while it lasts, after which the same service processes answer again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from helpers.cli_process import child_env, sleeptime_argv
from helpers.postgres import PostgresServer, free_port
from helpers.scripted_http import Reply, ScriptedHTTPServer, streamed_answer
from sleeptime.store import Store

pytestmark = pytest.mark.server

CHAT = "POST /v1/chat/completions"
NOTES = "<notes>Ferry: leaves 9, returns 17, so 17 - 9 = 8 hours away.</notes><finish/>"
SLEEP_SYSTEM = "You write study notes"
START_TIMEOUT_S = 60.0


@dataclass
class Proc:
    """One child process with its log file."""

    name: str
    child: subprocess.Popen[str]
    log: Path
    base_url: str | None = None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Cluster:
    """Starts ``sleeptime`` processes on one database and stops them all at the end."""

    def __init__(self, tmp_path: Path, database: str, model_url: str) -> None:
        self.tmp_path = tmp_path
        self.database = database
        self.model_url = model_url
        self.lease_s = 30.0
        """Workers' lease; short only where a test waits for one to run out (a loaded
        machine can stall a worker's first run past a 2 s lease, and then a second
        worker rightly runs it again)."""
        self.poll_s = 0.2
        """Workers' scheduler pass interval (queueing, reaping, deferring jobs)."""
        self.procs: list[Proc] = []

    def env(self, name: str) -> dict[str, str]:
        """The environment of process ``name``: its own data folder, the shared database."""
        return child_env(
            self.tmp_path / f"data-{name}",
            SLEEPTIME_DATABASE_URL=self.database,
            SLEEPTIME_BACKEND="openai",
            SLEEPTIME_MODEL="m",
            SLEEPTIME_OPENAI_BASE_URL=self.model_url,
            SLEEPTIME_OPENAI_NATIVE_TOOLS="false",
            SLEEPTIME_SLEEP_QUIET_S="0",
            SLEEPTIME_WORKER_LEASE_S=f"{self.lease_s:g}",
            SLEEPTIME_WORKER_POLL_S=f"{self.poll_s:g}",
            SLEEPTIME_SERVICE_RATE_PER_MINUTE="0",
        )

    def cli(self, *args: str) -> str:
        """Run one command to its end; its standard output."""
        done = subprocess.run(
            sleeptime_argv(*args), env=self.env("cli"), capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _spawn(self, name: str, *args: str) -> Proc:
        log = self.tmp_path / f"{name}.log"
        with log.open("w") as sink:  # a file, not a pipe nobody drains
            child = subprocess.Popen(
                sleeptime_argv(*args), env=self.env(name), stdout=sink,
                stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        proc = Proc(name, child, log)
        self.procs.append(proc)
        return proc

    def serve(self, name: str) -> Proc:
        """Start ``sleeptime serve --no-worker`` on a free port (wait with ``ready``)."""
        port = free_port()
        proc = self._spawn(name, "serve", "--no-worker", "--port", str(port))
        proc.base_url = f"http://127.0.0.1:{port}"
        return proc

    def worker(self, name: str) -> Proc:
        """Start ``sleeptime worker`` named ``name`` (its runs show that name)."""
        return self._spawn(name, "worker", "--name", name)

    def ready(self, *services: Proc) -> None:
        """Wait until every service answers its health check."""
        deadline = time.monotonic() + START_TIMEOUT_S
        for proc in services:
            assert proc.base_url is not None
            while True:
                assert proc.child.poll() is None, f"{proc.name} exited: {proc.text()}"
                assert time.monotonic() < deadline, f"{proc.name} did not start: {proc.text()}"
                try:
                    if httpx.get(f"{proc.base_url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.child.poll() is None:
                proc.child.terminate()
        for proc in self.procs:
            try:
                proc.child.wait(20)
            except subprocess.TimeoutExpired:
                proc.child.kill()
                proc.child.wait(10)


@pytest.fixture
def model() -> Iterator[ScriptedHTTPServer]:
    """The model: every call gets notes that finish at once (sleep) or the same text."""
    with ScriptedHTTPServer() as server:
        server.script(CHAT, default=streamed_answer(NOTES))
        yield server


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str, model: ScriptedHTTPServer) -> Iterator[Cluster]:
    made = Cluster(tmp_path, postgres_url, model.base_url)
    try:
        yield made
    finally:
        made.stop()


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    """The test's own view of the database, for what the API does not show (run owners)."""
    opened = Store(postgres_url)
    yield opened
    opened.close()


def _sleep_calls(model: ScriptedHTTPServer) -> int:
    return sum(
        1
        for seen in list(model.seen)
        if isinstance(seen.body, dict)
        and str(seen.body["messages"][0]["content"]).startswith(SLEEP_SYSTEM)
    )


def _wait(
    check: Callable[[], Any], what: str, timeout_s: float = 60, *, logs: Cluster | None = None
) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = "".join(f"\n{p.name}: {p.text()}" for p in logs.procs) if logs else ""
            raise AssertionError(f"timed out waiting for {what}{shown}")
        time.sleep(0.1)


def _notes_of(client: httpx.Client, name: str) -> dict[str, Any] | None:
    shown = client.get(f"/v1/contexts/{name}")
    assert shown.status_code == 200, shown.text
    notes: dict[str, Any] | None = shown.json()["notes"]
    return notes


def _client(proc: Proc, key: str) -> httpx.Client:
    assert proc.base_url is not None
    return httpx.Client(
        base_url=proc.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=20
    )


def test_two_api_processes_and_two_workers_share_one_database(
    cluster: Cluster, model: ScriptedHTTPServer
) -> None:
    key = cluster.cli("keys", "create", "--name", "shared").strip()
    api1, api2 = cluster.serve("api1"), cluster.serve("api2")
    workers = [cluster.worker("w1"), cluster.worker("w2")]
    cluster.ready(api1, api2)
    names = [f"doc{n}" for n in range(6)]
    with _client(api1, key) as one, _client(api2, key) as two:
        for name in names:
            posted = one.post(
                "/v1/contexts", json={"name": name, "text": f"{name}: the ferry leaves at 9."}
            )
            assert posted.status_code == 201, posted.text
        # Posted through one process, listed by the other at once.
        assert [c["name"] for c in two.get("/v1/contexts").json()] == names

        notes = {n: _wait(lambda n=n: _notes_of(two, n), f"notes of {n}") for n in names}
        assert len({n["id"] for n in notes.values()}) == len(names)
        for proc in workers:
            assert proc.child.poll() is None, proc.text()

        for name in names:
            asked = two.post(
                f"/v1/contexts/{name}/ask",
                json={"question": "How long is the ferry away?", "anticipated": False},
            )
            assert asked.status_code == 200, asked.text
            answer = asked.json()
            assert answer["artifact_id"] == notes[name]["id"] and not answer["stale"]
            assert answer["served"] == "model" and answer["answer"]
        reply = openai.OpenAI(base_url=f"{api1.base_url}/v1", api_key=key).chat.completions.create(
            model="sleeptime/doc0", messages=[{"role": "user", "content": "When back?"}]
        )
        assert reply.choices[0].message.content
        assert (reply.model_extra or {})["sleeptime"]["artifact_id"] == notes["doc0"]["id"]

        # Both processes see the same jobs, notes and query counts.
        for path in ("/v1/jobs", "/v1/contexts", "/v1/contexts/doc3/notes"):
            first, second = one.get(path), two.get(path)
            assert first.status_code == second.status_code == 200
            assert first.json() == second.json(), path
        jobs = one.get("/v1/jobs").json()
        assert len(jobs) == len(names)
        assert all(j["status"] == "complete" and j["attempt"] == 1 for j in jobs)
        counts = {c["name"]: c["queries"] for c in one.get("/v1/contexts").json()}
        assert counts == {n: 2 if n == "doc0" else 1 for n in names}

    # Every context was slept on exactly once, by one of the two workers.
    assert _sleep_calls(model) == len(names)
    for proc in workers:
        proc.child.send_signal(signal.SIGTERM)
        proc.child.wait(30)
    logs = "".join(proc.text() for proc in workers)
    assert logs.count(" complete:") == len(names), logs


def test_a_worker_killed_mid_run_loses_nothing_while_the_service_runs(
    cluster: Cluster, model: ScriptedHTTPServer, store: Store
) -> None:
    # Until the kill no sleep call is answered, so the worker holding the run hangs in it,
    # even if a stall of a loaded machine cost it its 2 s lease and it took the run again.
    model.script(CHAT, default=Reply(events=[], delay_s=120))
    cluster.lease_s = 2
    key = cluster.cli("keys", "create").strip()
    api = cluster.serve("api")
    victim = cluster.worker("w1")
    cluster.ready(api)
    with _client(api, key) as client:
        posted = client.post("/v1/contexts", json={"name": "ferry", "text": "Leaves 9, back 17."})
        assert posted.status_code == 201, posted.text
        _wait(lambda: _sleep_calls(model) >= 1, "the first sleep call", logs=cluster)
        [job] = client.get("/v1/jobs").json()
        held = _wait(
            lambda: (r := store.get_run(job["id"])).status == "running" and r.lease_owner == "w1",
            "the run held by w1",
            logs=cluster,
        )
        assert held
        os.kill(victim.child.pid, signal.SIGKILL)  # nothing in it can record anything
        victim.child.wait(10)
        hung = _sleep_calls(model)
        model.script(CHAT, default=streamed_answer(NOTES))
        # The dead worker's 2 s lease is what runs out; the survivor holds its own claims
        # longer, so a stall of this loaded machine does not cost it its lease (a run its
        # own reaper takes back can stay queued: see the test below).
        cluster.lease_s = 10
        survivor = cluster.worker("w2")

        notes = _wait(lambda: _notes_of(client, "ferry"), "the finished run", logs=cluster)
        run = client.get(f"/v1/jobs/{job['id']}").json()
        assert run["status"] == "complete" and run["attempt"] >= 2
        record = store.get_run(job["id"])
        assert record.details["lost_leases"][0]["attempt"] == 1
        assert len(client.get("/v1/jobs").json()) == 1
        assert len(client.get("/v1/contexts/ferry/notes").json()) == 1
        asked = client.post("/v1/contexts/ferry/ask", json={"question": "How long away?"})
        assert asked.status_code == 200 and asked.json()["artifact_id"] == notes["id"]
    assert survivor.child.poll() is None, survivor.text()
    survivor.child.send_signal(signal.SIGTERM)
    survivor.child.wait(30)
    assert f"run {job['id'][:8]} complete" in survivor.text()
    # One round per attempt after the kill (one, unless the survivor stalled past its lease).
    assert 1 <= _sleep_calls(model) - hung <= run["attempt"] - 1


def test_a_run_requeued_between_two_scheduler_passes_is_taken_up_again(
    cluster: Cluster, model: ScriptedHTTPServer, store: Store
) -> None:
    model.script(CHAT, Reply(events=[], delay_s=120), default=streamed_answer(NOTES))
    cluster.lease_s, cluster.poll_s = 2, 8
    key = cluster.cli("keys", "create").strip()
    api = cluster.serve("api")
    cluster.ready(api)
    with _client(api, key) as client:
        posted = client.post("/v1/contexts", json={"name": "ferry", "text": "Leaves 9, back 17."})
        assert posted.status_code == 201, posted.text
        worker = cluster.worker("w1")  # its first pass queues the run and defers its job
        _wait(lambda: _sleep_calls(model) >= 1, "the first sleep call", logs=cluster)
        [job] = client.get("/v1/jobs").json()
        # Before the worker's next pass it stalls past its lease (a starved or suspended
        # machine), and a reaper gives the run back to the queue meanwhile.
        os.kill(worker.child.pid, signal.SIGSTOP)
        try:
            time.sleep(2.2)
            assert store.mark_abandoned(60) == 1
            assert store.get_run(job["id"]).status == "queued"
        finally:
            os.kill(worker.child.pid, signal.SIGCONT)
        # The worker's next pass (within 8 s) should defer a job for it again.
        _wait(lambda: _notes_of(client, "ferry"), "the run taken up again", 15, logs=cluster)
    assert store.get_run(job["id"]).attempt == 2


def test_the_service_rides_out_a_postgres_restart(
    cluster: Cluster, postgres_server: PostgresServer
) -> None:
    key = cluster.cli("keys", "create").strip()
    api = cluster.serve("api")
    worker = cluster.worker("w1")
    cluster.ready(api)
    with _client(api, key) as client:
        assert client.post("/v1/contexts", json={"name": "a", "text": "Leaves 9."}).status_code
        notes = _wait(lambda: _notes_of(client, "a"), "notes before the outage")
        probes: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", "/v1/contexts", None),
            ("GET", "/v1/contexts/a", None),
            ("POST", "/v1/contexts/a/ask", {"question": "When does it leave?"}),
            ("POST", "/v1/contexts", {"name": "b", "text": "Returns 17."}),
            ("GET", "/healthz", None),
        ]
        postgres_server.stop()
        try:
            for method, path, body in probes:
                started = time.monotonic()
                response = client.request(method, path, json=body)
                took = time.monotonic() - started
                assert response.status_code == 503, (path, response.status_code, response.text)
                error = response.json()["error"]
                assert error["type"] == "database_unavailable", error
                assert "database" in error["message"], error
                # Callers learn nothing of the deployment: no URL, no host, no advice.
                assert "postgresql" not in error["message"] and "127.0.0.1" not in error["message"]
                assert response.headers.get("retry-after"), response.headers
                assert took < 10, f"{path} took {took:.1f} s to fail"
        finally:
            postgres_server.start()
        # The same process answers again; nothing was restarted but the database.
        assert client.get("/healthz").status_code == 200
        for method, path, body in probes[:3]:
            response = client.request(method, path, json=body)
            assert response.status_code == 200, (path, response.text)
        asked = client.post("/v1/contexts/a/ask", json={"question": "When does it leave?"})
        assert asked.json()["artifact_id"] == notes["id"]
        posted = client.post("/v1/contexts", json={"name": "b", "text": "Returns 17."})
        assert posted.status_code == 201, posted.text
        # The worker came back too: the context posted after the restart gets its notes.
        _wait(lambda: _notes_of(client, "b"), "notes after the outage", 60)
    assert api.child.poll() is None and worker.child.poll() is None
