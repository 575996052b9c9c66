"""Query latency on the embedded model while a sleep run uses it, against idle latency.

The system promises that sleeping in the background does not make users wait: on the
embedded model a question that arrives while sleep-time work generates is served first
(``backends/gate.py``: sleep pauses between tokens and prompt chunks and resumes). This
script measures it side by side in one run, on a real model (default SmolLM2-135M):

- ``idle``: questions about a slept ledger context, nothing else running;
- ``in-process``: the same questions while sleep runs on another context in the same
  process (as under ``sleeptime serve`` with its in-process worker);
- ``other-process``: while a separate process sleeps with the same data directory (a
  ``sleeptime worker`` beside ``sleeptime ask``; precedence crosses the process through
  a file lock);
- ``other-process, no precedence``: the same, but the sleeping process uses another data
  directory, so it does not see the lock — what two processes sharing the cores do
  without the gate (the honest comparison).

Each question is asked at budget 0 in sleep mode with anticipated answers off (so the
model answers every time), after a random wait so it lands at different points of the
sleep run. Reports median and p95 latency per mode and the ratio to idle (target: median
and p95 ratio at most 1.5), with how often sleep stepped aside.

Usage::

    .venv/bin/python bench/query_precedence.py --repeats 3 --out bench/results/query_precedence.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from latency_ledger import ledger_entries, questions_for, render

from sleeptime.app import Sleeptime
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget

SLEEP_BUDGET = SleepBudget(max_rounds=2, round_max_tokens=200, anticipate="off")
ENTRIES = 48
"""Ledger lines per context: about 1.2k tokens."""

CHILD = r"""
import asyncio, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from latency_ledger import ledger_entries, render
from sleeptime.app import Sleeptime
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget

async def main() -> None:
    app = Sleeptime(Settings(data_dir=Path(sys.argv[1]), database_url=f"sqlite:///{sys.argv[2]}"))
    text = render(ledger_entries(11)[:48])
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        app.add_context("background", f"{text}\nUpdate {n}.")
        await app.sleep("background", budget=SleepBudget(max_rounds=2, round_max_tokens=200,
                                                         anticipate="off"))

asyncio.run(main())
"""


def _summary(latencies: list[float], idle: float | None) -> dict[str, Any]:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    out: dict[str, Any] = {"n": len(ordered), "median_s": median, "p95_s": p95}
    if idle is not None:
        out["median_ratio"] = median / idle["median_s"] if isinstance(idle, dict) else None
    return out


async def _ask_all(
    app: Sleeptime, questions: list[str], repeats: int, rng: random.Random, jitter: bool,
    cold: bool = False,
) -> list[float]:  # fmt: skip
    latencies = []
    for _ in range(repeats):
        for question in questions:
            if jitter:
                await asyncio.sleep(rng.uniform(0.3, 2.5))
            if cold:  # as after any other work: the answer prefix comes from its saved state
                app.backend().drop_live_cache()  # type: ignore[attr-defined]
            began = time.perf_counter()
            await app.ask("ledger", question, budget=0, anticipated=False)
            latencies.append(time.perf_counter() - began)
    return latencies


async def run(repeats: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="sleeptime-precedence-"))
    settings = Settings(data_dir=root / "data", database_url=f"sqlite:///{root / 'main.db'}")
    app = Sleeptime(settings)
    entries = ledger_entries(7)[:ENTRIES]
    questions = [q.text for q in questions_for(entries)]
    app.add_context("ledger", render(entries))
    await app.sleep("ledger", budget=SLEEP_BUDGET)  # notes + saved KV state of the prefix
    gate = app.backend()._loaded.gate  # type: ignore[attr-defined]
    await _ask_all(app, questions[:1], 1, rng, jitter=False)  # warm-up
    modes: dict[str, Any] = {}

    idle = await _ask_all(app, questions, repeats, rng, jitter=True)
    modes["idle"] = _summary(idle, None)
    # Idle, but the live KV cache emptied before each question, as any other work in
    # between leaves it: the answer prefix is restored from its saved state. Sleep
    # running in the same process always leaves the cache so, so this is the part of
    # the busy latency that is cache, not waiting.
    cold = await _ask_all(app, questions, repeats, rng, jitter=True, cold=True)
    modes["idle, cache emptied"] = _summary(cold, None)

    # In-process: sleep on another context in this process while asking.
    stop = asyncio.Event()

    async def sleeper() -> int:
        n = 0
        while not stop.is_set():
            n += 1
            app.add_context("background", f"{render(ledger_entries(11)[:ENTRIES])}\nUpdate {n}.")
            await app.sleep("background", budget=SLEEP_BUDGET)
        return n

    pauses = gate.pauses
    task = asyncio.create_task(sleeper())
    await asyncio.sleep(1.0)
    busy = await _ask_all(app, questions, repeats, rng, jitter=True)
    stop.set()
    runs = await task
    modes["in-process"] = {**_summary(busy, None), "sleep_runs": runs,
                           "sleep_pauses": gate.pauses - pauses}  # fmt: skip

    for name, shared in (("other-process", True), ("other-process, no precedence", False)):
        data = settings.data_dir if shared else root / "elsewhere"
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, str(data), str(root / f"{name[:5]}{shared}.db"),
            str(Path(__file__).parent), stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert child.stdout is not None
        assert (await child.stdout.readline()).decode().strip() == "ready"
        await asyncio.sleep(3.0)  # the child loads its model and starts sleeping
        try:
            latencies = await _ask_all(app, questions, repeats, rng, jitter=True)
        finally:
            child.kill()
            await child.wait()
        modes[name] = _summary(latencies, None)

    base = modes["idle"]
    for stats in modes.values():
        stats["median_ratio"] = stats["median_s"] / base["median_s"]
        stats["p95_ratio"] = stats["p95_s"] / base["p95_s"]
    info = app.backend().info
    await app.aclose()
    return {
        "model": info.model,
        "context_tokens_approx": len(render(entries)) // 4,
        "questions": len(questions),
        "repeats": repeats,
        "seed": seed,
        "threads": os.cpu_count(),
        "modes": modes,
        "target": "median and p95 ratio to idle at most 1.5",
    }


def main() -> None:
    """Parse arguments, run, print a table and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/results/query_precedence.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args.repeats, args.seed))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'mode':32} {'n':>3} {'median s':>9} {'p95 s':>7} {'ratio':>6} {'p95 ratio':>9}")
    for name, s in result["modes"].items():
        print(
            f"{name:32} {s['n']:>3} {s['median_s']:>9.2f} {s['p95_s']:>7.2f} "
            f"{s['median_ratio']:>6.2f} {s['p95_ratio']:>9.2f}"
        )


if __name__ == "__main__":
    main()
