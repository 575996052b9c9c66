"""Sleep-time verification of anticipated answers: only traceable answers are served."""

from __future__ import annotations

import pytest

from sleeptime.sleep.verify import verify_answer, verify_anticipated

CONTEXT = "The office has 3 rooms. Each room seats 8 people. Coffee is $2 a cup. Ana runs it."


@pytest.mark.parametrize(
    "answer",
    ["3 * 8 = 24 seats", "$2", "Ana", "24 (reached by 2 of 3 workings)", "3 rooms"],
)
def test_traceable_answers_are_verified(answer: str) -> None:
    assert verify_answer(answer, CONTEXT, {24})[0], answer


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ("3 * 8 = 25", "calculator"),
        ("26 seats", "neither in the context"),
        ("Maria", "does not appear"),
        ("24 (unconfirmed: other workings disagree)", "different answer"),
        ("12 * 7 = 74 [calculator: 12 * 7 = 84]", "marked wrong"),
        ("a lot", "nothing in it"),
    ],
)
def test_untraceable_or_wrong_answers_are_not(answer: str, why: str) -> None:
    verified, reason = verify_answer(answer, CONTEXT, {24})
    assert not verified and why in reason


def test_results_of_checked_calculations_in_the_notes_count_as_traced() -> None:
    items = [{"question": "Seats?", "answer": "24", "source": "notes"}]
    [checked] = verify_anticipated(items, CONTEXT, "Seats: 3 * 8 = 24")
    assert checked["verified"] and "checked calculation" in checked["verification"]
    [unchecked] = verify_anticipated(items, CONTEXT, "Seats: 24")
    assert not unchecked["verified"]
    assert items[0] == {"question": "Seats?", "answer": "24", "source": "notes"}
