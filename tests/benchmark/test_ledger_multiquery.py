"""The ledger Multi-Query set: every reference answer re-derived from the context text alone."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("ledger_mq", BENCH / "ledger_multiquery.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LINE = re.compile(
    r"(\w+) depot, (\w+) (\d+): (\d+) deliveries, fuel (\d+) dollars, "
    r"parcel fees (\d+) dollars, (\d+) drivers on duty\."
)


def _table(context: str) -> dict[tuple[str, str], dict[str, int]]:
    table = {}
    for m in LINE.finditer(context):
        table[(m[1], m[2])] = dict(
            zip(
                ("deliveries", "fuel", "fees", "drivers"),
                map(int, m.group(4, 5, 6, 7)),
                strict=True,
            )
        )
    return table


def _derive(question: str, table: dict[tuple[str, str], dict[str, int]]) -> int:
    depot = re.search(r"the (\w+) depot", question)
    assert depot
    field = next(
        f for f, word in (("deliveries", "deliveries"), ("fuel", "fuel"), ("fees", "fees"),
                          ("drivers", "drivers")) if word in question
    )  # fmt: skip
    months = re.findall(r"(January|February|March)", question)
    rows = {m: table[(depot[1], m)][field] for m in ("January", "February", "March")}
    if "in total from January to March" in question:
        return sum(rows.values())
    if question.startswith("How m") and " more " in question:
        return rows[months[0]] - rows[months[1]]
    (month,) = months
    return rows[month]


def test_every_answer_follows_from_the_ledger_text_and_questions_are_distinct() -> None:
    records = _load().build(contexts=4, n_questions=10, seed=7)
    assert len(records) == 40
    by_context: dict[str, list[dict[str, object]]] = {}
    for record in records:
        by_context.setdefault(str(record["context_id"]), []).append(record)
    assert len(by_context) == 4
    for group in by_context.values():
        assert len({r["question"] for r in group}) == 10
        assert {r["kind"] for r in group} == {"lookup", "sum3", "diff"}
        table = _table(str(group[0]["context"]))
        assert len(table) == 24
        for record in group:
            assert int(str(record["answer"])) == _derive(str(record["question"]), table)
            assert int(str(record["answer"])) >= 0


def test_the_same_seed_gives_the_same_set() -> None:
    module = _load()
    assert module.build(2, 10, 3) == module.build(2, 10, 3)
    assert module.build(2, 10, 3) != module.build(2, 10, 4)
