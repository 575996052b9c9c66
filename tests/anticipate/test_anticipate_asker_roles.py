"""The asker and another party keep their roles around a verb (match2.15).

The reader drops the asker's own pronouns ("I", "me", "you", "we", "us"), so "When do
you pay the landlord?" and "When does the landlord pay you?" both read as "pay" and
"landlord" in another order, one word moved, which the word-order test allows for moved
clauses: the rules served one for the other, and fresh12's blind look found the accept
path serving "How soon should you phone a volunteer after you apply?" the answer to
"How soon does a volunteer phone you after you apply?". Now where each dropped pronoun
stood is kept (``Canonical.asker_at``) and ``align.asker_swapped`` refuses the pair, in
the rules and in the accept guard. Except for that one, the pairs below are written for
these tests, not taken from the evaluation sets.
"""

from __future__ import annotations

import pytest

from helpers.anticipate_pairs import assert_refused_both_ways, assert_same_both_ways
from sleeptime.anticipate import canonical

SWAPPED = [
    ("When do you pay the landlord?", "When does the landlord pay you?"),
    ("How soon should you phone a volunteer after you apply?",
     "How soon does a volunteer phone you after you apply?"),
    ("When does the bank email you?", "When do you email the bank?"),
    ("How often do we visit the nursery?", "How often does the nursery visit us?"),
    ("How long does the coach wait for me?", "How long do I wait for the coach?"),
    ("When do I call the surgery?", "When does the surgery call me?"),
]  # fmt: skip

SAME = [
    ("How long do you simmer the sauce?", "How long does the sauce simmer?"),
    ("When do you pay the landlord?", "When do I pay the landlord?"),
    ("When does the landlord pay you?", "When does the landlord pay me?"),
    ("When do you collect the keys?", "When are the keys collected?"),
    ("When should you phone the volunteer?", "When must you phone the volunteer?"),
    ("When does the surgery call patients?", "When are patients called by the surgery?"),
]  # fmt: skip


@pytest.mark.parametrize(("asked", "stored"), SWAPPED)
def test_the_rules_and_the_guard_refuse_the_asker_and_another_swapped(
    asked: str, stored: str
) -> None:
    assert_refused_both_ways(asked, stored)


@pytest.mark.parametrize(("asked", "stored"), SAME)
def test_the_asker_in_the_same_role_still_matches(asked: str, stored: str) -> None:
    assert_same_both_ways(asked, stored)


def test_the_dropped_pronouns_are_read_with_their_places() -> None:
    assert canonical("When do you pay the landlord?").asker_at == (0,)
    assert canonical("When does the landlord pay you?").asker_at == (2,)
    assert canonical("How long does the sauce simmer?").asker_at == ()
    assert canonical("When does he pay the landlord?").asker_at == ()
