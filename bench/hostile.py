"""Issue 12's whole list, tried in one go as a hostile user would, against the installed CLI.

Every probe runs ``.venv/bin/sleeptime`` in a child process (default signal dispositions,
a throwaway ``SLEEPTIME_DATA_DIR``, no ``SLEEPTIME_*`` from the caller's shell). Model work
goes to the scripted backend or to a loopback HTTP server on 127.0.0.1 whose behaviour is
chosen by path: ``/slow`` (30 s) and ``/pause`` (1.5 s) answer late, ``/keepalive`` sends SSE
keep-alive comments and never a token, ``/e500`` and ``/e429`` fail, ``/count`` must not be
reached.

Three counts must be 0: tracebacks in any output, exits with status 0 on input that must
be refused, and reads of one tenant's data by another. Checks particular to an item (a
deadline met, memory bounded, a run marked abandoned, a message in the user's terms) are
counted as ``other_failures``, also expected to be 0.
Results go to ``bench/results/hostile.json``.

Usage: ``.venv/bin/python bench/hostile.py [--only tenants,signals,...]`` (names below)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
SLEEPTIME = Path(sys.executable).parent / "sleeptime"
SECRETS = ("7311", "Q9 band", "bonus pool")
_DEFAULT_SIGNALS = (
    "import os, signal, sys\n"
    "for n in ('SIGINT', 'SIGTERM', 'SIGHUP'):\n"
    "    signal.signal(getattr(signal, n), signal.SIG_DFL)\n"
    "if os.environ.pop('HOSTILE_IGNORE_SIGINT', ''):\n"
    "    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a background job starts\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)
_CHUNK = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
_ANSWER = "".join(
    f"data: {json.dumps({**_CHUNK, 'choices': [choice]})}\n\n"
    for choice in (
        {"index": 0, "delta": {"content": "<notes>x is 7.</notes><finish/>"}},
        {"index": 0, "delta": {}, "finish_reason": "stop"},
    )
).encode()
_PEAK_RSS = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status) % 256)\n"
)


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind = self.path.split("/")[1]
        type(self).hits[kind] = type(self).hits.get(kind, 0) + 1
        try:
            if kind == "count":
                self._json(500, {"error": {"message": "must not be called", "type": "x"}})
            elif kind in ("e500", "e429"):
                status = int(kind[1:])
                self._json(status, {"error": {"message": f"fault {status}", "type": "x"}})
            elif kind == "keepalive":
                self._stream(lambda: self._keepalive(60.0))
            else:  # slow or pause: a long round, then a short reply
                time.sleep(30.0 if kind == "slow" else 1.5)
                self._stream(lambda: self._chunk(_ANSWER))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: Any) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        body()
        self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _keepalive(self, for_s: float) -> None:
        until = time.monotonic() + for_s
        while time.monotonic() < until:
            self._chunk(b": keep-alive\n\n")
            time.sleep(0.5)


class Hostile:
    """Runs probes, keeps the counts, and remembers what failed per item."""

    def __init__(self, work: Path, base: str) -> None:
        self.work = work
        self.base = base
        self.counts = {"tracebacks": 0, "refused_but_exit_0": 0, "cross_tenant_reads": 0}
        self.other_failures = 0
        self.items: dict[str, dict[str, Any]] = {}
        self.item = "0"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLEEPTIME_", "OPENAI_"))}
        env.update({"SLEEPTIME_DATA_DIR": str(self.work / "data"), "NO_COLOR": "1"})
        env.update(extra)
        return env

    def url(self, kind: str) -> str:
        return f"{self.base}/{kind}/v1"

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-c", _DEFAULT_SIGNALS, str(SLEEPTIME), *args]

    def run(
        self, *args: str, stdin: str | bytes = b"", env: dict[str, str] | None = None,
        timeout: float = 120, cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        data = stdin.encode() if isinstance(stdin, str) else stdin
        try:
            done = subprocess.run(
                self.argv(*args), input=data, capture_output=True, env=env or self.env(),
                timeout=timeout, cwd=cwd or self.work,
            )  # fmt: skip
        except subprocess.TimeoutExpired as hung:
            self.fail(f"no exit within {timeout:g} s: {list(args)}")
            done = subprocess.CompletedProcess(hung.cmd, -9, hung.stdout or b"", hung.stderr or b"")
        result = subprocess.CompletedProcess(
            done.args, done.returncode, done.stdout.decode(errors="replace"),
            done.stderr.decode(errors="replace"),
        )  # fmt: skip
        self.seen(result)
        return result

    def seen(self, result: subprocess.CompletedProcess[str]) -> None:
        entry = self.items.setdefault(self.item, {"probes": 0, "failures": []})
        entry["probes"] += 1
        if "Traceback (most recent call last)" in result.stdout + result.stderr:
            self.counts["tracebacks"] += 1
            entry["failures"].append(f"traceback: {result.args[3:]}")

    def refused(self, result: subprocess.CompletedProcess[str], *fragments: str) -> None:
        """Input that must be refused: non-zero status, one error line naming the problem."""
        if result.returncode == 0:
            self.counts["refused_but_exit_0"] += 1
            self.fail(f"accepted with status 0: {result.args[3:]}")
        for fragment in fragments:
            self.check(fragment in result.stderr, f"{fragment!r} not in {result.stderr!r}")

    def foreign(self, result: subprocess.CompletedProcess[str], lookup: bool = True) -> None:
        """A command bob ran against alice's data: nothing of hers may come back."""
        leaked = [s for s in SECRETS if s in result.stdout + result.stderr]
        if leaked or (lookup and result.returncode == 0):
            self.counts["cross_tenant_reads"] += 1
            self.items[self.item]["failures"].append(f"cross-tenant read: {result.args[3:]}")

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.fail(what)

    def fail(self, what: str) -> None:
        self.other_failures += 1
        entry = self.items.setdefault(self.item, {"probes": 0, "failures": []})
        entry["failures"].append(what if len(what) < 300 else what[:150] + " ... " + what[-150:])

    def replies(self, *texts: str) -> str:
        path = self.work / f"replies-{len(list(self.work.glob('replies-*')))}.json"
        path.write_text(json.dumps(list(texts)), encoding="utf-8")
        return str(path)


