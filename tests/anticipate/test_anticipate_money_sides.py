"""Payer and paid keep their sides of a dropped money verb (match2.14).

In a "how much" question "pay", "spend" and "cost" are dropped as saying nothing the
question word does not ("How much does X cost?" = "How much is X?"). With the verb gone,
"How much does the landlord pay the tenant?" and "How much does the tenant pay the
landlord?" differed only by one word moved, which the word-order test allows for moved
clauses, so the rules served one for the other. Now the place where the verb stood is
kept (``Canonical.money_verb``) and ``align.money_sides_swapped`` refuses words trading
sides of it, in the rules and in the accept guard. Pairs written for these tests, found by
reasoning, not taken from the evaluation sets.
"""

from __future__ import annotations

import pytest

from helpers.anticipate_pairs import assert_refused_both_ways, assert_same_both_ways
from sleeptime.anticipate import canonical, compare_questions

SWAPPED = [
    ("How much does the landlord pay the tenant?", "How much does the tenant pay the landlord?"),
    ("How much did the club pay the school?", "How much did the school pay the club?"),
    ("How much does the council pay the contractor each month?",
     "How much does the contractor pay the council each month?"),
    ("How much did Priya pay Tom for the bike?", "How much did Tom pay Priya for the bike?"),
    ("How much does the buyer spend on the seller's fees?",
     "How much does the seller spend on the buyer's fees?"),
    ("How much will the sponsor pay the team?", "How much will the team pay the sponsor?"),
    ("How much does the club spend on the school?", "How much does the school pay the club?"),
    ("How much did the coach cost the school?", "How much did the school cost the coach?"),
]  # fmt: skip

SAME = [
    ("How much does the tenant pay the landlord each month?",
     "Each month, how much does the tenant pay the landlord?"),
    ("How much does the tenant pay the landlord in March?",
     "In March, how much does the tenant pay the landlord?"),
    ("How much does a family pay for a season ticket?",
     "How much is a season ticket for a family?"),
    ("How much does a child ticket cost?", "How much is a child ticket?"),
    ("How much does the landlord pay the tenant?", "How much is the tenant paid by the landlord?"),
    ("How much did the school pay for the coach?", "How much did the coach cost the school?"),
    ("How much does the trip cost per person?", "How much does each person pay for the trip?"),
    ("How much does the school spend on the coach?", "How much does the school pay for the coach?"),
    ("How much does it cost?", "How much do I pay?"),
    # nothing after the verb: a moved clause, or whose price it is
    ("For a full retest, how much do you pay?", "How much does a full retest cost?"),
    ("How much does an adult pay per night?", "adult price per night"),
]  # fmt: skip


@pytest.mark.parametrize(("asked", "stored"), SWAPPED)
def test_the_rules_and_the_guard_refuse_payer_and_paid_swapped(asked: str, stored: str) -> None:
    assert_refused_both_ways(asked, stored)


@pytest.mark.parametrize(("asked", "stored"), SAME)
def test_a_moved_clause_or_the_other_money_verb_still_matches(asked: str, stored: str) -> None:
    assert_same_both_ways(asked, stored)


def test_the_dropped_verb_is_read_with_its_place() -> None:
    assert canonical("How much does the landlord pay the tenant?").money_verb == ("pay", 1)
    assert canonical("How much did the coach cost the school?").money_verb == ("cost", 1)
    assert canonical("adult price per night").money_verb == ("cost", 1)
    assert canonical("How much is a child ticket?").money_verb is None
    assert canonical("How many tickets did the tenant pay for?").money_verb is None


def test_pay_against_cost_with_the_same_words_is_left_open() -> None:
    """Known gap, kept visible: "cost" puts the payer after it, but a rate ("per night")
    stands there too, and nothing read tells them apart; so "pay" and "cost" are not
    compared, and this pair, which asks two things, still matches. If a rule ever closes
    it, this test says so and should become a must-refuse pair."""
    assert compare_questions(
        "How much did the coach pay the school?", "How much did the coach cost the school?"
    ).ok
