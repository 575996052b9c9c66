"""Test-time latency, tokens and accuracy: cold ``c``, CAG, sleep ``c'`` and anticipated answers.

For synthetic depot ledgers of about 1k, 2k, 4k and 8k tokens (``latency_ledger.py``; one
fixed seed, so a smaller ledger is a prefix of a larger one) this script sleeps once per
context on an embedded model, saves the KV states of the answer prefixes of ``c`` (CAG)
and of ``c'`` (sleep), and answers the same questions four ways side by side in one run
(``latency_paths.py``): cold prefill of ``c``, restored state of ``c``, restored state
of ``c'``, and the anticipated-answer path. The answers to the questions are computed from
the ledger, so every path is also graded (GSM grader).

Per path it reports medians over questions x repeats of time to first token, answer time,
test-time tokens (prompt tokens actually processed plus generated) and accuracy; per
context size the KV state of ``c`` and of ``c'`` (tokens, bytes on disk, restore time),
the notes' length and coverage (how many question answers and ledger lines the notes
hold), and the amortized cost per query at N = 1, 2, 5, 10. A size beyond what the model
window takes (a sleep round must fit, with ``c``, the notes and the reply) is lowered to
the largest ledger that fits, and marked ``clamped``.

Usage (defaults shown)::

    .venv/bin/python bench/latency.py --model smollm2-135m --sizes 1024,2048,4096,8192 \
        --repeats 3 --out bench/results/latency.json

``--model`` takes a catalog name (``sleeptime models list``) or a GGUF path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from latency_ledger import Entry, ledger_entries, lines_restated, questions_for, render
from latency_paths import PATHS, ask_path, restore_seconds, summarize

from sleeptime.answer import cost_per_query, make_budget
from sleeptime.answer.policy import Layout
from sleeptime.answer.prompt import answer_prefix, build_answer_prompt
from sleeptime.app import Sleeptime
from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_catalog import resolve_model
from sleeptime.benchmark.grading import notes_coverage
from sleeptime.errors import ContextTooLargeError
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget, check_fits

LEDGER_SEED = 7
_TEMPLATE_MARGIN = 48
"""Tokens the chat template adds around the messages, with room to spare."""


def train_window(model_path: Path) -> int:
    """The context length the model was trained with, read without allocating a big cache."""
    from llama_cpp import Llama

    probe = Llama(model_path=str(model_path), n_ctx=256, vocab_only=True, verbose=False)
    try:  # a vocab-only load reports 0 as n_ctx_train, so read the GGUF metadata
        arch = probe.metadata.get("general.architecture", "")
        return int(probe.metadata[f"{arch}.context_length"])
    finally:
        probe.close()


async def fits(backend: LlamaBackend, entries: list[Entry], sleep: SleepBudget, level: int) -> bool:
    """Whether a sleep round and a baseline answer at ``level`` both fit in the window."""
    context = render(entries)
    try:
        await check_fits(backend, context, sleep)
    except ContextTooLargeError:
        return False
    longest = max((q.text for q in questions_for(entries)), key=len)
    budget = make_budget(level)
    prompt = build_answer_prompt(
        mode="baseline",
        layout="replace",
        context=context,
        notes=None,
        question=longest,
        level=level,
    )
    needed = await backend.count_tokens("\n".join(m.content for m in prompt.messages))
    window = backend.info.context_window or 0
    return needed + _TEMPLATE_MARGIN + budget.max_tokens <= window


async def ledger_for(
    backend: LlamaBackend, target: int, sleep: SleepBudget, level: int
) -> tuple[list[Entry], bool]:
    """The shortest ledger with at least ``target`` tokens, or the longest that fits."""
    pool = ledger_entries(LEDGER_SEED)

    async def tokens(n: int) -> int:
        return await backend.count_tokens(render(pool[:n]))

    low, high = 24, len(pool)
    while low < high:  # fewest entries reaching the target
        mid = (low + high) // 2
        if await tokens(mid) >= target:
            high = mid
        else:
            low = mid + 1
    if await fits(backend, pool[:low], sleep, level):
        return pool[:low], False
    good, bad = 24, low
    if not await fits(backend, pool[:good], sleep, level):
        raise ContextTooLargeError("even the smallest ledger does not fit this model's window")
    while bad - good > 1:  # most entries that still fit
        mid = (good + bad) // 2
        if await fits(backend, pool[:mid], sleep, level):
            good = mid
        else:
            bad = mid
    return pool[:good], True


async def measure_size(
    app: Sleeptime,
    cold: LlamaBackend,
    warm: LlamaBackend,
    target: int,
    ledger: tuple[list[Entry], bool],
    args: argparse.Namespace,
    sleep_budget: SleepBudget,
) -> dict[str, Any]:
    """Sleep on one ledger, save both prefix states, and answer on every path."""
    entries, clamped = ledger
    context = render(entries)
    name = f"ledger-{len(entries)}"
    app.add_context(name, context)
    questions = questions_for(entries)

    # Sleep on the backend without a state folder, so that only the two prefixes below
    # are saved (``Sleeptime.sleep`` would otherwise warm the default layout's prefix).
    started = time.perf_counter()
    slept = await app.sleep(name, budget=sleep_budget, backend=cold)
    sleep_s = time.perf_counter() - started
    notes = slept.artifact.text

    layout: Layout = "both" if args.layout == "both" else "replace"
    prefixes = {
        "c": answer_prefix("baseline", layout, context, None),
        "c_prime": answer_prefix("sleep", layout, context, notes),
    }
    warmed: dict[str, tuple[int, float]] = {}
    for key, (system, prefix) in prefixes.items():
        started = time.perf_counter()
        n_tokens = await warm.warm_prefix(system, prefix, label=f"{name} {key}")
        warmed[key] = (n_tokens, time.perf_counter() - started)

    states = warm.prefix_states
    assert states is not None
    by_label = {e.label: e for e in states.entries()}
    state_info: dict[str, Any] = {}
    for key in ("c", "c_prime"):
        saved = by_label.get(f"{name} {key}")
        if saved is None:  # the prefix did not fit the window: that path prefills cold
            state_info[key] = None
            continue
        state_info[key] = {
            "tokens": saved.n_tokens,
            "bytes": saved.n_bytes,
            "warm_s": warmed[key][1],
            "restore_s": restore_seconds(warm, saved.digest, saved.n_tokens, args.repeats),
        }

    rows: dict[str, list[dict[str, Any]]] = {p: [] for p in PATHS}
    per_question: list[dict[str, Any]] = []
    for q in questions:
        per_question.append(
            {
                "question": q.text,
                "answer": q.answer,
                "kind": q.kind,
                "in_notes": notes_coverage(notes, q.answer)["anywhere"],
                "correct": {p: 0 for p in PATHS},
                "answers": {},
            }
        )
    for repeat in range(args.repeats):
        order = PATHS[repeat % len(PATHS) :] + PATHS[: repeat % len(PATHS)]
        for q, record in zip(questions, per_question, strict=True):
            for path in order:  # rotated so no path always runs on a warmer machine
                row = await ask_path(
                    app, name, q.text, q.answer, path, cold=cold, warm=warm,
                    level=args.budget, max_tokens=args.max_tokens, layout=args.layout,
                )  # fmt: skip
                rows[path].append(row)
                record["correct"][path] += int(row["correct"])
                record["answers"].setdefault(path, row["answer"])

    paths = {p: summarize(r) for p, r in rows.items()}
    sleep_tokens = slept.usage.total_tokens + warmed["c_prime"][0]
    precompute = {
        "cold": 0,
        "cag": warmed["c"][0],
        "sleep": sleep_tokens,
        "anticipated": sleep_tokens,
    }
    entry: dict[str, Any] = {
        "target_tokens": target,
        "clamped": clamped,
        "ledger_lines": len(entries),
        "context_tokens": await warm.count_tokens(context),
        "context_chars": len(context),
        "notes": notes,
        "notes_chars": len(notes),
        "notes_tokens": await warm.count_tokens(notes),
        "anticipated_stored": len(slept.artifact.anticipated),
        "coverage": {
            "answers_in_notes": sum(r["in_notes"] for r in per_question) / len(per_question),
            "ledger_lines_restated": lines_restated(entries, notes),
            "notes_over_context_chars": len(notes) / len(context),
        },
        "sleep": {
            "wall_s": sleep_s,
            "tokens": slept.usage.total_tokens,
            "generated_tokens": slept.usage.completion_tokens,
            "prefix_prefill_tokens": warmed["c_prime"][0],
        },
        "states": state_info,
        "paths": paths,
        "questions": per_question,
        "cost_per_query": {
            str(n): {
                p: cost_per_query(paths[p]["test_time_tokens"], precompute[p], n) for p in PATHS
            }
            for n in (1, 2, 5, 10)
        },
    }
    print_size(entry)
    return entry


def print_size(e: dict[str, Any]) -> None:
    """A few lines per context size, as soon as it is measured."""
    c, cp = e["states"]["c"] or {}, e["states"]["c_prime"] or {}
    print(
        f"== {e['context_tokens']} context tokens{' (clamped to fit)' if e['clamped'] else ''}: "
        f"notes {e['notes_chars']} chars, answers in notes "
        f"{e['coverage']['answers_in_notes']:.0%}, ledger lines restated "
        f"{e['coverage']['ledger_lines_restated']:.0%}; state c {c.get('tokens', 0)} tok "
        f"{c.get('bytes', 0) / 2**20:.1f} MB restore {c.get('restore_s', 0):.3f}s, state c' "
        f"{cp.get('tokens', 0)} tok {cp.get('bytes', 0) / 2**20:.1f} MB restore "
        f"{cp.get('restore_s', 0):.3f}s",
        flush=True,
    )
    for path, s in e["paths"].items():
        extra = f" hit rate {s['hit_rate']:.0%}" if path == "anticipated" else ""
        print(
            f"   {path:<11} TTFT {s['ttft_s']:7.2f}s  answer {s['total_s']:7.2f}s  "
            f"test-time tok {s['test_time_tokens']:6.0f} (gen {s['generated_tokens']:4.0f})  "
            f"accuracy {s['accuracy']:.0%}{extra}",
            flush=True,
        )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Load the model once, then measure every size."""
    user_settings = Settings()
    model_path = resolve_model(args.model, data_dir=user_settings.data_dir)
    trained = train_window(model_path)
    sizes = [int(s) for s in args.sizes.split(",")]
    n_ctx = args.n_ctx or min(trained, max(sizes) + 2048)
    threads = args.threads or os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="sleeptime-bench-latency-"))
    common: dict[str, Any] = {
        "n_ctx": n_ctx,
        "n_threads": threads,
        "hash_cache": user_settings.data_dir / "file-hashes.json",
    }
    warm = LlamaBackend(model_path, kv_cache_dir=work / "kv", **common)
    cold = LlamaBackend(model_path, kv_cache_dir=None, **common)
    app = Sleeptime(Settings(data_dir=work, seed=0))
    sleep_budget = SleepBudget(
        max_rounds=args.rounds, round_max_tokens=args.round_tokens, memory_chars=args.memory_chars
    )
    load_before = os.getloadavg()[0]
    results: list[dict[str, Any]] = []
    seen: set[int] = set()
    try:
        for size in sizes:
            ledger = await ledger_for(warm, size, sleep_budget, args.budget)
            if len(ledger[0]) in seen:
                print(f"== {size}: same ledger as a smaller size once fitted; skipped")
                continue
            seen.add(len(ledger[0]))
            results.append(await measure_size(app, cold, warm, size, ledger, args, sleep_budget))
    finally:
        await app.aclose()
    return {
        "machine": f"{os.cpu_count()} cores, load average {load_before:.1f} at start",
        "model": warm.info.model,
        "model_sha256": warm.info.details["sha256"],
        "model_train_window": trained,
        "n_ctx": n_ctx,
        "n_threads": threads,
        "llama_cpp": warm.info.details["llama_cpp"],
        "repeats": args.repeats,
        "budget_level": args.budget,
        "max_tokens": make_budget(args.budget, args.max_tokens).max_tokens,
        "layout": args.layout,
        "sleep_budget": sleep_budget.to_dict(),
        "ledger_seed": LEDGER_SEED,
        "t": 10,
        "paths": list(PATHS),
        "sizes": results,
    }


def main() -> int:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default=None, help="catalog name or GGUF path (SmolLM2)")
    parser.add_argument("--sizes", default="1024,2048,4096,8192", help="context tokens")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=int, default=1, help="test-time budget level 0-4")
    parser.add_argument("--max-tokens", type=int, default=None, help="answer cap")
    parser.add_argument(
        "--layout",
        default="replace",
        choices=("replace", "both"),
        help="sleep-path prompt: c' alone (default) or c then c' (the app's low-budget default)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="rethink rounds per sleep")
    parser.add_argument("--round-tokens", type=int, default=384)
    parser.add_argument("--memory-chars", type=int, default=2000)
    parser.add_argument("--n-ctx", type=int, default=0, help="0: largest size + 2048, capped")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "latency.json"
    )
    args = parser.parse_args()
    report = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