def tenants(h: Hostile) -> None:
    h.item = "1"
    scripted = ("--backend", "scripted", "--quiet")
    h.run("--tenant", "alice", "context", "add", "payroll", "-", stdin="The bonus pool is 7311.")
    h.run("--tenant", "alice", "sleep", "payroll", *scripted, "--model",
          h.replies("<notes>bonus pool 7311</notes>", "<finish/>"))  # fmt: skip
    h.run("--tenant", "alice", "sleep", "payroll", *scripted, "--max-sleep-tokens", "10",
          "--model", h.replies("<notes>Q9 band, bonus pool 7311</notes>"))  # fmt: skip
    h.run("--tenant", "alice", "ask", "payroll", "How big is the bonus pool?", "--backend",
          "scripted", "--no-anticipated", "--model", h.replies("The pool is 7311."))  # fmt: skip
    listed = h.run("--tenant", "alice", "runs", "list", "payroll").stdout.split()
    ids = [w for w in listed if len(w) == 8 and all(c in "0123456789abcdef" for c in w)]
    full = [json.loads(h.run("--tenant", "alice", "runs", "show", i).stdout.split("partial")[0])
            ["id"] for i in ids]  # fmt: skip
    h.check(len(full) == 2, f"alice should have 2 runs, has {len(full)}")
    sys.path.insert(0, str(ROOT / "src"))
    from sleeptime.backends.llama_kv import PrefixStateStore, tokens_digest

    kv = PrefixStateStore(h.work / "data" / "kv", "model", 1 << 20)
    digest = tokens_digest([7, 3, 1, 1])
    kv.path(digest).write_bytes(b"kv" * 512)
    kv.record(digest, 4, "bonus pool artifact 1", "alice")
    for run_id in full:
        for given in (run_id, run_id[:8], run_id.upper()):
            h.foreign(h.run("--tenant", "bob", "runs", "show", given))
    for args in (["runs", "list", "payroll"], ["context", "show", "payroll", "--full"],
                 ["stats", "payroll"], ["sleep", "payroll", *scripted, "--model", h.replies("x")],
                 ["ask", "payroll", "pool?", "--backend", "scripted", "--model", h.replies("x")],
                 ["context", "delete", "payroll", "--yes"]):  # fmt: skip
        h.foreign(h.run("--tenant", "bob", *args))
    for listing in ("context list", "priorities", "cache show", "cache clear --yes"):
        h.foreign(h.run("--tenant", "bob", *listing.split()), lookup=False)
    h.check(kv.path(digest).is_file(), "bob's cache clear removed alice's KV state")
    kept = h.run("--tenant", "alice", "context", "show", "payroll", "--full")
    h.check(kept.returncode == 0 and "7311" in kept.stdout, "alice lost her context")


