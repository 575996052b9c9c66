"""The calculator that checks ``expression = value`` claims in notes."""

from __future__ import annotations

import pytest

from sleeptime.sleep.arithmetic import check_notes


@pytest.mark.parametrize(
    "line",
    [
        "3 * 12 = 36",
        "Total = 3 + 4 = 7",
        "3 boxes * 12 eggs = 36 eggs",
        "$12.50 * 4 = $50",
        "3 apples * $2/apple = $6",
        "100 / 3 = 33.33",
        "50 / 200 = 25%",
        "50 / 200 * 100 = 25%",
        "20% * 50 = 10",
        "2 x 3 = 6",
        "4 × 2.5 = 10",
        "9 ÷ 3 = 3",
        "<<12*7=84>>84",
        "So, 1,200 + 300 = 1,500 dollars",
        "3 - 5 = -2",
        "(3 + 4) * 2 = 14",
        "Q: How much in all? A: 5 * 8 = 40 dollars",
    ],
)
def test_right_calculations_pass(line: str) -> None:
    check = check_notes(line)
    assert check.checked == 1, line
    assert check.ok, check.slips


@pytest.mark.parametrize(
    ("line", "correct"),
    [
        ("12 * 7 = 74", "84"),
        ("She earns 5 hours * $12/hour = $61", "60"),
        ("50 / 200 = 30%", "25%"),
        ("(3 + 4) * 2 = 16", "14"),
        ("1,200 + 300 = 1,600", "1500"),
        ("100 / 8 = 12", "12.5"),
    ],
)
def test_wrong_results_are_found_with_the_right_value(line: str, correct: str) -> None:
    check = check_notes(line)
    [slip] = check.slips
    assert slip.correct == correct
    feedback = check.feedback()
    assert feedback is not None and correct in feedback and "recomputed" in feedback


@pytest.mark.parametrize(
    "line",
    [
        "2 hours 30 minutes = 150 minutes",  # not arithmetic: words between numbers
        "x + 3 = 5",  # algebra, not a calculation
        "Total = 42",  # no operation
        "1/3 of 90 = 30",  # a phrase, not an expression
        "10**10**10 = 5",  # powers are not read, so never evaluated
        "__import__('os').system('true') = 3",
        "(lambda: 1)() = 1",
        "[i for i in range(10**9)] = 1",
        "1 / 0 = 5",
        "9" * 300 + " * 2 = 1",
    ],
)
def test_lines_that_are_not_plain_arithmetic_are_left_alone(line: str) -> None:
    check = check_notes(line)
    assert check.checked == 0 and check.ok


def test_chained_results_are_each_checked_and_counted() -> None:
    check = check_notes("3 * 4 = 12 * 2 = 25\nThen 25 + 5 = 30.")
    assert check.checked == 3
    assert [s.expression for s in check.slips] == ["12 * 2"]


def test_feedback_lists_at_most_five_slips() -> None:
    text = "\n".join(f"{i} + 1 = {i + 5}" for i in range(8))
    feedback = check_notes(text).feedback()
    assert feedback is not None and "and 3 more" in feedback
