"""Pulling "The answer is X" out of a reply."""

from __future__ import annotations

import pytest

from sleeptime.answer import final_answer


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("The answer is $1,234.", "$1,234"),
        ("the answer is: **42**", "42"),
        ("So the answer is **12 apples**.\nDone.", "12 apples"),
        ("The answer is 3.5.", "3.5"),
        ("The answer is 3.5", "3.5"),
        ("The answer is $1,234.56.", "$1,234.56"),
        ("THE ANSWER IS Paris. It is a nice city.", "Paris"),
        ("Reasoning first.\nThe answer is 17", "17"),
        ("The answer is 7\nsome trailing text", "7"),
        ("  The answer is 9.  \n\n", "9"),
    ],
)
def test_extracts_the_answer(reply: str, expected: str) -> None:
    assert final_answer(reply) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("The answer is 3. Checking again, the answer is 5.", "5"),
        ("The answer is: 7\nThe answer is 8", "8"),
        ("First the answer is **1**.\nThen the answer is **2**.\nFinally the answer is 3.", "3"),
    ],
)
def test_the_last_occurrence_wins(reply: str, expected: str) -> None:
    assert final_answer(reply) == expected


@pytest.mark.parametrize(
    "reply", ["", "   ", "I think it is 42.", "The answers are many.", "The answer is."]
)
def test_no_answer_gives_none(reply: str) -> None:
    assert final_answer(reply) is None
