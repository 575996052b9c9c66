"""The model-free check of a generated question's calculation (Multi-Query sets)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from sleeptime.benchmark.multiquery_check import check_calculation, grounded_numbers

CONTEXT = (
    "A bakery sells muffins at $2.50 each and a dozen cookies for $6. On Monday it sold "
    "forty muffins and twice as many cookies as muffins. Rent is 15% of the week's sales."
)


@pytest.mark.parametrize(
    ("calc", "answer", "question"),
    [
        ("40 * 2.50", "100", "How much did the muffins bring in on Monday?"),
        ("40 * 2 / 12 * 6", "40", "What did Monday's cookies earn, in dollars?"),
        ("(40 * 2.5) * 15%", "15", "What rent would the muffin sales alone owe?"),
        ("2.50 * 7", "17.5", "What would one muffin a day for a week cost?"),
        ("12 * 3", "36", "How many cookies are in three dozen?"),  # "three" in the question
    ],
)
def test_a_grounded_right_calculation_is_kept(calc: str, answer: str, question: str) -> None:
    verdict = check_calculation(calc, answer, context=CONTEXT, question=question)
    assert verdict.ok, verdict.reason


@pytest.mark.parametrize(
    ("calc", "answer", "question", "why"),
    [
        (None, "100", "How much?", "no calculation"),
        ("100", "100", "How much?", "not plain arithmetic"),
        ("40 * 2.50", "110", "How much?", "gives 100, not the stated 110"),
        ("40 * 2.75", "110", "How much?", "2.75 is in neither"),
        ("40 / 3", "13.33", "How many?", "not a whole or cents value"),
        ("6 - 40", "-34", "How many?", "not a whole or cents value"),
        ("40 * 2 + 20", "100", "How many items?", "20 is in neither"),
        ("40 + 60", "100", "With 60 more muffins, would they reach 100?", "states its own"),
        ("import os", "1", "How?", "not plain arithmetic"),
        ("1" * 400, "1", "How?", "too long"),
    ],
)
def test_a_calculation_that_does_not_hold_is_refused_with_the_reason(
    calc: str | None, answer: str, question: str, why: str
) -> None:
    verdict = check_calculation(calc, answer, context=CONTEXT, question=question)
    assert not verdict.ok
    assert why in verdict.reason


def test_grounded_numbers_read_digits_words_and_the_units_the_text_calls_for() -> None:
    found = grounded_numbers(CONTEXT, "How much per day?")
    assert {Fraction(5, 2), Fraction(6), Fraction(40), Fraction(15), Fraction(12)} <= found
    assert {Fraction(7), Fraction(24), Fraction(365)} <= found  # "week", "day"
    assert Fraction(60) not in found  # nothing about hours or minutes
    assert Fraction(60) in grounded_numbers(CONTEXT, "How many minutes?")
    assert Fraction(1, 2) in grounded_numbers("Half of the 30 eggs broke.", "How many?")
    assert Fraction(1200) in grounded_numbers("It costs $1,200.", "How much?")
