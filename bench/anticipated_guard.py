"""The accept path's guard without the model: what it refuses, and what it lets through.

The model-confirmed accept (``anticipate/accept.py``) puts a stored question to the model
only when the structural guard passes it: the hard slots (``hard_slots_differ``), then the
content filters (``content_differs``: names' order, role words, a condition added or
dropped; ``names_other_thing``: a word the context uses for something else). This script
runs the guard alone, on every split registered in ``anticipated_natural.py``, and counts
per refusal reason:

- **rewordings**: of those the rules refuse, how many have their right stored question
  refused by the guard, and by which filter (their recall through the model is lost there);
- **near-misses**: how many have their own stored question pass the guard (the model then
  has to refuse them), and how many reach the model with any stored question.

The second count must never grow: a rule that lets a rewording through must not let a
near-miss through that was not put to the model before. ``--before REV`` runs the same
count with the ``src/`` of an older commit (extracted with ``git archive``, run in a
subprocess) and lists the near-misses that pass now but did not then.

Usage: ``.venv/bin/python bench/anticipated_guard.py [--split tune] [--before REV|none]
[--show] [--out FILE]``. Writes ``bench/results/anticipated_guard.json`` (``--split all``,
the default).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from anticipated_natural import SPLITS, load_set, run_script_at

OUT = Path(__file__).parent / "results" / "anticipated_guard.json"
REPO = Path(__file__).resolve().parent.parent
PASSED = "passes"


def reason_kind(reason: str) -> str:
    """The refusal reason without its words: "a condition added: ['still']" -> "a condition
    added", "hard: numbers differ: [...]" -> "hard: numbers differ"."""
    hard = reason.startswith("hard: ")
    text = re.sub(r"\s*\[[^]]*\]", "", reason.removeprefix("hard: "))
    head = text.split(":", 1)[0].strip()
    for prefix in ("name ", "the question asks for the"):
        if head.startswith(prefix):
            head = prefix.strip()
    return f"hard: {head}" if hard else head


def guard_reason(asked: Any, stored: Any, words: frozenset[str]) -> str:
    """Why the accept guard refuses ``stored`` for ``asked`` ("passes" when it does not),
    in the order ``accept_candidates`` checks."""
    from sleeptime.anticipate.accept import content_differs, hard_slots_differ, names_other_thing

    hard = hard_slots_differ(asked, stored)
    if hard is not None:
        return f"hard: {hard}"
    return content_differs(asked, stored) or names_other_thing(asked, stored, words) or PASSED


def evaluate(data: dict[str, Any], split: str) -> dict[str, Any]:
    """Count the guard's verdicts on every rewording the rules refuse and every near-miss."""
    from sleeptime.anticipate import canonical, match_structural
    from sleeptime.anticipate.accept import accept_candidates, context_words

    parts: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "rewordings": 0,
            "rules_refused": 0,
            "rewording_reasons": Counter(),
            "rewording_candidate": 0,
            "near_misses": 0,
            "near_miss_reasons": Counter(),
            "near_miss_reaches_model": 0,
        }
    )
    rewordings: list[dict[str, str]] = []
    near_misses: list[dict[str, str]] = []
    for context in data["contexts"]:
        part = context["split"]
        if split != "all" and part != split:
            continue
        row = parts[part]
        items = [
            {"question": q["question"], "answer": q["answer"], "source": "notes"}
            for q in context["questions"]
        ]
        forms = [canonical(item["question"]) for item in items]
        words = context_words(context["text"])
        for q, form in zip(context["questions"], forms, strict=True):
            for r in q["rewordings"]:
                row["rewordings"] += 1
                if match_structural(r["text"], items).item is not None:
                    continue
                row["rules_refused"] += 1
                asked = canonical(r["text"])
                reason = guard_reason(asked, form, words)
                row["rewording_reasons"][reason_kind(reason)] += 1
                found = accept_candidates(asked, items, forms, context=words)
                candidate = any(c.item["question"] == q["question"] for c in found)
                row["rewording_candidate"] += int(candidate)
                rewordings.append({"split": part, "kind": r["kind"], "asked": r["text"],
                                   "stored": q["question"], "reason": reason})  # fmt: skip
            for m in q["near_misses"]:
                row["near_misses"] += 1
                asked = canonical(m["text"])
                reason = guard_reason(asked, form, words)
                row["near_miss_reasons"][reason_kind(reason)] += 1
                found = accept_candidates(asked, items, forms, context=words)
                row["near_miss_reaches_model"] += int(bool(found))
                near_misses.append({"split": part, "kind": m["kind"], "asked": m["text"],
                                    "stored": q["question"], "reason": reason,
                                    "reaches_model": "yes" if found else "no"})  # fmt: skip
    out: dict[str, Any] = {}
    for part, row in parts.items():
        out[part] = {
            "rewordings": row["rewordings"],
            "rules_refused": row["rules_refused"],
            "rewording_passes_guard": row["rewording_reasons"][PASSED],
            "rewording_is_candidate": row["rewording_candidate"],
            "rewording_reasons": dict(row["rewording_reasons"].most_common()),
            "near_misses": row["near_misses"],
            "near_miss_passes_guard": row["near_miss_reasons"][PASSED],
            "near_miss_reaches_model": row["near_miss_reaches_model"],
            "near_miss_reasons": dict(row["near_miss_reasons"].most_common()),
        }
    return {"parts": out, "rewordings_refused": rewordings, "near_misses": near_misses}


