"""The fix after fresh8's first look (match2.13): "thank you" is politeness only as a frame.

Inside a question it can be a name: "What do Thank You backers get?" asks about one reward
tier, so it must not meet "What do backers get?" (fresh8's one false hit, a condition
added that read as a filler). The pairs are written for this test.
"""

from __future__ import annotations

import pytest

from sleeptime.anticipate import compare_questions


@pytest.mark.parametrize(
    ("asked", "stored", "same"),
    [
        # thanks around the question: politeness, as before
        ("What time does the pool open, thanks?", "What time does the pool open?", True),
        ("When is the bin collected? Thank you!", "When is the bin collected?", True),
        ("Thanks, what time does the pool open?", "What time does the pool open?", True),
        ("Thank you so much. When is the bin collected?", "When is the bin collected?", True),
        # inside the question: a word of the question, here a name
        ("What do Thank You members get?", "What do members get?", False),
        ("Who sends the Thanks card?", "Who sends the card?", False),
        ("How much is the Thank You tier?", "How much is the tier?", False),
    ],
)
def test_thanks_is_politeness_only_around_the_question(asked: str, stored: str, same: bool) -> None:
    verdict = compare_questions(asked, stored)
    assert verdict.ok is same, verdict.reason
