"""Where to spend sleep compute: a priority per context from its expected benefit.

For each context we estimate, over a planning horizon of ``H`` hours:

- ``rate``: recent queries per hour, exponentially decayed with half-life ``half_life_h``
  (a query ``a`` hours old counts ``0.5 ** (a / half_life_h)``; the sum is divided by
  the decay's mean lifetime ``half_life_h / ln 2`` so a steady stream of ``r`` queries
  per hour gives ``rate ≈ r``);
- ``saved``: test-time tokens saved per query by answering from ``c'`` (measured as the
  mean baseline minus mean sleep tokens when both were asked, else estimated as the
  context's tokens minus the notes' tokens);
- ``predictability``: in (0, 1], the geometric-mean token probability of the anticipated
  questions given the context, ``exp(mean log P(q | c) per token)``; 0.5 when unknown.
  The paper finds sleep-time compute helps more when questions are predictable.
- ``sleep_cost``: tokens one sleep run costs (the last run's, else an estimate).

    benefit  = rate * H * saved * t * (0.5 + predictability)
    priority = benefit / sleep_cost          (0 when the context is already slept on)

``t`` prices a test-time token against a sleep-time token (the paper's t = 10). A
context never queried has ``rate = 0`` and so priority 0: it is slept on last. The
factor ``0.5 + predictability`` keeps unpredictable contexts in play (a factor between
0.5 and 1.5) rather than excluding them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sleeptime.errors import InputError

DEFAULT_PREDICTABILITY = 0.5


@dataclass(frozen=True, slots=True)
class PriorityInputs:
    """What the priority of one context depends on."""

    name: str
    query_ages_h: tuple[float, ...]
    """Age in hours of each recent query (any mode)."""
    saved_tokens_per_query: float
    predictability: float | None
    sleep_cost_tokens: float
    up_to_date: bool
    """True when the current revision already has a complete artifact."""


@dataclass(frozen=True, slots=True)
class Priority:
    """A context's priority and the terms that produced it, for display and logs."""

    name: str
    priority: float
    rate_per_h: float
    benefit: float
    sleep_cost_tokens: float
    predictability: float
    up_to_date: bool


def decayed_rate(ages_h: Iterable[float], half_life_h: float) -> float:
    """Queries per hour from query ages, weighting recent queries more."""
    if half_life_h <= 0:
        raise InputError("the half-life must be positive")
    lifetime_h = half_life_h / math.log(2)
    weights = [0.5 ** (max(age, 0.0) / half_life_h) for age in ages_h]
    return float(sum(weights)) / lifetime_h


def predictability_from_logprob(total_logprob: float, n_tokens: int) -> float:
    """Geometric-mean token probability: exp(log P / tokens), in (0, 1]."""
    if n_tokens <= 0:
        return DEFAULT_PREDICTABILITY
    return min(1.0, math.exp(total_logprob / n_tokens))


def priority_of(
    inputs: PriorityInputs,
    *,
    horizon_h: float = 24.0,
    half_life_h: float = 24.0,
    t: float = 10.0,
) -> Priority:
    """Apply the formula in the module docstring to one context."""
    if horizon_h <= 0 or t <= 0:
        raise InputError("the horizon and t must be positive")
    rate = decayed_rate(inputs.query_ages_h, half_life_h)
    p = inputs.predictability if inputs.predictability is not None else DEFAULT_PREDICTABILITY
    p = min(1.0, max(0.0, p))
    benefit = rate * horizon_h * max(inputs.saved_tokens_per_query, 0.0) * t * (0.5 + p)
    cost = max(inputs.sleep_cost_tokens, 1.0)
    value = 0.0 if inputs.up_to_date else benefit / cost
    return Priority(
        name=inputs.name,
        priority=value,
        rate_per_h=rate,
        benefit=benefit,
        sleep_cost_tokens=cost,
        predictability=p,
        up_to_date=inputs.up_to_date,
    )


def rank(inputs: Iterable[PriorityInputs], **options: float) -> list[Priority]:
    """Priorities, highest first; ties broken by name so the order is stable."""
    return sorted((priority_of(i, **options) for i in inputs), key=lambda p: (-p.priority, p.name))


def age_hours(moment: datetime, now: datetime) -> float:
    """Hours between a stored timestamp and now (never negative)."""
    return max((now - moment).total_seconds() / 3600.0, 0.0)
