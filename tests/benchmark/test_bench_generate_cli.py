"""``sleeptime bench generate``: refuses bad input clearly, writes loadable files, checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sleeptime.benchmark import load_gsm_symbolic
from sleeptime.benchmark.generate.generate import repository_root
from sleeptime.cli.main import cli


@pytest.fixture(scope="module")
def templates() -> Path:
    root = (Path(__file__).parents[2] / ".." / "shared" / "data").resolve()
    folder = root / "gsm-symbolic" / "templates"
    if not folder.is_dir():
        pytest.skip(f"GSM-Symbolic templates not found at {folder} (needs ../shared/data)")
    return folder


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["bench", "generate", *args])


def _refused(result: Result, code: int, needle: str) -> None:
    assert result.exit_code == code, result.output
    assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--variant", "p3"], "Invalid value for '--variant'"),
        (["--instances", "0"], "Invalid value for '--instances'"),
        (["--instances", "-4"], "Invalid value for '--instances'"),
        (["--templates-dir", "/no/such/folder"], "does not exist"),
        (["--seed", "x"], "Invalid value for '--seed'"),
    ],
)
def test_bad_options_are_usage_errors(args: list[str], needle: str) -> None:
    _refused(run(*args), 2, needle)


def test_a_folder_without_templates_is_refused(tmp_path: Path) -> None:
    result = run("--templates-dir", str(tmp_path), "--out", str(tmp_path / "out"))
    _refused(result, 2, "No GSM-Symbolic template folder")


def test_out_must_be_a_folder_outside_the_repository(templates: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("x", encoding="utf-8")
    _refused(run("--templates-dir", str(templates), "--out", str(a_file)), 2, "is a file")
    root = repository_root()
    assert root is not None
    inside = root / "generated-here"
    _refused(run("--templates-dir", str(templates), "--out", str(inside)), 2, "CC BY-NC-ND")
    assert not inside.exists()


def test_bad_template_selection_is_refused(templates: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    _refused(run("--templates-dir", str(templates), "--templates", "5-2", "--out", out), 2,
             "runs backwards")  # fmt: skip
    _refused(run("--templates-dir", str(templates), "--variant", "p2", "--templates", "49-60",
                 "--out", out), 2, "no template file: 50")  # fmt: skip


def test_generate_writes_loadable_files_and_a_summary(templates: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("--templates-dir", str(templates), "--variant", "p2", "--templates", "0-2",
                 "--instances", "3", "--seed", "4", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "p2: 9 instances from 3 templates" in result.output
    assert "do not share or commit" in result.output
    problems = load_gsm_symbolic(out / "GSM_p2.jsonl")
    assert [p.id for p in problems][:4] == ["0-0", "0-1", "0-2", "1-0"]
    meta = json.loads((out / "generate.meta.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 4 and meta["variants"]["p2"]["records"] == 9
    assert "CC BY-NC-ND" in meta["license"]
    assert not (out / "GSM_symbolic.jsonl").exists()


def test_check_passes_on_the_real_templates(templates: Path) -> None:
    result = run("--templates-dir", str(templates), "--check", "--variant", "main")
    assert result.exit_code == 0, result.output
    assert "main: 100 templates" in result.output
    assert "0 unexplained problem(s)" in result.output


def test_check_fails_on_an_unexplained_difference(tmp_path: Path) -> None:
    folder = tmp_path / "symbolic"
    folder.mkdir()
    record = {
        "question": "Ada has 3 apples. How many apples does Ada have?",
        "answer": "She has 3.\n#### 3",
        "id_orig": 1,
        "id_shuffled": 0,
        "question_annotated": "{name,Ada} has {x,3} pears. How many pears does {name,Ada} "
        "have?\n\n#init:\n- name = sample(names_female)\n- $x = range(2, 9)\n\n"
        "#answer: x",
        "answer_annotated": "She has {x}.\n#### {x}",
    }
    (folder / "0000.json").write_text(json.dumps(record), encoding="utf-8")
    result = run("--templates-dir", str(tmp_path), "--check", "--variant", "main")
    assert result.exit_code == 1
    assert "symbolic/0000: its defaults do not give back its question" in result.stderr
