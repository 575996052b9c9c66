"""How much sleep a context gets: its priority chooses the recipe size within the budget.

A context nobody has asked about yet (priority 0: no query rate, so no expected benefit)
gets a light sleep — one loop of ``LIGHT_ROUNDS`` rounds — so it has notes soon and at
little cost. A context that is being asked about gets the configured recipe (``k`` loops
of up to ``max_rounds`` rounds). Either way the run is shrunk to fit what is left of the
daily sleep-token budget: rounds first, then loops, estimated from the context's size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sleeptime.sleep.recipes import Recipe, SleepBudget

LIGHT_ROUNDS = 3
CHARS_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class Sized:
    """The recipe and budget chosen for one background run, and why."""

    recipe: Recipe
    budget: SleepBudget
    reason: str


def round_tokens(budget: SleepBudget, context_chars: int) -> int:
    """Tokens one rethink round costs, roughly: the context, the notes, and the reply."""
    return (context_chars + budget.memory_chars) // CHARS_PER_TOKEN + budget.round_max_tokens


def size_run(
    priority: float,
    recipe: Recipe,
    budget: SleepBudget,
    *,
    context_chars: int,
    remaining_tokens: int | None,
) -> Sized:
    """Choose loops and rounds for a run on a context with this ``priority``."""
    if priority <= 0:
        recipe = replace(recipe, k=1)
        budget = replace(budget, max_rounds=min(budget.max_rounds, LIGHT_ROUNDS))
        reason = "not asked about yet: a light sleep"
    else:
        reason = f"priority {priority:.3g}: the configured recipe"
    if remaining_tokens is not None:
        per_round = max(round_tokens(budget, context_chars), 1)
        affordable = remaining_tokens // per_round
        k, rounds = recipe.k, budget.max_rounds
        while k * rounds > affordable and rounds > 1:
            rounds -= 1
        while k * rounds > affordable and k > 1:
            k -= 1
        if (k, rounds) != (recipe.k, budget.max_rounds):
            reason += f"; shrunk to {k} loop(s) x {rounds} round(s) for the daily budget"
        recipe = replace(recipe, k=k)
        budget = replace(budget, max_rounds=rounds)
    return Sized(recipe=recipe, budget=budget, reason=reason)
