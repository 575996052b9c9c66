"""Test-time latency and tokens: answering from warm c' against answering from c.

For contexts of about 512, 1k, 2k and 4k tokens (synthetic ledgers generated here, with a
fixed seed), this script sleeps once per context on the embedded model, saves the KV
state of the answer prefix, and then answers the same questions two ways, side by side in
one run:

- baseline: the question with the full context ``c``, from a cold KV cache;
- sleep: the question with the notes ``c'``, restoring the saved prefix state from disk.

Both start with an empty live KV cache, as a new request in a fresh process would. It
reports medians over repeats of time to first token, total answer time, and test-time
tokens (prompt tokens actually processed plus generated), and the paper's amortized cost
per query at N = 1, 2, 5, 10. Results go to ``bench/results/latency.json``.

Usage: ``.venv/bin/python bench/latency.py [--repeats 3] [--sizes 512,1024,2048,4096]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sleeptime.answer import answer_question, cost_per_query, make_budget
from sleeptime.answer.prompt import answer_prefix
from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_files import default_model_path
from sleeptime.sleep import SleepBudget, compute_notes, parse_recipe

QUESTIONS = (
    "How much did the Harbor depot spend on fuel in March?",
    "Which depot had the most deliveries in total?",
    "What is the total of all parcel fees for the North depot?",
)
DEPOTS = ("Harbor", "North", "Hill", "River", "Mill", "Station", "Bridge", "Market")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def ledger_lines(seed: int) -> list[str]:
    """An endless-enough ledger of depot facts (deterministic for a seed)."""
    rng = random.Random(seed)
    lines = ["Delivery company ledger for 2026. Each line is one depot and month."]
    for i in range(2000):
        depot = DEPOTS[i % len(DEPOTS)]
        month = MONTHS[(i // len(DEPOTS)) % len(MONTHS)]
        lines.append(
            f"{depot} depot, {month}: {rng.randint(80, 400)} deliveries, fuel "
            f"{rng.randint(200, 900)} dollars, parcel fees {rng.randint(50, 300)} dollars, "
            f"{rng.randint(2, 9)} drivers on duty."
        )
    return lines


async def make_context(backend: LlamaBackend, target_tokens: int, seed: int) -> str:
    """The shortest ledger prefix with at least ``target_tokens`` tokens in this model."""
    lines = ledger_lines(seed)
    low, high = 1, len(lines)
    while low < high:  # binary search on the number of lines
        mid = (low + high) // 2
        if await backend.count_tokens("\n".join(lines[:mid])) >= target_tokens:
            high = mid
        else:
            low = mid + 1
    return "\n".join(lines[:low])


async def measure(
    backend: LlamaBackend, mode: str, context: str, notes: str | None, question: str
) -> dict[str, Any]:
    """One cold answer; returns TTFT, total time and token counts."""
    backend.drop_live_cache()
    answer = await answer_question(
        backend,
        question=question,
        context=context,
        notes=notes,
        mode=mode,
        layout="replace",  # type: ignore[arg-type]
        budget=make_budget(1, 48),
    )
    u = answer.usage
    return {
        "ttft_s": u.first_token_s or answer.latency_s,
        "total_s": answer.latency_s,
        "prompt_tokens": u.prompt_tokens,
        "cached_prompt_tokens": u.cached_prompt_tokens,
        "processed_prompt_tokens": u.prompt_tokens - u.cached_prompt_tokens,
        "generated_tokens": u.completion_tokens,
        "test_time_tokens": u.prompt_tokens - u.cached_prompt_tokens + u.completion_tokens,
    }


def median_of(rows: list[dict[str, Any]], key: str) -> float:
    """Median of one field over repeats."""
    return float(statistics.median(r[key] for r in rows))


async def run(sizes: list[int], repeats: int) -> dict[str, Any]:
    """Sleep once per context size, then compare cold answers both ways."""
    kv_dir = Path(tempfile.mkdtemp(prefix="sleeptime-bench-kv-"))
    backend = LlamaBackend(default_model_path(), n_ctx=8192, n_threads=2, kv_cache_dir=kv_dir)
    budget = SleepBudget(max_rounds=1, round_max_tokens=256, memory_chars=1500)
    results: list[dict[str, Any]] = []
    for size in sizes:
        context = await make_context(backend, size, seed=size)
        context_tokens = await backend.count_tokens(context)
        started = time.perf_counter()
        notes = await compute_notes(backend, context, parse_recipe("rethink"), budget)
        system, prefix = answer_prefix("sleep", "replace", context, notes.text)
        warm_started = time.perf_counter()
        warmed = await backend.warm_prefix(system, prefix, label=f"bench {size}")
        warm_s = time.perf_counter() - warm_started
        sleep_s = time.perf_counter() - started
        rows: dict[str, list[dict[str, Any]]] = {"baseline": [], "sleep": []}
        for _ in range(repeats):
            for question in QUESTIONS:
                # Alternate the order so neither mode always runs on a warmer machine.
                for mode in ("baseline", "sleep") if _ % 2 == 0 else ("sleep", "baseline"):
                    text = notes.text if mode == "sleep" else None
                    rows[mode].append(await measure(backend, mode, context, text, question))
        entry: dict[str, Any] = {
            "target_tokens": size,
            "context_tokens": context_tokens,
            "notes_chars": len(notes.text),
            "prefilled_prefix_tokens": warmed,
            "sleep_wall_s": sleep_s,
            "warm_prefix_s": warm_s,
            "sleep_tokens": notes.usage.total_tokens + warmed,
            "sleep_generated_tokens": notes.usage.completion_tokens,
        }
        for mode, mode_rows in rows.items():
            entry[mode] = {key: median_of(mode_rows, key) for key in mode_rows[0]}
        b, s = entry["baseline"], entry["sleep"]
        entry["ttft_ratio"] = b["ttft_s"] / s["ttft_s"]
        entry["total_time_ratio"] = b["total_s"] / s["total_s"]
        entry["test_time_token_ratio"] = b["test_time_tokens"] / s["test_time_tokens"]
        entry["cost_per_query"] = {
            str(n): {
                "sleep": cost_per_query(s["test_time_tokens"], entry["sleep_tokens"], n),
                "baseline": cost_per_query(b["test_time_tokens"], 0, n),
            }
            for n in (1, 2, 5, 10)
        }
        for n, pair in entry["cost_per_query"].items():
            pair["sleep_over_baseline"] = pair["sleep"] / pair["baseline"]
            entry["cost_per_query"][n] = pair
        results.append(entry)
        print_row(entry)
    report = {
        "machine": "2 cores, embedded SmolLM2-135M-Instruct Q4_1 via llama.cpp, n_threads=2",
        "model": backend.info.model,
        "model_sha256": backend.info.details["sha256"],
        "llama_cpp": backend.info.details["llama_cpp"],
        "repeats": repeats,
        "questions": len(QUESTIONS),
        "budget_level": 1,
        "layout": "replace",
        "t": 10,
        "sizes": results,
    }
    return report


def print_row(e: dict[str, Any]) -> None:
    """One line per context size, as soon as it is measured."""
    b, s = e["baseline"], e["sleep"]
    n10 = e["cost_per_query"]["10"]["sleep_over_baseline"]
    print(
        f"{e['context_tokens']:>5} ctx tok | TTFT base {b['ttft_s']:6.2f}s sleep "
        f"{s['ttft_s']:5.2f}s ({e['ttft_ratio']:5.1f}x) | total base {b['total_s']:6.2f}s "
        f"sleep {s['total_s']:5.2f}s ({e['total_time_ratio']:4.1f}x) | test tokens base "
        f"{b['test_time_tokens']:6.0f} sleep {s['test_time_tokens']:5.0f} "
        f"({e['test_time_token_ratio']:5.1f}x) | cost N=10 sleep/base {n10:.2f}",
        flush=True,
    )


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="512,1024,2048,4096")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "latency.json"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    report = asyncio.run(run(sizes, args.repeats))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