def _wait_for(child: subprocess.Popen[bytes], kind: str, hits: int) -> None:
    """Wait until the loopback server saw ``hits`` requests on ``kind`` (or the child ended)."""
    deadline = time.monotonic() + 60
    while _Server.hits.get(kind, 0) < hits and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)


def _sleeper(h: Hostile, env: dict[str, str]) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        h.argv("sleep", "ferry", "--backend", "openai", "--model", "m", "--quiet"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=h.work,
    )  # fmt: skip
    _wait_for(child, "slow", _Server.hits.get("slow", 0) + 1)  # inside its first (30 s) round
    return child


def _run_status(h: Hostile, env: dict[str, str]) -> tuple[str, str]:
    line = h.run("runs", "list", "ferry", env=env).stdout.splitlines()[0]
    shown = h.run("runs", "show", line.split()[0], env=env).stdout
    record = json.loads(shown.split("partial notes")[0])
    return str(record["status"]), str(record["error"])


def signals(h: Hostile) -> None:
    h.item = "2"
    env = h.env(SLEEPTIME_OPENAI_BASE_URL=h.url("slow"), SLEEPTIME_HEARTBEAT_S="0.2")
    h.run("context", "add", "ferry", "-", stdin="The ferry leaves at 9.", env=env)
    for signum, code in ((signal.SIGTERM, 143), (signal.SIGHUP, 129)):
        child = _sleeper(h, env)
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)
        h.seen(subprocess.CompletedProcess(child.args, child.returncode, "", err.decode()))
        h.check(child.returncode == code, f"{signum.name}: exit {child.returncode}, not {code}")
        status, error = _run_status(h, env)
        h.check(status == "failed" and signum.name in error, f"{signum.name}: {status} {error}")
    child = _sleeper(h, env)
    time.sleep(3.0)  # longer than the staleness limit below: only heartbeats keep it fresh
    alive, _ = _run_status(h, dict(env, SLEEPTIME_STALE_RUN_S="2"))
    h.check(alive == "running", f"a beating run was marked {alive}")
    child.kill()
    child.communicate(timeout=60)
    time.sleep(3.0)
    status, _ = _run_status(h, dict(env, SLEEPTIME_STALE_RUN_S="2"))
    h.check(status == "abandoned", f"after kill -9 the run is {status}, not abandoned")


def timeouts(h: Hostile) -> None:
    h.item = "3"
    base = {"SLEEPTIME_OPENAI_BASE_URL": h.url("keepalive")}
    h.run("context", "add", "menu", "-", stdin="Tea costs 3 euros.")
    ask = ("ask", "menu", "Price?", "--mode", "baseline", "--backend", "openai", "--model", "m")
    deadline = {"SLEEPTIME_REQUEST_DEADLINE_S": "3"}
    idle = {"SLEEPTIME_REQUEST_TIMEOUT_S": "3", "SLEEPTIME_MAX_RETRIES": "0"}  # the case
    for extra, limit in ((deadline, 15.0), (idle, 15.0)):
        start = time.monotonic()
        result = h.run(*ask, env=h.env(**base, **extra), timeout=120)
        took = time.monotonic() - start
        h.refused(result)
        h.check(took < limit, f"ask against keep-alives took {took:.1f}s with {extra}")


def stdin_cap(h: Hostile) -> None:
    h.item = "4"
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys\nb = b'a' * (1 << 20)\nfor _ in range(200): "
         "sys.stdout.buffer.write(b)"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    report = h.work / "peak"
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, str(report), str(SLEEPTIME), "context", "add", "f", "-"],
        stdin=writer.stdout, capture_output=True, text=True, env=h.env(), timeout=120,
    )  # fmt: skip
    writer.stdout.close()  # type: ignore[union-attr]
    writer.wait(timeout=60)
    h.seen(done)
    h.refused(done, "over the 50 MiB limit")
    peak = int(report.read_text()) // 1024
    h.check(peak < 200, f"a 200 MiB pipe took {peak} MiB of memory")
    with open("/dev/zero", "rb") as zero:
        endless = subprocess.run(
            h.argv("context", "add", "z", "-"), stdin=zero, capture_output=True, text=True,
            env=h.env(), timeout=120,
        )  # fmt: skip
    h.seen(endless)
    h.refused(endless, "holds more than 50 MiB")
    h.refused(h.run("context", "add", "z", "/dev/zero"), "over the 50 MiB limit")


