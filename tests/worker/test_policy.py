"""The size of a background run: light for unasked contexts, shrunk to the daily budget."""

from __future__ import annotations

from sleeptime.sleep import SleepBudget, parse_recipe
from sleeptime.worker.policy import LIGHT_ROUNDS, round_tokens, size_run


def test_an_unasked_context_gets_a_light_sleep() -> None:
    sized = size_run(
        0.0, parse_recipe("vote:3"), SleepBudget(max_rounds=10), context_chars=4000,
        remaining_tokens=None,
    )  # fmt: skip
    assert sized.recipe.k == 1 and sized.budget.max_rounds == LIGHT_ROUNDS
    assert "light" in sized.reason


def test_an_asked_context_gets_the_configured_recipe() -> None:
    sized = size_run(
        2.5, parse_recipe("vote:3"), SleepBudget(max_rounds=10), context_chars=4000,
        remaining_tokens=None,
    )  # fmt: skip
    assert (sized.recipe.k, sized.recipe.combine, sized.budget.max_rounds) == (3, "vote", 10)


def test_the_run_shrinks_to_the_remaining_budget_rounds_first() -> None:
    budget = SleepBudget(max_rounds=10)
    per_round = round_tokens(budget, 4000)
    sized = size_run(
        2.5, parse_recipe("vote:3"), budget, context_chars=4000,
        remaining_tokens=per_round * 6,
    )  # fmt: skip
    assert sized.recipe.k * sized.budget.max_rounds <= 6
    assert sized.recipe.k == 3 and sized.budget.max_rounds == 2
    tiny = size_run(
        2.5, parse_recipe("vote:3"), budget, context_chars=4000, remaining_tokens=per_round
    )
    assert (tiny.recipe.k, tiny.budget.max_rounds) == (1, 1) and "daily budget" in tiny.reason