def run_before(rev: str, split: str) -> dict[str, Any]:
    """Run ``evaluate`` with the ``src/`` of commit ``rev`` in a subprocess (the sets are
    read from this checkout, so both sides see the same questions)."""
    return run_script_at(rev, Path(__file__), load_set(), split)


def _passing(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m["asked"], m["stored"]) for m in result["near_misses"] if m["reason"] == PASSED}


def _passing_rewordings(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (r["asked"], r["stored"]) for r in result["rewordings_refused"] if r["reason"] == PASSED
    }


def _reaching(result: dict[str, Any]) -> set[str]:
    return {m["asked"] for m in result["near_misses"] if m["reaches_model"] == "yes"}


def _print(after: dict[str, Any], before: dict[str, Any] | None) -> None:
    for part in SPLITS:
        a = after["parts"].get(part)
        if a is None:
            continue
        b = before["parts"].get(part) if before else None

        def col(key: str, a: dict[str, Any] = a, b: dict[str, Any] | None = b) -> str:
            return f"{b[key]} -> {a[key]}" if b is not None else f"{a[key]}"

        print(f"\n== {part}: {a['rewordings']} rewordings, {col('rules_refused')} refused by"
              f" the rules; {a['near_misses']} near-misses ==")  # fmt: skip
        print(f"rewordings whose stored question passes the guard: {col('rewording_passes_guard')}"
              f" (a candidate within the limit: {col('rewording_is_candidate')})")  # fmt: skip
        print(f"near-misses whose stored question passes the guard: {col('near_miss_passes_guard')}"
              f"; reaching the model at all: {col('near_miss_reaches_model')}")  # fmt: skip
        kinds = sorted(set(a["rewording_reasons"]) | set(b["rewording_reasons"] if b else ()))
        for kind in kinds:
            old = f"{b['rewording_reasons'].get(kind, 0):>5} ->" if b is not None else ""
            print(f"  rewording refused: {kind:<48}{old}{a['rewording_reasons'].get(kind, 0):>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", choices=("all", *SPLITS), default="all")
    parser.add_argument("--before", default="none", help="a commit to compare with; 'none'")
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--eval-only", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--show", action="store_true", help="print refused rewordings by reason")
    parser.add_argument("--reason", default="", help="with --show: only reasons starting so")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the report")
    parser.add_argument("--note", default=None, help="a sentence saying what this run measured")
    args = parser.parse_args()
    data = load_set(args.data)
    if args.eval_only is not None:
        args.eval_only.write_text(json.dumps(evaluate(data, args.split)), encoding="utf-8")
        return
    started = time.perf_counter()
    after = evaluate(data, args.split)
    before = None if args.before == "none" else run_before(args.before, args.split)
    _print(after, before)
    if args.show:
        for r in sorted(after["rewordings_refused"], key=lambda r: r["reason"]):
            if r["reason"] != PASSED and r["reason"].startswith(args.reason):
                print(f"REFUSED [{r['split']} {r['kind']}] {r['asked']}  <-  {r['stored']}"
                      f"\n        {r['reason']}")  # fmt: skip
    newly: list[str] = []
    lost: list[str] = []
    if before is not None:
        newly = sorted(f"{a}  ->  {s}" for a, s in _passing(after) - _passing(before))
        newly += sorted(f"{a}  (reaches the model)" for a in _reaching(after) - _reaching(before))
        print(f"\nnear-misses newly passing the guard: {len(newly)}")
        for line in newly:
            print(f"  NEW  {line}")
        lost = sorted(
            f"{r['asked']}  <-  {r['stored']}: {r['reason']}"
            for r in after["rewordings_refused"]
            if r["reason"] != PASSED and (r["asked"], r["stored"]) in _passing_rewordings(before)
        )
        gained = sorted(
            f"{r['asked']}  <-  {r['stored']}"
            for r in after["rewordings_refused"]
            if r["reason"] == PASSED
            and (r["asked"], r["stored"]) not in _passing_rewordings(before)
        )
        print(f"rewordings the rules refuse whose stored question newly passes: {len(gained)}")
        for line in gained:
            print(f"  GAIN {line}")
        print(
            f"rewordings the rules still refuse whose stored question no longer passes: {len(lost)}"
        )
        for line in lost:
            print(f"  LOST {line}")
    if args.split == "all":
        from sleeptime.anticipate import MATCHER_VERSION

        report: dict[str, Any] = {
            "splits": list(SPLITS),
            "matcher": MATCHER_VERSION,
            "after": after["parts"],
            "near_misses_passing": sorted(f"{a}  ->  {s}" for a, s in _passing(after)),
        }
        if before is not None:
            report["before"] = {"rev": before["rev"], "parts": before["parts"]}
            report["near_misses_newly_passing"] = newly
            report["rewordings_no_longer_passing"] = lost
        report["elapsed_s"] = time.perf_counter() - started
        if args.note is not None:
            report["note"] = args.note
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
