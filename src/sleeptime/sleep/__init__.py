"""Sleep time: ``S(c) -> c'``, the model thinks about a context before any question."""

from sleeptime.sleep.events import EventSink, SleepEvent
from sleeptime.sleep.recipes import RECIPE_VERSION, Recipe, SleepBudget, parse_recipe
from sleeptime.sleep.rethink import LoopOutcome, rethink_loop
from sleeptime.sleep.runner import (
    Notes,
    SleepResult,
    check_fits,
    combine_notes,
    compute_notes,
    run_sleep,
)

__all__ = [
    "RECIPE_VERSION",
    "EventSink",
    "LoopOutcome",
    "Notes",
    "Recipe",
    "SleepBudget",
    "SleepEvent",
    "SleepResult",
    "check_fits",
    "combine_notes",
    "compute_notes",
    "parse_recipe",
    "rethink_loop",
    "run_sleep",
]
