"""The hand-written sets: no near-miss is ever served, and most natural rewordings are.

Recall floors sit a few points under what the matcher reached (bench/anticipated_natural.py
reports the numbers and which split was used for what): tuning part 71 %, old held-out
part 66 %, fresh part 72 % (61 % when measured once, before round 3 used it), fresh2 part
52 % (48 % when measured once, before the fixes it prompted). A change that serves one
near-miss fails here whatever it gains in recall. The fresh3 set is only checked for its
shape here: it was committed before round 4 and has no floor until that round is measured.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from sleeptime.anticipate import match_structural

RECALL_FLOOR = {"tune": 0.68, "heldout": 0.62, "all": 0.66, "fresh": 0.68, "fresh2": 0.48}


def _items(context: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"question": q["question"], "answer": q["answer"], "source": "notes"}
        for q in context["questions"]
    ]


def test_the_set_is_large_and_varied(natural_set: dict[str, Any]) -> None:
    contexts = natural_set["contexts"]
    assert len(contexts) >= 10
    assert len({c["kind"] for c in contexts}) >= 5
    assert {c["split"] for c in contexts} == {"tune", "heldout"}
    rewordings = [r for c in contexts for q in c["questions"] for r in q["rewordings"]]
    near = [m for c in contexts for q in c["questions"] for m in q["near_misses"]]
    assert len(rewordings) >= 150 and len(near) >= 150
    assert {r["kind"] for r in rewordings} <= set(natural_set["rewording_kinds"])
    assert {m["kind"] for m in near} <= set(natural_set["near_miss_kinds"])
    asked = [r["text"] for r in rewordings] + [m["text"] for m in near]
    duplicates = [text for text, n in Counter(asked).items() if n > 1]
    assert not duplicates


def test_no_near_miss_is_ever_served(natural_set: dict[str, Any]) -> None:
    served = []
    for context in natural_set["contexts"]:
        items = _items(context)
        for q in context["questions"]:
            for miss in q["near_misses"]:
                result = match_structural(miss["text"], items)
                if result.hit:
                    served.append((miss["kind"], miss["text"], result.candidate))
    assert not served


def test_stored_questions_are_served_their_own_answer(natural_set: dict[str, Any]) -> None:
    for context in natural_set["contexts"]:
        items = _items(context)
        for q in context["questions"]:
            result = match_structural(q["question"], items)
            assert result.item is not None and result.item["answer"] == q["answer"]


@pytest.mark.parametrize("split", ["tune", "heldout", "all"])
def test_recall_on_natural_rewordings(natural_set: dict[str, Any], split: str) -> None:
    hits = total = 0
    for context in natural_set["contexts"]:
        if split != "all" and context["split"] != split:
            continue
        items = _items(context)
        for q in context["questions"]:
            for rewording in q["rewordings"]:
                total += 1
                result = match_structural(rewording["text"], items)
                if result.item is not None:
                    assert result.item["answer"] == q["answer"], rewording["text"]
                    hits += 1
    assert hits / total >= RECALL_FLOOR[split], f"{hits}/{total}"


SAME_BY_CHANCE = frozenset({
    "How long is the notice period?", "How long is the warranty?",
    "How much is the security deposit?", "deposit amount",
})  # fmt: skip
"""Short questions the blind writers of fresh11 and fresh12 wrote as earlier sets had
(fresh5, the tuning set); kept as measured."""


def test_the_fresh_set_is_new_and_large(
    natural_set: dict[str, Any], any_fresh_set: dict[str, Any], fresh_sets: list[dict[str, Any]]
) -> None:
    contexts = any_fresh_set["contexts"]
    assert len(contexts) >= 5 and len({c["split"] for c in contexts}) == 1
    others = [natural_set] + [s for s in fresh_sets if s["about"] != any_fresh_set["about"]]
    other_contexts = [c for s in others for c in s["contexts"]]
    assert not {c["kind"] for c in contexts} & {c["kind"] for c in other_contexts}
    rewordings = [r for c in contexts for q in c["questions"] for r in q["rewordings"]]
    near = [m for c in contexts for q in c["questions"] for m in q["near_misses"]]
    assert len(rewordings) >= 75 and len(near) >= 75
    assert {r["kind"] for r in rewordings} <= set(any_fresh_set["rewording_kinds"])
    assert {m["kind"] for m in near} <= set(any_fresh_set["near_miss_kinds"])
    old = {r["text"] for c in other_contexts for q in c["questions"]
           for r in q["rewordings"] + q["near_misses"]}  # fmt: skip
    asked = [r["text"] for r in rewordings] + [m["text"] for m in near]
    assert len(set(asked)) == len(asked) and not set(asked) & old - SAME_BY_CHANCE


def test_no_fresh_near_miss_is_served(fresh_set: dict[str, Any]) -> None:
    served = []
    for context in fresh_set["contexts"]:
        items = _items(context)
        for q in context["questions"]:
            assert match_structural(q["question"], items).item is not None
            for miss in q["near_misses"]:
                result = match_structural(miss["text"], items)
                if result.hit:
                    served.append((miss["kind"], miss["text"], result.candidate))
    assert not served


def test_recall_on_fresh_rewordings(fresh_set: dict[str, Any]) -> None:
    hits = total = 0
    for context in fresh_set["contexts"]:
        items = _items(context)
        for q in context["questions"]:
            for rewording in q["rewordings"]:
                total += 1
                result = match_structural(rewording["text"], items)
                if result.item is not None:
                    assert result.item["answer"] == q["answer"], rewording["text"]
                    hits += 1
    split = fresh_set["contexts"][0]["split"]
    assert hits / total >= RECALL_FLOOR[split], f"{hits}/{total}"