def settings(h: Hostile) -> None:
    h.item = "5"
    for url in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
        env = h.env(SLEEPTIME_DATABASE_URL=url)
        h.refused(h.run("context", "add", "a", "-", stdin="x", env=env), "in-memory SQLite")
    cwd = h.work / "cwd"
    cwd.mkdir()
    h.refused(h.run("context", "add", "a", "-", stdin="x", env=h.env(SLEEPTIME_DATA_DIR=""),
                    cwd=cwd), "SLEEPTIME_DATA_DIR=''")  # fmt: skip
    h.check(not any(cwd.iterdir()), "an empty SLEEPTIME_DATA_DIR wrote into the current folder")
    h.refused(h.run("--tenant", "", "context", "add", "a", "-", stdin="x"), "--tenant is empty")
    h.item = "6"
    for variable, value in (("N_THREADS", "abc"), ("SEED", "xyz"), ("OPENAI_BATCH", "maybe"),
                            ("N_THREADS", "-3"), ("N_CTX", "0"), ("MAX_RETRIES", "-5"),
                            ("KV_CACHE_MB", "-1")):  # fmt: skip
        name = f"SLEEPTIME_{variable}"
        result = h.run("context", "list", env=h.env(**{name: value}))
        h.refused(result, f"{name}={value!r} is not allowed: give")
        h.check(len(result.stderr.strip().splitlines()) == 1, f"{name}: not one line")


def arguments(h: Hostile) -> None:
    h.item = "7"
    env = h.env(SLEEPTIME_OPENAI_BASE_URL=h.url("count"))
    model = ("--mode", "baseline", "--backend", "openai", "--model", "m")
    probes = [
        (["context", "add", "menu\udcff", "-"], "not valid UTF-8"),
        (["--tenant", "t\udce9", "context", "list"], "not valid UTF-8"),
        (["ask", "menu", "price\udcff?", *model], "not valid UTF-8"),
        (["--tenant", "t\udce9", "ask", "menu", "price?", *model], "UTF-8"),
        (["--db", "sqlite:////x\udcff.db", "context", "list"], "UTF-8"),
    ]
    for args, fragment in probes:
        h.refused(h.run(*args, stdin="text", env=env), fragment)
    called = _Server.hits.get("count", 0)
    h.check(called == 0, f"the model was called {called} times")
    h.item = "11"
    for name, shown in (("a\u200bb", "'a\\u200bb'"), ("evil\u202etxt", "'evil\\u202etxt'"),
                        ("two\nlines", "'two\\u000alines'")):  # fmt: skip
        h.refused(h.run("context", "add", name, "-", stdin="text"), shown)
    # Names that are markup to rich: accepted, and shown as typed in tables and titles.
    h.run("context", "add", "[/x]", "-", stdin="text")
    for args in (["context", "list"], ["stats", "[/x]"], ["priorities"]):
        shown_ok = h.run(*args)
        h.check(shown_ok.returncode == 0 and "[/x]" in shown_ok.stdout, f"{args}: name lost")


