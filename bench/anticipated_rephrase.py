"""Sleep-time rewordings of anticipated questions: recall, false hits and sleep-time tokens.

For every context of the hand-written sets (``anticipated_natural.py``), each stored
question gets its rewordings from the model as a sleep run would (``anticipate/
rephrase.py``: one call per question, temperature 0, prompt ``anticipate_rephrase``), they
are checked against the stored question (drifted ones dropped and counted) and stored as
its ``alternates``. Then every hand-written rewording and near-miss is looked up against
its own context's stored questions, with the rules alone and with the rules plus the
alternates (a hit through an alternate also passes the hard-slot guard against the
original). Two sleep-time checks are compared: with the context's words (a rewording that
brings in a word the text uses for another thing is dropped: the default) and without.

Every model call goes to a call log (``--calls``, default under /tmp) and is replayed on a
re-run, so the numbers can be re-rendered for free.

Model: the OpenAI-compatible server of ``SLEEPTIME_OPENAI_BASE_URL`` (``--model-id``, one
request at a time), or a GGUF loaded in-process with ``--gguf PATH``.

Usage: ``.venv/bin/python bench/anticipated_rephrase.py [--split fresh2|all|NAME] [--data
FILE] [--show]``. A split that is in no packaged set is read from
``sleeptime/examples/anticipated_<split>.json`` (so an unseen set is measured with
``--split NAME`` alone). Writes ``bench/results/anticipated_rephrase.json`` for ``--split
all``, else only with ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from anticipated_natural import load_set

RESULTS = Path(__file__).parent / "results"
MEASURED_SPLITS = ("tune", "heldout", "fresh", "fresh2", "fresh3", "fresh4")
CALLS = Path("/tmp/sleeptime_rephrase/calls.sqlite")
VARIANTS = ("rules", "alternates", "alternates_no_context_check")


def _load(split: str, data: Path | None) -> dict[str, Any]:
    if data is not None or split == "all" or split in MEASURED_SPLITS:
        return load_set(data)
    name = f"anticipated_{split}.json"
    text = resources.files("sleeptime.examples").joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _backend(args: argparse.Namespace) -> Any:
    from sleeptime.benchmark.recording import CallLog, RecordingBackend

    if args.gguf is not None:
        from sleeptime.backends.llama import LlamaBackend

        threads = int(os.environ.get("SLEEPTIME_N_THREADS", "1"))
        inner: Any = LlamaBackend(args.gguf, n_ctx=4096, n_threads=threads)
    else:
        from sleeptime.backends.openai_compat import from_settings
        from sleeptime.settings import Settings

        inner = from_settings(Settings(), args.model_id)
    if args.replay_only:
        inner = _ReplayOnly(inner)
    return RecordingBackend(inner, CallLog(args.calls))


class _ReplayOnly:
    """Refuses every call the log does not hold: re-renders a partial run with no model."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    @property
    def info(self) -> Any:
        return self.inner.info

    async def chat(self, request: Any) -> Any:
        from sleeptime.errors import BackendError

        raise BackendError("not in the call log (--replay-only)")


async def rephrase_all(
    data: dict[str, Any], splits: tuple[str, ...], backend: Any
) -> dict[str, dict[str, Any]]:
    """Per context id: the rewordings the model wrote for each stored question and the cost."""
    from sleeptime.anticipate.rephrase import ask_rewordings
    from sleeptime.errors import SleeptimeError
    from sleeptime.values import Usage

    out: dict[str, dict[str, Any]] = {}
    missing = 0
    for n, context in enumerate(data["contexts"]):
        if context["split"] not in splits:
            continue
        usage = Usage()
        written: dict[str, list[str]] = {}
        for q in context["questions"]:
            start = time.perf_counter()
            try:
                found, cost = await ask_rewordings(backend, q["question"], seed=0)
            except SleeptimeError:
                missing += 1
                continue
            usage.add(cost)
            written[q["question"]] = found
            print(f"  [{context['split']}] {q['question']!r}: {len(found)} rewordings, "
                  f"{cost.completion_tokens} tokens, {time.perf_counter() - start:.0f} s",
                  flush=True)  # fmt: skip
        out[f"{context['split']}/{context['name']}/{n}"] = {"written": written, "usage": usage}
    if missing:
        print(f"{missing} stored questions have no rewordings (calls not made)")
    return out


