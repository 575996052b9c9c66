"""Can the harness run the full P2 grid against an endpoint? Its own cost per call, measured.

The issue's scale target is the whole Stateful GSM-Symbolic P2 set (2,500 problems) x 5
budgets x 4 conditions (test-time only, sleep k = 1, 2, 5) against an OpenAI-compatible
endpoint. A real provider's latency hides the harness, so this script points the installed
``sleeptime bench sweep`` at an *instant* OpenAI-compatible server on 127.0.0.1 (a child
process, streaming replies with usage, refusing every 40th request with 429 + Retry-After
so the rate-limit path runs at scale). What is left is the harness itself: dataset loading,
prompt building, the call log, retries, grading, samples and report.

It runs the same command twice in one go: a fresh run (every distinct call paid; identical
requests, such as sleep:k answers over identical notes, are served once) and a re-run (every
call replayed from calls.db, which is what resuming costs). It reports wall time, calls per
second and the harness process's CPU milliseconds per paid call (the server's CPU is not
counted).
Results go to ``bench/results/harness_scale.json``.

Usage: ``.venv/bin/python bench/harness_scale.py [--problems 2500] [--concurrency 32]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SLEEPTIME = Path(sys.executable).parent / "sleeptime"
REFUSE_EVERY = 40
CONDITIONS = "baseline,sleep:1,sleep:2,sleep:5"
BUDGETS = "0,1,2,3,4"


class _Instant(BaseHTTPRequestHandler):
    """Answers chat completions at once; every ``REFUSE_EVERY``-th one gets a 429 first."""

    protocol_version = "HTTP/1.1"
    seen = 0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        models = {"object": "list", "data": [{"id": "instant", "object": "model"}]}
        self._send(200, json.dumps(models).encode(), "application/json", {})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        type(self).seen += 1
        if type(self).seen % REFUSE_EVERY == 0:
            error = {"error": {"message": "slow down", "type": "rate_limit", "code": None}}
            body = json.dumps(error).encode()
            self._send(429, body, "application/json", {"retry-after-ms": "20"})
            return
        prompt = json.dumps(request.get("messages", []))
        text = "<notes>x is 7.</notes>" if "<notes>" in prompt else "The answer is 7."
        base = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "instant"}
        events = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 6}},
        ]
        stream = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        self._send(200, stream.encode(), "text/event-stream", {})


def serve() -> None:
    """Run the instant server on a free loopback port and print the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Instant)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, child CPU seconds and stdout of one CLI run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"sleeptime failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def _calls(stdout: str) -> tuple[int, int]:
    """(made, replayed) from the CLI's closing line."""
    tail = stdout.split("model calls: ", 1)[1].split("\n", 1)[0]
    made, replayed = tail.split(", ")
    return int(made.split()[0]), int(replayed.split()[0])


def run(problems: int, concurrency: int, data: Path) -> dict[str, Any]:
    """Run the sweep fresh and replayed against the instant server; return the numbers."""
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        out = Path(tempfile.mkdtemp(prefix="sleeptime-scale-")) / "run"
        env = dict(os.environ)
        env.update(
            {
                "SLEEPTIME_DATA_DIR": str(out.parent / "data"),
                "SLEEPTIME_OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
                "SLEEPTIME_OPENAI_API_KEY": "bench",
                "SLEEPTIME_OPENAI_NATIVE_TOOLS": "false",
            }
        )
        args = [str(SLEEPTIME), "bench", "sweep", "--dataset", "gsm-symbolic-p2"]
        args += ["--data", str(data), "--limit", str(problems), "--backend", "openai"]
        args += ["--model", "instant", "--conditions", CONDITIONS, "--budgets", BUDGETS]
        args += ["--max-rounds", "1", "--concurrency", str(concurrency), "--quiet"]
        args += ["--out", str(out)]
        fresh_wall, fresh_cpu, fresh_out = _timed(args, env)
        replay_wall, replay_cpu, replay_out = _timed(args, env)
    finally:
        server.terminate()
        server.wait(timeout=10)
    made, shared = _calls(fresh_out)
    again, replayed = _calls(replay_out)
    summary = json.loads((out / "summary.json").read_text())
    per_call_ms = 1000 * fresh_cpu / made
    return {
        "problems": summary["problems"],
        "samples": summary["samples"],
        "conditions": CONDITIONS,
        "budgets": BUDGETS,
        "concurrency": concurrency,
        "rate_limited_every": REFUSE_EVERY,
        "fresh": {
            "calls_made": made,
            "calls_shared_within_run": shared,
            "wall_s": round(fresh_wall, 2),
            "calls_per_s": round(made / fresh_wall, 1),
            "harness_cpu_ms_per_call": round(per_call_ms, 3),
        },
        "replay": {
            "calls_made": again,
            "calls_replayed": replayed,
            "wall_s": round(replay_wall, 2),
            "harness_cpu_ms_per_call": round(1000 * replay_cpu / max(replayed, 1), 3),
        },
        "calls_db_mb": round((out / "calls.db").stat().st_size / 1e6, 1),
        "full_p2_estimate_harness_cpu_min": round(
            2500 * made / summary["problems"] * per_call_ms / 60000, 1
        ),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=2500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "harness_scale.json"
    )
    options = parser.parse_args()
    if options.serve:
        serve()
        return
    result = run(options.problems, options.concurrency, options.data)
    options.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