def readonly(h: Hostile) -> None:
    h.item = "8"
    path = h.work / "ro.db"
    writable = h.env(SLEEPTIME_DATABASE_URL=f"sqlite:///{path}")
    h.run("context", "add", "pool", "-", stdin="Opens at 7.", env=writable)
    ro = h.env(SLEEPTIME_DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    result = h.run("ask", "pool", "When?", "--mode", "baseline", "--backend", "scripted",
                   "--model", h.replies("It opens at 7."), env=ro)  # fmt: skip
    h.refused(result, "the answer was not recorded")
    h.check(result.stdout.strip() == "It opens at 7.", "the paid answer was not printed")


def messages(h: Hostile) -> None:
    h.item = "9"
    h.run("context", "add", "shop", "-", stdin="Open 9 to 5.")
    ask = ("ask", "shop", "When?", "--mode", "baseline", "--backend", "openai", "--model", "m")
    for kind, says in (("e500", "was reached but kept failing with HTTP 500"),
                       ("e429", "rate-limited (HTTP 429)")):  # fmt: skip
        env = h.env(SLEEPTIME_OPENAI_BASE_URL=h.url(kind), SLEEPTIME_MAX_RETRIES="1")
        result = h.run(*ask, env=env)
        h.refused(result, says)
        h.check("could not reach" not in result.stderr, f"{kind}: says 'could not reach'")
    env = h.env(SLEEPTIME_OPENAI_BASE_URL=h.url("pause"))
    h.run("context", "add", "doomed", "-", stdin="Open 9 to 5.", env=env)
    child = subprocess.Popen(
        h.argv("sleep", "doomed", "--backend", "openai", "--model", "m", "--quiet"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=h.work,
    )  # fmt: skip
    _wait_for(child, "pause", 1)
    h.run("context", "delete", "doomed", "--yes", env=env)
    _, err = child.communicate(timeout=120)
    result = subprocess.CompletedProcess(child.args, child.returncode, "", err.decode())
    h.seen(result)
    h.refused(result, "its context was deleted while the run was going")
    replies = h.replies("<notes>a</notes>")
    result = h.run("sleep", "shop", "--backend", "scripted", "--model", replies, "--quiet")
    h.refused(result, f"{replies} holds 1 reply")
    big = h.work / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(200 * 2**20)
    h.refused(h.run("context", "add", "big", str(big)), "is 200.0 MiB, over the 50 MiB limit")


def outlock(h: Hostile) -> None:
    h.item = "10"
    data = h.work / "GSM_p2.jsonl"
    rows = [{"id": i, "instance": 0, "question": f"{i} + 3?", "answer": f"#### {i + 3}"}
            for i in range(4)]  # fmt: skip
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    env = h.env(SLEEPTIME_OPENAI_BASE_URL=h.url("pause"), SLEEPTIME_OPENAI_API_KEY="k")

    def sweep(shard: str) -> list[str]:
        return ["bench", "sweep", "--data", str(data), "--backend", "openai", "--model", "m",
                "--conditions", "baseline", "--budgets", "0,1", "--concurrency", "1", "--quiet",
                "--shard", shard, "--out", str(h.work / "out")]  # fmt: skip

    first = subprocess.Popen(h.argv(*sweep("1/2")), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=h.work)  # fmt: skip
    time.sleep(3.0)
    h.refused(h.run(*sweep("2/2"), env=env), "another benchmark process", "--calls")
    _, err = first.communicate(timeout=300)
    h.seen(subprocess.CompletedProcess(first.args, first.returncode, "", err.decode()))
    h.check(first.returncode == 0, f"the first sweep failed: {err.decode()[-300:]}")
    for line in (h.work / "out" / "samples.jsonl").read_text().splitlines():
        try:
            json.loads(line)
        except ValueError:
            h.fail(f"corrupt samples line: {line[:80]!r}")


def started_in_background(h: Hostile) -> None:
    h.item = "12"
    env = h.env(SLEEPTIME_OPENAI_BASE_URL=h.url("slow"), HOSTILE_IGNORE_SIGINT="1")
    h.run("context", "add", "bg", "-", stdin="Open 9 to 5.", env=env)
    child = subprocess.Popen(
        h.argv("sleep", "bg", "--backend", "openai", "--model", "m", "--quiet"),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=h.work,
    )  # fmt: skip
    time.sleep(3.0)
    child.send_signal(signal.SIGINT)  # ignored, as in a background job: the run goes on
    time.sleep(1.0)
    h.check(child.poll() is None, "SIGINT ignored by the caller still stopped the run")
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    h.seen(subprocess.CompletedProcess(child.args, child.returncode, "", err.decode()))
    h.check(child.returncode == 143, f"SIGTERM in a background job: exit {child.returncode}")


_ALL = (tenants, signals, timeouts, stdin_cap, settings, arguments, readonly, messages, outlock)
PROBES = {probe.__name__: probe for probe in (*_ALL, started_in_background)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(PROBES)}")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "hostile.json")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(PROBES)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sleeptime-hostile-") as tmp:
        h = Hostile(Path(tmp), f"http://127.0.0.1:{server.server_address[1]}")
        for name in chosen:
            PROBES[name](h)
    server.shutdown()
    result = {
        "probes": sum(i["probes"] for i in h.items.values()),
        **h.counts,
        "other_failures": h.other_failures,
        "items": dict(sorted(h.items.items(), key=lambda kv: int(kv[0]))),
        "wall_time_s": round(time.monotonic() - start, 1),
    }
    result["probe_groups"] = chosen
    out: Path = args.out
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "items"}, indent=2))
    for item, entry in result["items"].items():
        for failure in entry["failures"]:
            print(f"item {item}: {failure}")
    bad = sum(h.counts.values()) + h.other_failures
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
