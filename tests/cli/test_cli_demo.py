"""``sleeptime demo`` on the scripted backend: the loop runs and the right answers are counted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from sleeptime.cli.demo_cmd import DEMO_MODEL, _Row, accuracy_line, demo_model
from sleeptime.settings import Settings

Invoke = Callable[..., Result]
Replies = Callable[..., str]

NOTES = (
    "<notes>Large bed: 60 dollars. Broken tap: tell Mei Lin. Season: April 6 to October 25.</notes>"
)
# Per question: the baseline answer, then the sleep answer (the demo's order).
ANSWERS = (
    "A small bed costs 35 dollars. The answer is 35.",  # wrong bed
    "A large bed costs 60 dollars. The answer is 60.",
    "Ask the chair. The answer is Rosa Alvarez.",  # wrong person
    "The answer is Mei Lin.",
    "The season starts on April 6. The answer is April 6.",  # wrong date
    "The season ends on October 25. The answer is October 25.",
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_demo_prints_how_many_answers_were_right(invoke: Invoke, replies: Replies) -> None:
    model = replies(NOTES, *ANSWERS)
    result = invoke("demo", "--backend", "scripted", "--model", model, "--rounds", "1")
    assert result.exit_code == 0, result.output
    out = _flat(result.stdout)
    assert "answers right: baseline 0/3, sleep 3/3." in out
    assert "(expected: 60)" in out and "(expected: Mei Lin)" in out
    table = [line for line in result.stdout.splitlines() if "│ baseline" in line]
    assert len(table) == 3 and all("│ no " in line for line in table)


def test_demo_counts_a_wrong_sleep_answer(invoke: Invoke, replies: Replies) -> None:
    swapped = list(ANSWERS)
    swapped[0], swapped[1] = swapped[1], swapped[0]  # baseline right, sleep wrong on Q1
    result = invoke(
        "demo", "--backend", "scripted", "--model", replies(NOTES, *swapped), "--rounds", "1"
    )
    assert result.exit_code == 0, result.output
    assert "answers right: baseline 1/3, sleep 2/3" in _flat(result.stdout)


def test_accuracy_line_counts_per_mode() -> None:
    rows = [
        _Row("q1", "baseline", "1", True, 10, 0, 1, 0.1),
        _Row("q1", "sleep", "2", False, 5, 4, 1, 0.1),
        _Row("q2", "baseline", "3", False, 10, 0, 1, 0.1),
        _Row("q2", "sleep", "3", True, 5, 4, 1, 0.1),
    ]
    assert accuracy_line(rows) == "baseline 1/2, sleep 1/2"
    assert [r.test_time_tokens for r in rows] == [11, 2, 11, 2]
    assert json.dumps(accuracy_line([])) == '""'


def test_demo_model_prefers_the_0_5b_when_installed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    chunk = tmp_path / "part.bin"
    chunk.write_bytes(b"x")
    assert demo_model(settings, None, None, finder=lambda _d, _n: chunk) == (DEMO_MODEL, None)
    assert demo_model(settings, "llama", None, finder=lambda _d, _n: chunk) == (DEMO_MODEL, None)


def test_demo_model_falls_back_to_smollm2_with_a_note(tmp_path: Path) -> None:
    chosen, note = demo_model(Settings(data_dir=tmp_path), None, None, finder=lambda _d, _n: None)
    assert chosen is None  # the embedded SmolLM2 default
    assert note is not None and f"sleeptime models fetch {DEMO_MODEL}" in note


def test_demo_model_keeps_what_the_user_chose(tmp_path: Path) -> None:
    def never(_d: str, _n: int) -> Path:
        raise AssertionError("a chosen model must not be looked up")

    settings = Settings(data_dir=tmp_path)
    assert demo_model(settings, None, "smollm2-135m", finder=never) == ("smollm2-135m", None)
    assert demo_model(settings, "openai", None, finder=never) == (None, None)
    pinned = Settings(data_dir=tmp_path, model="/models/x.gguf")
    assert demo_model(pinned, None, None, finder=never) == (None, None)
