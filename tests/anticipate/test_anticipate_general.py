"""Seventh-round matching rules (match2.8): general English alternations, each with the
near-misses it must still refuse.

The pairs are written for these tests, not taken from the evaluation sets; every rule is
meant for text the matcher has never seen, so each is tested on words of other contexts.
"""

from __future__ import annotations

import pytest

from sleeptime.anticipate import compare_questions


def _same(asked: str, stored: str) -> None:
    verdict = compare_questions(asked, stored)
    assert verdict.ok, verdict.reason


def _differs(asked: str, stored: str) -> None:
    verdict = compare_questions(asked, stored)
    assert not verdict.ok, verdict.reason


@pytest.mark.parametrize(
    ("asked", "stored"),
    [
        ("When will the evening class begin?", "When does the evening class begin?"),
        ("When does the ferry leave Oban?", "When will the ferry leave Oban?"),
        ("How long will the repair take?", "How long does the repair take?"),
        ("How often will the shuttle run?", "How often does the shuttle run?"),
        ("When will the second instalment be due?", "When is the second instalment due?"),
    ],
)
def test_a_timetable_present_is_a_future(asked: str, stored: str) -> None:
    _same(asked, stored)


@pytest.mark.parametrize(
    ("asked", "stored"),
    [
        # another question word: the present may be about now
        ("Who will coach the juniors?", "Who coaches the juniors?"),
        ("How much will the membership cost?", "How much does the membership cost?"),
        # a past is never a timetable
        ("When did the evening class begin?", "When does the evening class begin?"),
        ("When did the evening class begin?", "When will the evening class begin?"),
        ("How long did the repair take?", "How long will the repair take?"),
    ],
)
def test_a_timetable_present_keeps_other_tenses_apart(asked: str, stored: str) -> None:
    _differs(asked, stored)
