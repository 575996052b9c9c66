"""Loaders against the real files in ../shared/data (read at run time) and against bad files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sleeptime.benchmark import (
    DATASET_NAMES,
    default_data_root,
    load_aime,
    load_dataset,
    load_gsm8k,
    load_gsm_symbolic,
    load_gsm_symbolic_hub,
    strip_instruction,
)
from sleeptime.errors import ConfigError, InputError, SleeptimeError


def test_gsm_symbolic_p2_has_2500_problems_from_50_templates(data_root: Path) -> None:
    problems = load_gsm_symbolic(data_root / "gsm-symbolic" / "generated_data" / "GSM_p2.jsonl")
    assert len(problems) == 2500
    assert len({p.meta["template"] for p in problems}) == 50
    assert len({p.id for p in problems}) == 2500
    assert {p.dataset for p in problems} == {"gsm-symbolic-p2"}
    for problem in problems:
        assert problem.query and problem.context
        assert problem.answer.replace(".", "", 1).lstrip("-").isdigit()
        assert "####" not in problem.answer
        assert problem.original.startswith(problem.context)


def test_gsm_symbolic_sentence_split_keeps_decimals_whole(data_root: Path) -> None:
    problems = load_gsm_symbolic(data_root / "gsm-symbolic" / "generated_data", limit=2500)
    naive = load_gsm_symbolic(data_root / "gsm-symbolic" / "generated_data", split="naive")
    assert all(" ".join(filter(None, (p.context, p.query))) == p.original for p in problems)
    broken = [p for p in naive if p.context.rstrip(".") not in p.original]
    assert broken, "the naive split should visibly break some problems"


def test_limit_and_default_root(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLEEPTIME_DATA_ROOT", str(data_root))
    assert default_data_root() == data_root
    assert len(load_gsm_symbolic(limit=3)) == 3
    assert load_gsm_symbolic(limit=0) == []
    assert [len(load_dataset(name, limit=2)) for name in ("gsm-symbolic-p2", "gsm8k")] == [2, 2]


def test_missing_variant_file_says_where_to_get_it(data_root: Path) -> None:
    with pytest.raises(InputError, match=r"GSM_p1\.jsonl.*apple/GSM-Symbolic"):
        load_gsm_symbolic(data_root / "gsm-symbolic" / "generated_data", variant="p1")


@pytest.mark.parametrize(("year", "empty_contexts_at_least"), [(2024, 1), (2025, 1)])
def test_aime_has_30_problems_with_instruction_stripped(
    data_root: Path, year: int, empty_contexts_at_least: int
) -> None:
    problems = load_aime(data_root / "aime" / "qwq" / f"aime{year % 100}.jsonl")
    assert len(problems) == 30
    assert {p.dataset for p in problems} == {f"aime-{year}"}
    assert all("Please reason step by step" not in p.original for p in problems)
    assert all("Please reason step by step" not in p.query for p in problems)
    assert all(0 <= int(p.answer) <= 999 and p.answer == str(int(p.answer)) for p in problems)
    assert sum(p.context == "" for p in problems) >= empty_contexts_at_least


def test_aime_qwen_layout_matches_qwq_answers(data_root: Path) -> None:
    qwen = load_aime(data_root / "aime" / "qwen2.5-math" / "aime24_test.jsonl")
    qwq = load_aime(data_root / "aime" / "qwq" / "aime24.jsonl")
    assert len(qwen) == 30
    assert qwen[0].id == "2024-I-1"
    assert [p.answer for p in qwen] == [p.answer for p in qwq]
    assert any(a.startswith("0") for a in _raw_answers(data_root))


def _raw_answers(data_root: Path) -> list[str]:
    lines = (data_root / "aime" / "qwen2.5-math" / "aime24_test.jsonl").read_text().splitlines()
    return [str(json.loads(line)["answer"]) for line in lines if line.strip()]


def test_gsm8k_test_set_has_1319_problems(data_root: Path) -> None:
    problems = load_gsm8k(data_root / "gsm8k")
    assert len(problems) == 1319
    assert all("," not in p.answer and p.query for p in problems)


def test_every_named_dataset_that_ships_loads(
    data_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLEEPTIME_DATA_ROOT", str(data_root))
    shipped = [n for n in DATASET_NAMES if n not in ("gsm-symbolic", "gsm-symbolic-p1")]
    assert all(load_dataset(name, limit=1) for name in shipped)
    with pytest.raises(InputError, match="Unknown dataset"):
        load_dataset("mmlu")


def test_strip_instruction_only_removes_the_trailing_instruction() -> None:
    text = "Find $n$.\nPlease reason step by step, and put your final answer within \\boxed{}."
    assert strip_instruction(text) == "Find $n$."
    assert strip_instruction("Find $n$.") == "Find $n$."


def test_malformed_and_missing_files_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "GSM_p2.jsonl"
    bad.write_text('{"question": "A. B?", "answer": "#### 3"}\n{not json\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"GSM_p2.jsonl:2: expected one JSON object"):
        load_gsm_symbolic(bad)
    bad.write_text('{"question": "A. B?", "answer": "no hashes"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="####"):
        load_gsm_symbolic(bad)
    bad.write_text('{"text": "A. B?"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"'question'.*keys found: text"):
        load_gsm8k(bad)
    bad.write_text('["a list"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="JSON object"):
        load_aime(bad)
    aime = tmp_path / "aime24.jsonl"
    aime.write_text('{"prompt": "Find $n$.", "answer": "1/2"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="integer AIME answer"):
        load_aime(aime)
    with pytest.raises(InputError, match="no such file"):
        load_gsm8k(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="limit"):
        load_gsm8k(tmp_path, limit=-1)


def test_synthetic_file_round_trip(tmp_path: Path) -> None:
    file = tmp_path / "GSM_p1.jsonl"
    record = {
        "id": 7,
        "instance": 3,
        "question": "Ann has $1.50. How much?",
        "answer": "x\n#### 1,500",
    }
    file.write_text(json.dumps(record), encoding="utf-8")  # no newline after the last record
    [problem] = load_gsm_symbolic(file)
    assert (problem.id, problem.dataset, problem.answer) == ("7-3", "gsm-symbolic-p1", "1500")
    assert (problem.context, problem.query) == ("Ann has $1.50.", "How much?")


def test_data_root_errors_are_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLEEPTIME_DATA_ROOT", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="SLEEPTIME_DATA_ROOT"):
        default_data_root()
    monkeypatch.delenv("SLEEPTIME_DATA_ROOT")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="No benchmark data folder"):
        default_data_root()
    (tmp_path / "work").mkdir()
    (tmp_path / "shared" / "data").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work")
    assert default_data_root() == (tmp_path / "shared" / "data").resolve()


def test_hub_loader_without_datasets_package_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(SleeptimeError, match="needs the 'datasets' package"):
        load_gsm_symbolic_hub("p2", limit=1)