def _row() -> dict[str, int]:
    return {"n": 0} | {v: 0 for v in VARIANTS} | {f"{v}_wrong": 0 for v in VARIANTS}


def evaluate(
    data: dict[str, Any], splits: tuple[str, ...], written: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Look every hand-written question up with the rules alone and with alternates."""
    from sleeptime.anticipate import match_structural
    from sleeptime.anticipate.accept import context_words
    from sleeptime.anticipate.rephrase import check_rewordings

    rewordings: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(_row))
    hostile: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(_row))
    sleep: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "questions": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "calls": 0,
            "written": 0,
            "kept": 0,
            "kept_no_context_check": 0,
            "dropped": 0,
            "redundant": 0,
        }
    )
    false_hits: list[dict[str, str]] = []
    wrong: list[dict[str, str]] = []
    examples: list[dict[str, Any]] = []
    for n, context in enumerate(data["contexts"]):
        part = context["split"]
        if part not in splits:
            continue
        made = written[f"{context['split']}/{context['name']}/{n}"]
        words = context_words(context["text"])
        stores: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
        s = sleep[part]
        s["calls"] += made["usage"].calls
        s["prompt_tokens"] += made["usage"].prompt_tokens
        s["completion_tokens"] += made["usage"].completion_tokens
        for q in context["questions"]:
            base = {"question": q["question"], "answer": q["answer"], "source": "notes"}
            found = made["written"].get(q["question"], [])
            guarded = check_rewordings(q["question"], found, words)
            loose = check_rewordings(q["question"], found)
            stores["rules"].append(base)
            stores["alternates"].append(base | {"alternates": guarded.kept})
            stores["alternates_no_context_check"].append(base | {"alternates": loose.kept})
            s["questions"] += 1
            s["written"] += len(found)
            s["kept"] += len(guarded.kept)
            s["kept_no_context_check"] += len(loose.kept)
            s["dropped"] += len(guarded.dropped)
            s["redundant"] += guarded.redundant
            examples.append({"split": part, "question": q["question"], "kept": guarded.kept,
                             "dropped": guarded.dropped})  # fmt: skip
        asks = [(q, r, "rewording") for q in context["questions"] for r in q["rewordings"]]
        asks += [(q, m, "near_miss") for q in context["questions"] for m in q["near_misses"]]
        for q, entry, label in asks:
            table = rewordings if label == "rewording" else hostile
            row = table[part][entry["kind"]]
            row["n"] += 1
            for variant in VARIANTS:
                match = match_structural(entry["text"], stores[variant])
                if match.item is None:
                    continue
                right = match.item["answer"] == q["answer"] and label == "rewording"
                row[variant if right else f"{variant}_wrong"] += 1
                if not right and variant == "alternates":
                    (false_hits if label == "near_miss" else wrong).append(
                        {"split": part, "kind": entry["kind"], "asked": entry["text"],
                         "served_for": match.item["question"], "via": match.via or ""}
                    )  # fmt: skip
    report: dict[str, Any] = {"parts": {}, "false_hits": false_hits, "wrong": wrong}
    for part in splits:
        if part not in sleep:
            continue
        rw = {k: dict(v) for k, v in sorted(rewordings[part].items())}
        nm = {k: dict(v) for k, v in sorted(hostile[part].items())}
        total = {key: sum(v[key] for v in rw.values()) for key in _row()}
        total_nm = {key: sum(v[key] for v in nm.values()) for key in _row()}
        report["parts"][part] = {
            "rewordings": rw, "near_misses": nm, "rewordings_total": total,
            "near_misses_total": total_nm, "sleep": dict(sleep[part]),
        }  # fmt: skip
    report["examples"] = examples
    return report


def _print(report: dict[str, Any]) -> None:
    for part, row in report["parts"].items():
        t, h, s = row["rewordings_total"], row["near_misses_total"], row["sleep"]
        rates = " / ".join(f"{t[v] / t['n']:.1%}" for v in VARIANTS)
        fh = " / ".join(str(h[f"{v}_wrong"]) for v in VARIANTS)
        wr = " / ".join(str(t[f"{v}_wrong"]) for v in VARIANTS)
        print(
            f"\n== {part}: recall (rules / +alternates / +alternates without the context "
            f"check) {rates} of {t['n']}; wrong answers {wr}; false hits {fh} of {h['n']}"
        )
        print(f"   sleep: {s['questions']} questions, {s['calls']} calls, prompt "
              f"{s['prompt_tokens']} + generated {s['completion_tokens']} tokens; rewordings "
              f"written {s['written']}, kept {s['kept']} ({s['kept_no_context_check']} "
              f"without the context check), dropped {s['dropped']}, redundant "
              f"{s['redundant']}")  # fmt: skip
        for kind, r in row["rewordings"].items():
            print(
                f"  {kind:<16}{r['n']:>4}  " + "  ".join(f"{r[v] / r['n']:>5.0%}" for v in VARIANTS)
            )
        for kind, r in row["near_misses"].items():
            if any(r[f"{v}_wrong"] for v in VARIANTS):
                print(
                    f"  near-miss {kind:<16} false hits "
                    + " / ".join(str(r[f"{v}_wrong"]) for v in VARIANTS)
                    + f" of {r['n']}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", default="all", help="one split, or all six measured ones")
    parser.add_argument("--data", type=Path, default=None, help="another question set file")
    parser.add_argument("--gguf", type=Path, default=None, help="load this GGUF in-process")
    parser.add_argument("--model-id", default="qwen2.5-coder-1.5b", help="the server's model")
    parser.add_argument("--calls", type=Path, default=CALLS, help="the call log (replayed)")
    parser.add_argument(
        "--replay-only",
        action="store_true",
        help="make no new call: questions not in the log get no rewordings",
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write the report")
    parser.add_argument("--show", action="store_true", help="print false hits and alternates")
    args = parser.parse_args()
    from sleeptime.anticipate import MATCHER_VERSION
    from sleeptime.anticipate.rephrase import MAX_ALTERNATES, REPHRASE_PROMPT, rephrase_prompts
    from sleeptime.prompts import load_prompt

    splits = MEASURED_SPLITS if args.split == "all" else (args.split,)
    data = _load(args.split, args.data)
    backend = _backend(args)
    started = time.perf_counter()
    written = asyncio.run(rephrase_all(data, splits, backend))
    report = evaluate(data, splits, written)
    _print(report)
    if args.show:
        for e in report["examples"]:
            print(f"\n[{e['split']}] {e['question']}")
            for k in e["kept"]:
                print(f"   + {k}")
            for d, why in e["dropped"]:
                print(f"   - {d}   ({why})")
        for f in report["false_hits"] + report["wrong"]:
            print(f"WRONG [{f['split']} {f['kind']}] {f['asked']} -> {f['served_for']} "
                  f"(via {f['via']!r})")  # fmt: skip
    report |= {
        "model": backend.info.model,
        "matcher": MATCHER_VERSION,
        "prompt": load_prompt(REPHRASE_PROMPT).key,
        "styles": len(rephrase_prompts("?")),
        "max_alternates": MAX_ALTERNATES,
        "calls_replayed": backend.stats.hits,
        "calls_made": backend.stats.misses,
        "elapsed_s": time.perf_counter() - started,
    }
    out = args.out or RESULTS / "anticipated_rephrase.json"
    if args.split == "all" or args.out is not None:
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
