"""Library overhead around one backend call, measured with the scripted backend.

``Sleeptime.ask`` does more than call the model: it loads the context, revision and
artifact, builds the prompt from versioned templates, extracts the final answer and
records the query (a durable SQLite write). This script times ``ask`` against the bare
``backend.chat`` it wraps, in the same run, and reports the difference's percentiles.
Target: p50 under 2 ms. Results go to ``bench/results/overhead.json``.

Usage: ``.venv/bin/python bench/overhead.py [--calls 500]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sleeptime import ScriptedBackend, Settings, Sleeptime
from sleeptime.backends import ChatRequest, Message

CONTEXT = "The library opens at 9 and closes at 17. Members may borrow 6 books. " * 20
NOTES = "Opening hours 9-17 (8 hours). Borrowing limit: 6 books per member."


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run(calls: int) -> dict[str, Any]:
    """Time ``ask`` and bare ``chat`` alternately and return the summary."""
    folder = Path(tempfile.mkdtemp(prefix="sleeptime-overhead-"))
    app = Sleeptime(Settings(database_url=f"sqlite:///{folder / 'bench.db'}"))
    backend = ScriptedBackend(default_reply="The answer is 6.")
    app.add_context("library", CONTEXT)
    await app.sleep("library", backend=ScriptedBackend([f"<notes>{NOTES}</notes><finish/>"]))
    request = ChatRequest(messages=(Message("system", "s"), Message("user", CONTEXT)))
    ask_times: list[float] = []
    chat_times: list[float] = []
    overheads: list[float] = []
    for i in range(calls + 20):
        started = time.perf_counter()
        result = await app.ask(
            "library", f"How many books may a member borrow? ({i})", budget=0, backend=backend
        )
        ask_s = time.perf_counter() - started
        started = time.perf_counter()
        await backend.chat(request)
        chat_s = time.perf_counter() - started
        if i >= 20:  # warm-up: imports, prompt cache, SQLite pages
            ask_times.append(ask_s)
            chat_times.append(chat_s)
            overheads.append(ask_s - result.answer.usage.wall_time_s)
    await app.aclose()
    ms = [o * 1000 for o in overheads]
    return {
        "calls": calls,
        "database": "SQLite file (WAL)",
        "overhead_ms": {
            "p50": percentile(ms, 50),
            "p90": percentile(ms, 90),
            "p99": percentile(ms, 99),
            "mean": statistics.fmean(ms),
        },
        "ask_ms_p50": percentile([t * 1000 for t in ask_times], 50),
        "bare_chat_ms_p50": percentile([t * 1000 for t in chat_times], 50),
        "target_p50_ms": 2.0,
    }


def main() -> int:
    """Parse arguments, run, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "overhead.json"
    )
    args = parser.parse_args()
    report = asyncio.run(run(args.calls))
    o = report["overhead_ms"]
    print(
        f"library overhead per ask: p50 {o['p50']:.3f} ms, p90 {o['p90']:.3f} ms, "
        f"p99 {o['p99']:.3f} ms (bare scripted chat p50 {report['bare_chat_ms_p50']:.3f} ms)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
