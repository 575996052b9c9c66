"""Every real template against its own defaults (files read from ../shared/data at run time)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from sleeptime.benchmark.generate import load_templates, parse_template
from sleeptime.benchmark.generate.check import DefaultsReport, check_defaults
from sleeptime.benchmark.generate.known import ANSWER_SOURCE, QUESTION_DIFFERS
from sleeptime.benchmark.generate.sampler import PreparedTemplate
from sleeptime.benchmark.generate.template import TemplateError


@pytest.fixture(scope="module")
def templates_dir() -> Path:
    """``../shared/data/gsm-symbolic/templates`` (module scope: preparing 250 takes a while)."""
    folder = (Path(__file__).parents[2] / ".." / "shared" / "data").resolve()
    folder = folder / "gsm-symbolic" / "templates"
    if not folder.is_dir():
        pytest.skip(f"GSM-Symbolic templates not found at {folder} (needs ../shared/data)")
    return folder


@pytest.fixture(scope="module")
def reports(templates_dir: Path) -> dict[str, dict[int, DefaultsReport]]:
    """Every template prepared and checked on its defaults, once per module."""
    return {
        variant: {
            t.id: check_defaults(PreparedTemplate(t))
            for t in load_templates(templates_dir, variant)
        }
        for variant in ("main", "p1", "p2")
    }


def test_all_250_templates_parse_and_prepare(
    reports: dict[str, dict[int, DefaultsReport]],
) -> None:
    assert {v: len(r) for v, r in reports.items()} == {"main": 100, "p1": 100, "p2": 50}


def test_main_defaults_give_back_the_question_except_the_listed_rewordings(
    reports: dict[str, dict[int, DefaultsReport]],
) -> None:
    main = reports["main"]
    differs = {i for i, r in main.items() if r.question == "differs"}
    assert differs == set(QUESTION_DIFFERS)
    exact = sum(r.question == "exact" for r in main.values())
    whitespace = sum(r.question == "whitespace" for r in main.values())
    assert (exact, whitespace, len(differs)) == (44, 9, 47)


def test_main_answer_on_defaults_equals_the_files_final_number(
    reports: dict[str, dict[int, DefaultsReport]],
) -> None:
    statuses = {i: r.answer_status for i, r in reports["main"].items()}
    assert {i for i, s in statuses.items() if s != "ok"} == {62}
    assert statuses[62] == "listed" and "symbolic/0062" in ANSWER_SOURCE
    for report in reports["main"].values():
        assert report.expected is not None
        assert report.computed is not None or report.label == "symbolic/0062"


def test_p1_p2_answer_and_worked_answer_agree_on_defaults_that_fit(
    reports: dict[str, dict[int, DefaultsReport]],
) -> None:
    for variant in ("p1", "p2"):
        for report in reports[variant].values():
            assert report.question == "not comparable"
            assert report.answer_status != "mismatch", report
            if report.answer_status == "defaults break conditions":
                assert report.failed_conditions


def test_every_listed_answer_source_names_a_real_disagreement(templates_dir: Path) -> None:
    for label in ANSWER_SOURCE:
        folder, name = label.split("/")
        variant = {"symbolic": "main"}.get(folder, folder)
        template = parse_template(templates_dir / folder / f"{name}.json", variant)
        worked = template.answer_annotated.rsplit("####", 1)[1].strip().strip("{}")
        assert worked.replace(" ", "") != template.answer_expr.replace(" ", ""), label


def test_broken_template_files_fail_with_the_file_named(tmp_path: Path) -> None:
    folder = tmp_path / "symbolic"
    folder.mkdir()
    bad = folder / "0001.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"symbolic/0001\.json"):
        parse_template(bad, "main")
    record = {
        "question": "q",
        "answer": "#### 1",
        "answer_annotated": "#### {x}",
        "question_annotated": "{x,1} apples\n#init:\n- $x = range(2, 3)\n#conditions:\n"
        "- x > 5\n#answer: x",
    }
    bad.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"symbolic/0001.*no values of x satisfy"):
        PreparedTemplate(parse_template(bad, "main"))
    record["question_annotated"] = "{x,1}\n#init:\n- $x = __import__('os')\n#answer: x"
    bad.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(TemplateError, match="not allowed"):
        PreparedTemplate(parse_template(bad, "main"))
    record["question_annotated"] = "{x,1}\n#init:\n- $x = range(1, 3)\n#answer: x"
    record["answer_annotated"] = "{x.__class__}\n#### {x}"
    bad.write_text(json.dumps(record), encoding="utf-8")
    prepared = PreparedTemplate(parse_template(bad, "main"))
    with pytest.raises(TemplateError, match=r"last error.*not allowed"):
        prepared.sample(random.Random(0), set(), max_tries=10)
