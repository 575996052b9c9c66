"""Generated instances: seeded bytes, loader compatibility, and P2 against upstream's file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sleeptime.benchmark import load_gsm_symbolic
from sleeptime.benchmark.generate import (
    check_out_dir,
    generate_variant,
    load_templates,
    parse_selection,
    write_variant,
)
from sleeptime.benchmark.generate.generate import VariantResult, repository_root
from sleeptime.benchmark.generate.render import as_number, final_of
from sleeptime.benchmark.generate.sampler import PreparedTemplate, template_rng
from sleeptime.benchmark.generate.stats import Comparison, compare, read_shipped
from sleeptime.benchmark.generate.template import TemplateError
from sleeptime.benchmark.generate.validate import (
    MAX_MEDIAN_LENGTH_DRIFT,
    MIN_SHARE_ANSWERS_INSIDE,
    MIN_SHARE_LENGTH_CLOSE,
)
from sleeptime.errors import InputError

P2_INSTANCES = 30


@pytest.fixture(scope="module")
def symbolic() -> Path:
    root = (Path(__file__).parents[2] / ".." / "shared" / "data" / "gsm-symbolic").resolve()
    if not (root / "templates").is_dir():
        pytest.skip(f"GSM-Symbolic templates not found at {root} (needs ../shared/data)")
    return root


@pytest.fixture(scope="module")
def generated_p2(symbolic: Path) -> VariantResult:
    return generate_variant(symbolic / "templates", "p2", P2_INSTANCES, seed=0)


def test_same_seed_same_bytes_other_seed_other_problems(symbolic: Path, tmp_path: Path) -> None:
    first = generate_variant(symbolic / "templates", "main", 3, seed=5, selection={0, 1, 2})
    again = generate_variant(symbolic / "templates", "main", 3, seed=5, selection={0, 1, 2})
    other = generate_variant(symbolic / "templates", "main", 3, seed=6, selection={0, 1, 2})
    a = write_variant(tmp_path / "a", first).read_bytes()
    b = write_variant(tmp_path / "b", again).read_bytes()
    assert a == b and len(a.splitlines()) == 9
    assert [r["question"] for r in first.records] != [r["question"] for r in other.records]


def test_a_subset_keeps_the_problems_of_the_templates_it_keeps(symbolic: Path) -> None:
    wide = generate_variant(symbolic / "templates", "p1", 2, seed=1, selection=set(range(8)))
    narrow = generate_variant(symbolic / "templates", "p1", 2, seed=1, selection={3, 7})
    assert narrow.records == [r for r in wide.records if r["id"] in (3, 7)]


def test_the_loader_reads_generated_files_unchanged(symbolic: Path, tmp_path: Path) -> None:
    for variant, dataset in (("main", "gsm-symbolic"), ("p1", "gsm-symbolic-p1")):
        result = generate_variant(symbolic / "templates", variant, 2, seed=0, selection={4, 9})
        write_variant(tmp_path, result)
        problems = load_gsm_symbolic(tmp_path, variant=variant)  # type: ignore[arg-type]
        assert [p.id for p in problems] == ["4-0", "4-1", "9-0", "9-1"]
        assert {p.dataset for p in problems} == {dataset}
        for problem, record in zip(problems, result.records, strict=True):
            assert problem.original == record["question"]
            assert problem.answer == final_of(record["answer"])
            assert as_number(problem.answer) is not None
            assert record["generator_version"] and record["seed"] == 0


def test_output_never_goes_into_the_repository_or_onto_a_file(tmp_path: Path) -> None:
    root = repository_root()
    assert root is not None  # the tests run from the checkout
    with pytest.raises(InputError, match="CC BY-NC-ND"):
        check_out_dir(root / "generated")
    with pytest.raises(InputError, match="CC BY-NC-ND"):
        check_out_dir(root / "src" / ".." / "data")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="is a file"):
        check_out_dir(a_file)
    assert check_out_dir(tmp_path / "new") == (tmp_path / "new").resolve()


def test_template_selection_syntax() -> None:
    assert parse_selection("0-3, 7,9-9") == {0, 1, 2, 3, 7, 9}
    for bad in ("", "a", "3-1", "1-2-3", "-1"):
        with pytest.raises(InputError):
            parse_selection(bad)


def test_generated_p2_matches_the_shipped_statistics(
    symbolic: Path, generated_p2: VariantResult
) -> None:
    assert generated_p2.skipped == {}
    assert generated_p2.templates == 50 and len(generated_p2.records) == 50 * P2_INSTANCES
    assert generated_p2.repeats == 0
    comparison = compare(generated_p2.records, read_shipped(_shipped(symbolic)))
    assert len(comparison.templates) == 50
    _assert_close(comparison)


def test_a_generator_that_ignores_conditions_fails_the_statistics(symbolic: Path) -> None:
    records = []
    for template in load_templates(symbolic / "templates", "p2"):
        prepared = PreparedTemplate(dataclasses.replace(template, conditions=()))
        rng = template_rng(0, "p2", template.id)
        seen: set[str] = set()
        for _ in range(P2_INSTANCES):
            try:
                instance, _ = prepared.sample(rng, seen, max_tries=500)
            except TemplateError:
                break
            seen.add(instance.question)
            records.append({"id": template.id, "question": instance.question,
                            "answer": instance.answer})  # fmt: skip
    comparison = compare(records, read_shipped(_shipped(symbolic)))
    answers, _ = comparison.share()
    assert answers < MIN_SHARE_ANSWERS_INSIDE


def _shipped(symbolic: Path) -> Path:
    path = symbolic / "generated_data" / "GSM_p2.jsonl"
    if not path.is_file():
        pytest.skip(f"shipped P2 file not found at {path}")
    return path


def _assert_close(comparison: Comparison) -> None:
    answers, lengths = comparison.share()
    assert answers >= MIN_SHARE_ANSWERS_INSIDE
    assert lengths >= MIN_SHARE_LENGTH_CLOSE
    drift = comparison.length_median_generated / comparison.length_median_shipped - 1
    assert abs(drift) <= MAX_MEDIAN_LENGTH_DRIFT
