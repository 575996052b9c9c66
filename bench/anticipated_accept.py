"""Model-confirmed accept of anticipated answers: recall, false hits and cost per lookup.

Runs every rewording and near-miss of the hand-written sets (``anticipated_natural.py``:
splits tune, heldout, fresh, fresh2, fresh3) through ``match_anticipated`` twice: rules
only, and with ``accept=True`` on a local GGUF model loaded in-process (when the rules
refuse, the stored questions whose hard slots agree are put to the model with the
``anticipate_accept`` yes/no prompt; ``anticipate/accept.py``; with the context given, a
candidate the content-word filters refuse is put to it only when the model's own short
answer from the context agrees with the stored one, ``anticipate/agree.py``). Each lookup
is against its own context's stored questions, as in ``sleeptime ask``. Reports recall,
wrong answers served for rewordings and false hits on near-misses per split and kind, the
model calls (and how many lookups asked for the model's own answer) and generated tokens,
and the lookup latency (median over all lookups and over those that called the model).

Only the five splits above are read; any other split in the packaged files is skipped
(the final unseen set is measured once, on purpose, with ``--data FILE --split NAME``).

Usage: ``SLEEPTIME_N_THREADS=1 .venv/bin/python bench/anticipated_accept.py --model
PATH.gguf [--split fresh3] [--max-candidates N] [--out FILE] [--show]``. Writes
``bench/results/anticipated_accept_<model>.json`` by default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from anticipated_natural import load_set

RESULTS = Path(__file__).parent / "results"
MEASURED_SPLITS = ("tune", "heldout", "fresh", "fresh2", "fresh3")


def _empty_part() -> dict[str, Any]:
    return {
        "rewordings": defaultdict(lambda: {"n": 0, "rules": 0, "hits": 0, "wrong": 0}),
        "near_misses": defaultdict(lambda: {"n": 0, "false_hits": 0}),
    }


async def evaluate(
    data: dict[str, Any],
    splits: tuple[str, ...],
    backend: Any,
    *,
    seed: int = 0,
    with_context: bool = True,
    max_candidates: int | None = None,
    answer_check: bool = False,
) -> dict[str, Any]:
    """Look every question up with the rules and with the model-confirmed accept path
    (at most ``max_candidates`` model calls per lookup; the library's limit when None)."""
    from sleeptime.anticipate import match_anticipated, match_structural
    from sleeptime.anticipate.accept import MAX_CANDIDATES

    limit = MAX_CANDIDATES if max_candidates is None else max_candidates

    parts: dict[str, dict[str, Any]] = defaultdict(_empty_part)
    ms_all: list[float] = []
    ms_model: list[float] = []
    calls: list[int] = []
    generated: list[int] = []
    served: list[dict[str, str]] = []
    answer_checks: list[int] = []  # lookups that asked for the model's own answer: served?
    for context in data["contexts"]:
        part = context["split"]
        if part not in splits:
            continue
        items = [
            {"question": q["question"], "answer": q["answer"], "source": "notes"}
            for q in context["questions"]
        ]
        questions = context["questions"]
        asks = [(q, r["text"], "rewording", r["kind"]) for q in questions for r in q["rewordings"]]
        asks += [
            (q, m["text"], "near_miss", m["kind"]) for q in questions for m in q["near_misses"]
        ]
        for q, text, label, kind in asks:
            rules = match_structural(text, items).item
            start = time.perf_counter()
            found = await match_anticipated(
                text, items, backend=backend, seed=seed, verify=False, accept=True,
                context=context["text"] if with_context else None, accept_limit=limit,
                answer_check=answer_check,
            )  # fmt: skip
            ms = (time.perf_counter() - start) * 1000
            ms_all.append(ms)
            if found.usage.calls:
                ms_model.append(ms)
                calls.append(found.usage.calls)
                generated.append(found.usage.completion_tokens)
            by_model = found.verifier == "structural+model-accept" and found.item is not None
            if found.short_answer is not None:
                answer_checks.append(int(by_model))
            if label == "rewording":
                row = parts[part]["rewordings"][kind]
                row["n"] += 1
                row["rules"] += int(rules is not None and rules["answer"] == q["answer"])
                if found.item is not None and found.item["answer"] == q["answer"]:
                    row["hits"] += 1
                elif found.item is not None:
                    row["wrong"] += 1
            else:
                row = parts[part]["near_misses"][kind]
                row["n"] += 1
                row["false_hits"] += int(found.item is not None)
            if by_model:
                served.append({"split": part, "label": label, "kind": kind, "asked": text,
                               "served_for": found.item["question"] if found.item else "",
                               "target": q["question"],
                               "short_answer": found.short_answer or ""})  # fmt: skip
    report: dict[str, Any] = {"parts": {}}
    for part in splits:
        if part not in parts:
            continue
        rw = {k: dict(v) for k, v in sorted(parts[part]["rewordings"].items())}
        nm = {k: dict(v) for k, v in sorted(parts[part]["near_misses"].items())}
        n = sum(v["n"] for v in rw.values())
        report["parts"][part] = {
            "rewordings": rw,
            "near_misses": nm,
            "rewordings_total": {
                "n": n,
                "rules": sum(v["rules"] for v in rw.values()),
                "hits": sum(v["hits"] for v in rw.values()),
                "wrong": sum(v["wrong"] for v in rw.values()),
            },
            "near_misses_total": {
                "n": sum(v["n"] for v in nm.values()),
                "false_hits": sum(v["false_hits"] for v in nm.values()),
            },
        }
    report["lookups"] = len(ms_all)
    report["lookup_ms_median"] = statistics.median(ms_all) if ms_all else 0.0
    report["model_lookups"] = len(ms_model)
    report["model_lookup_ms_median"] = statistics.median(ms_model) if ms_model else 0.0
    report["model_calls"] = sum(calls)
    report["generated_tokens"] = sum(generated)
    report["answer_checks"] = len(answer_checks)
    report["served_after_answer_check"] = sum(answer_checks)
    report["served_by_model"] = served
    return report


def _print(report: dict[str, Any]) -> None:
    for part, row in report["parts"].items():
        t, h = row["rewordings_total"], row["near_misses_total"]
        print(f"\n== {part}: recall rules {t['rules'] / t['n']:.0%} -> with model "
              f"{t['hits'] / t['n']:.0%} (n {t['n']}, wrong answers {t['wrong']}); "
              f"false hits {h['false_hits']} of {h['n']}")  # fmt: skip
        for kind, r in row["rewordings"].items():
            before, after = r["rules"] / r["n"], r["hits"] / r["n"]
            print(f"  {kind:<16}{r['n']:>4}  {before:>5.0%} -> {after:>5.0%}")
        for kind, r in row["near_misses"].items():
            if r["false_hits"]:
                print(f"  near-miss {kind:<16} false hits {r['false_hits']} of {r['n']}")
    print(f"\nlookups {report['lookups']}, median {report['lookup_ms_median']:.1f} ms; with a "
          f"model call {report['model_lookups']}, median {report['model_lookup_ms_median']:.0f}"
          f" ms; model calls {report['model_calls']}, answer checks {report['answer_checks']}"
          f" ({report['served_after_answer_check']} served), generated tokens "
          f"{report['generated_tokens']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", type=Path, required=True, help="a GGUF file")
    parser.add_argument("--split", default="all", help="one split, or all five measured ones")
    parser.add_argument("--data", type=Path, default=None, help="another question set file")
    parser.add_argument("--out", type=Path, default=None, help="where to write the report")
    parser.add_argument(
        "--no-context-guard", action="store_true", help="do not give the matcher the context"
    )
    parser.add_argument(
        "--max-candidates",
        type=int,
        default=None,
        help="model calls per lookup at most (default: the library's MAX_CANDIDATES)",
    )
    parser.add_argument(
        "--answer-check",
        action="store_true",
        help="also the model's own short answer from the context (anticipate/agree.py; off in "
        "the library by default)",
    )
    parser.add_argument("--show", action="store_true", help="print what the model served")
    parser.add_argument("--note", default=None, help="a sentence saying what this run measured")
    args = parser.parse_args()
    from sleeptime.anticipate import MATCHER_VERSION
    from sleeptime.anticipate.accept import MAX_CANDIDATES, accept_key
    from sleeptime.backends.llama import LlamaBackend

    threads = int(os.environ.get("SLEEPTIME_N_THREADS", "1"))
    backend = LlamaBackend(args.model, n_ctx=2048, n_threads=threads)
    splits = MEASURED_SPLITS if args.split == "all" else (args.split,)
    if args.data is None and not set(splits) <= set(MEASURED_SPLITS):
        parser.error(f"--split must be one of {', '.join(MEASURED_SPLITS)} without --data")
    started = time.perf_counter()
    limit = MAX_CANDIDATES if args.max_candidates is None else args.max_candidates
    if limit < 1:
        parser.error("--max-candidates must be at least 1")
    report = asyncio.run(
        evaluate(
            load_set(args.data),
            splits,
            backend,
            with_context=not args.no_context_guard,
            max_candidates=limit,
            answer_check=args.answer_check,
        )
    )
    _print(report)
    if args.show:
        for s in report["served_by_model"]:
            ok = (
                "ok   " if s["served_for"] == s["target"] and s["label"] == "rewording" else "WRONG"
            )
            print(
                f"{ok} [{s['split']} {s['label']} {s['kind']}] {s['asked']}  ->  {s['served_for']}"
            )
    report |= {
        "model": args.model.name,
        "threads": threads,
        "matcher": MATCHER_VERSION,
        "prompt": accept_key(),
        "max_candidates": limit,
        "context_guard": not args.no_context_guard,
        "elapsed_s": time.perf_counter() - started,
    }
    if args.note:
        report["note"] = args.note
    report["answer_check"] = args.answer_check
    out = args.out or RESULTS / f"anticipated_accept_{args.model.stem}.json"
    if args.split == "all" or args.out is not None:
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
