"""GSM and AIME graders on tricky reply strings."""

from __future__ import annotations

import pytest

from sleeptime.benchmark import grade_aime, grade_gsm, last_boxed
from sleeptime.errors import InputError


@pytest.mark.parametrize(
    ("reply", "reference"),
    [
        ("The answer is 18.", "18"),
        ("18.0", "18"),
        ("She pays $18.", "18"),
        ("That makes 18 dollars", "18"),
        ("Total: $1,234.", "1234"),
        ("It is 1,234,567 grains", "1234567"),
        ("3/4", "0.75"),
        ("The answer is 0.75", "3/4"),
        ("\\frac{3}{4} of the cake", "0.75"),
        ("25%", "25"),
        ("A 25% share", "0.25"),
        ("The temperature is -5 degrees", "-5"),
        ("The answer is −12", "-12"),
        ("She has 12.50 left", "12.5"),
        ("The answer is: **42** apples. Check: 40 + 2 = 42 and 7 more", "42"),
        ("The answer is $2.50. Then 3 more steps", "2.5"),
        ("Final answer: 7", "7"),
        ("So \\boxed{12} pies", "12"),
        ("5 - 3 = 2", "2"),
        ("1, 2, 3", "3"),
        ("Answer.\n#### 18", "#### 18"),
    ],
)
def test_gsm_correct(reply: str, reference: str) -> None:
    result = grade_gsm(reply, reference)
    assert result.correct, result
    assert result.extracted is not None


@pytest.mark.parametrize(
    ("reply", "reference"),
    [
        (
            "The answer is 17. Earlier I said 18",
            "18",
        ),  # the stated answer wins over the last number
        ("18 apples cost 3 dollars", "18"),  # the paper's rule: the last number
        ("It is 1.8", "18"),
        ("Between 3-5 apples", "-5"),  # a hyphen between numbers is not a sign
        ("12.5%", "0.125 extra"),
        ("", "18"),
        ("no idea", "18"),
    ],
)
def test_gsm_wrong(reply: str, reference: str) -> None:
    if reference == "0.125 extra":
        assert grade_gsm(reply, "0.125").correct  # 12.5% may stand for 0.125
        return
    assert not grade_gsm(reply, reference).correct


def test_gsm_result_explains_itself() -> None:
    result = grade_gsm("", "18")
    assert (result.correct, result.extracted) == (False, None)
    assert "no number" in result.reason
    assert "expected 18" in grade_gsm("It is 17", "18").reason


def test_gsm_reference_must_be_a_number() -> None:
    with pytest.raises(InputError, match="GSM reference"):
        grade_gsm("18", "eighteen")
    assert grade_gsm("18", 18).correct


@pytest.mark.parametrize(
    ("reply", "reference"),
    [
        ("So the answer is \\boxed{33}.", 33),
        ("\\boxed{033}", "033"),
        ("\\boxed{033}", 33),
        ("First \\boxed{5}, on reflection \\boxed{6}", 6),
        ("\\boxed{ 204 }", "204"),
        ("\\boxed{x = 5}", 5),
        ("$\\boxed{\\text{70}}$", 70),
        ("\\boxed{70.}", 70),
        ("The answer is 204.", "204"),
        ("The answer is **204**", 204),
        ("We get 3.5 then 17 in the end", 17),
        ("\\boxed{{7}}", 7),
    ],
)
def test_aime_correct(reply: str, reference: str | int) -> None:
    result = grade_aime(reply, reference)
    assert result.correct, result


@pytest.mark.parametrize(
    ("reply", "reference"),
    [
        ("\\boxed{\\frac{1}{2}}", 1),
        ("\\boxed{\\frac{1}{2}} and 2", 2),  # a non-integer boxed answer is not rescued
        ("\\boxed{12} then the last number 13", 13),
        ("It is 3.5", 3),
        ("no digits", 1),
        ("\\boxed{}", 0),
    ],
)
def test_aime_wrong(reply: str, reference: int) -> None:
    assert not grade_aime(reply, reference).correct


def test_aime_result_fields_and_bad_reference() -> None:
    result = grade_aime("\\boxed{\\frac{1}{2}}", 1)
    assert result.extracted == "\\frac{1}{2}"
    assert "not an integer" in result.reason
    with pytest.raises(InputError, match="AIME reference"):
        grade_aime("1", "1/2")


def test_last_boxed_handles_nested_braces() -> None:
    assert last_boxed("\\boxed{\\frac{1}{2}} then \\boxed{\\sqrt{\\frac{a}{b}}}") == (
        "\\sqrt{\\frac{a}{b}}"
    )
    assert last_boxed("\\boxed{unclosed") is None
    assert last_boxed("none") is None


def test_notes_coverage_finds_the_reference_among_numbers_and_anticipated_answers() -> None:
    from sleeptime.benchmark.grading import notes_coverage

    notes = "Apples: 3 * 4 = 12\nQ: How many apples?\nA: 3 * 4 = 12 apples\nPrice: $2.50"
    assert notes_coverage(notes, "12") == {"anywhere": True, "in_answer": True}
    assert notes_coverage(notes, "2.5") == {"anywhere": True, "in_answer": False}
    assert notes_coverage(notes, "#### 7") == {"anywhere": False, "in_answer": False}
    assert notes_coverage("Half is 50%.", "0.5")["anywhere"]
