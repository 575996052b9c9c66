"""Both-ways checks of a question pair against the rules and the accept guard.

Each role rule of the matcher (payer and paid, the asker and another party) is pinned by
pairs that must be refused and pairs that must still match; the rules and the accept
guard are checked alike, in both directions, so one helper says what that means.
"""

from __future__ import annotations

from sleeptime.anticipate import canonical, compare_questions
from sleeptime.anticipate.accept import content_differs, hard_slots_differ


def assert_refused_both_ways(asked: str, stored: str) -> None:
    """Neither the rules nor the guard lets either question stand for the other."""
    for x, y in ((asked, stored), (stored, asked)):
        assert not compare_questions(x, y).ok, (x, y)
        a, b = canonical(x), canonical(y)
        assert hard_slots_differ(a, b) is not None or content_differs(a, b) is not None, (x, y)


def assert_same_both_ways(asked: str, stored: str) -> None:
    """The rules match the pair in both directions and its hard slots agree."""
    for x, y in ((asked, stored), (stored, asked)):
        verdict = compare_questions(x, y)
        assert verdict.ok, (x, y, verdict.reason)
        assert hard_slots_differ(canonical(x), canonical(y)) is None
