"""Scheduling sleep: which contexts deserve sleep-time compute first, and why."""

from sleeptime.scheduling.gather import gather_inputs
from sleeptime.scheduling.priority import (
    Priority,
    PriorityInputs,
    decayed_rate,
    predictability_from_logprob,
    priority_of,
    rank,
)

__all__ = [
    "Priority",
    "PriorityInputs",
    "decayed_rate",
    "gather_inputs",
    "predictability_from_logprob",
    "priority_of",
    "rank",
]
