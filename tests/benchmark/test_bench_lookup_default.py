"""``bench/repo_lookup_latency.py``'s scoring of ``ask --agent``'s default against test-time only.

The rules it serves were written before the run they judge
(``bench/results/repo-qwen1.5b-latency-kv-b8-lookup4/NOTE.md``), so the choice of which
answer stands for ``auto`` on each task is checked here on rows written by hand.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(
        "lookup_latency", BENCH / "repo_lookup_latency.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _answer(task: str, path: str, f1: float, seconds: float, tokens: int, budget: int = 8) -> Any:
    return {
        "task": task, "kind": "answer", "path": path, "budget": budget, "f1": f1,
        "seconds": seconds, "usage": {"completion_tokens": tokens},
    }  # fmt: skip


def _row(task: str, files: list[str], f1: float, ask_s: float) -> dict[str, Any]:
    return {"task": task, "files": files, "f1": f1, "ask_s": ask_s}


def test_auto_takes_the_list_where_it_has_files_and_the_agent_elsewhere() -> None:
    against_only = _load().against_only
    samples = [
        _answer("a", "only cached", 0.0, 4.0, 40),
        _answer("a", "only cached", 1.0, 9.0, 90, budget=1),  # a lower budget: not used
        _answer("a", "lookup-paths", 0.5, 6.0, 60),
        _answer("b", "only cached", 0.5, 2.0, 20),
        _answer("b", "lookup-paths", 0.8, 8.0, 80),
        _answer("c", "only cached", 0.4, 3.0, 30),  # no lookup-paths answer: left out
        {"task": "a", "kind": "sleep", "warm_s": 1.0},
    ]
    rows = [_row("a", ["x.py"], 0.67, 0.02), _row("b", [], 0.0, 0.02), _row("c", ["y"], 1.0, 0.02)]
    found = against_only(rows, samples)
    assert found["budget"] == 8 and found["n"] == 2 and found["missing"] == 1
    assert found["listed"] == 1
    by_task = {t["task"]: t for t in found["tasks"]}
    assert by_task["a"]["auto_f1"] == 0.67 and by_task["a"]["auto_tokens"] == 0
    assert by_task["a"]["auto_s"] == 0.02 and by_task["a"]["only_f1"] == 0.0
    # The empty list falls back to the agent's answer with the notes, at its cost.
    assert by_task["b"]["auto_f1"] == 0.8 and by_task["b"]["auto_s"] == 8.0
    assert by_task["b"]["auto_tokens"] == 80
    assert found["f1_vs_only"] == {"higher": 2, "lower": 0, "p_value": 0.5}
    assert found["f1_vs_model"]["higher"] == 1 and found["f1_vs_model"]["lower"] == 0
    assert found["listed_faster"]["higher"] == 1 and found["listed_only_tokens"] == 40
    assert found["faster"] == {"higher": 1, "lower": 1, "p_value": 1.0}
    assert found["ratio_median"] == pytest.approx((200.0 + 0.25) / 2)
    assert found["auto_tokens"] == 80 and found["only_tokens"] == 60


def test_a_run_without_the_paths_to_compare_is_a_clear_error() -> None:
    module = _load()
    rows = [_row("a", ["x.py"], 1.0, 0.02)]
    with pytest.raises(module.SleeptimeError, match="no `only cached` answers"):
        module.against_only(rows, [_answer("a", "lookup-paths", 0.5, 6.0, 60)])
    with pytest.raises(module.SleeptimeError, match="no task has both"):
        module.against_only(rows, [_answer("a", "only cached", 0.5, 6.0, 60)])
