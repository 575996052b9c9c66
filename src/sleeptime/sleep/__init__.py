"""Sleep time: ``S(c) -> c'``, the model thinks about a context before any question."""

from sleeptime.sleep.arithmetic import ArithmeticCheck, check_notes
from sleeptime.sleep.combine import combine, combine_notes
from sleeptime.sleep.consensus import choose_by_consensus
from sleeptime.sleep.events import EventSink, SleepEvent, SleepEventKind
from sleeptime.sleep.recipes import RECIPE_VERSION, Recipe, SleepBudget, parse_recipe
from sleeptime.sleep.recorder import RunRecorder, RunStoppedError
from sleeptime.sleep.rethink import LoopOutcome, rethink_loop
from sleeptime.sleep.runner import (
    Notes,
    SleepResult,
    check_fits,
    compute_notes,
    run_sleep,
)
from sleeptime.sleep.solve import SolveOutcome, solve_ahead

__all__ = [
    "RECIPE_VERSION",
    "ArithmeticCheck",
    "EventSink",
    "LoopOutcome",
    "Notes",
    "Recipe",
    "RunRecorder",
    "RunStoppedError",
    "SleepBudget",
    "SleepEvent",
    "SleepEventKind",
    "SleepResult",
    "SolveOutcome",
    "check_fits",
    "check_notes",
    "choose_by_consensus",
    "combine",
    "combine_notes",
    "compute_notes",
    "parse_recipe",
    "rethink_loop",
    "run_sleep",
    "solve_ahead",
]
