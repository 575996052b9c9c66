"""Plan how to draw a template's variables so rejection sampling stays fast and exact.

Plain rejection (draw everything, test every condition, start over) is correct but some
templates accept one draw in 100,000. These rewrites keep the accepted distribution
exactly the same while cutting the work:

* a condition on a single variable filters that variable's domain once, up front;
* variables tied by conditions whose joint domain is small are enumerated together once,
  keeping only the combinations that satisfy those conditions (a uniform pick among them
  is what rejection would have produced);
* ``v == expr`` computes ``v`` from variables already drawn instead of guessing it,
  accepting with probability proportional to how often that value occurs in ``v``'s
  domain (what blind guessing would have given);
* every other condition is tested as soon as its variables are drawn, and draws are
  ordered so that happens early; a failing try restarts from scratch.
"""

from __future__ import annotations

import ast
import itertools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sleeptime.benchmark.generate.evaluator import Compiled, Evaluator, run
from sleeptime.benchmark.generate.functions import Draw, is_int, is_number
from sleeptime.benchmark.generate.template import Template, TemplateError
from sleeptime.errors import InputError

Binder = Callable[[tuple[str, ...], list[Any], dict[str, Any]], None]
Check = tuple[str, Compiled, frozenset[str]]
# Largest joint domain enumerated up front (combinations, before filtering).
JOINT_LIMIT = 5_000


@dataclass
class Derived:
    """A variable set by ``name == expression`` instead of being drawn."""

    name: str
    source: str
    compiled: Compiled
    weights: dict[Any, tuple[Any, float]]


@dataclass
class Step:
    """Draw one unit (or derive one variable), then test the conditions now complete.

    A unit is either an init line drawn as written (``draw``: several distinct picks, or a
    run of weekdays) or a list of value combinations for ``names`` (``combos``).
    """

    names: tuple[str, ...]
    draw: Draw | None = None
    combos: list[tuple[Any, ...]] | None = None
    derived: Derived | None = None
    checks: list[tuple[str, Compiled]] = field(default_factory=list)


def names_in(source: str) -> set[str]:
    """The identifiers an expression reads (function names included; callers intersect)."""
    tree = ast.parse(source.strip(), mode="eval")
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def make_plan(
    template: Template,
    draws: list[tuple[tuple[str, ...], Draw]],
    evaluator: Evaluator,
    bind: Binder,
) -> list[Step]:
    """Order joint draws, derivations and condition checks for one template."""
    variables = {name for names, _ in draws for name in names}
    checks: list[Check] = [
        (c, evaluator.compile(c), frozenset(names_in(c) & variables)) for c in template.conditions
    ]
    units: list[Step] = []
    for names, draw in draws:
        if len(names) == 1 and draw.count == 1:
            units.append(Step(names, combos=[(item,) for item in draw.items]))
        else:
            units.append(Step(names, draw=draw))
    checks = _merge(template, units, checks, bind)
    singles = {u.names[0]: u for u in units if u.combos is not None and len(u.names) == 1}
    derived: dict[str, Derived] = {}
    kept: list[Check] = []
    for check in checks:
        found = _derivation(check, evaluator, singles, derived)
        if found is None:
            kept.append(check)
        else:
            derived[found.name] = found
            units.remove(singles.pop(found.name))
    return _order(units, derived, kept, variables)


def _merge(template: Template, units: list[Step], checks: list[Check], bind: Binder) -> list[Check]:
    """Enumerate units tied by a condition while their joint domain stays small."""
    remaining = sorted(checks, key=lambda c: len(c[2]))
    merged = True
    while merged:
        merged = False
        for check in remaining:
            group = [u for u in units if set(u.names) & check[2]]
            covered = {n for u in group for n in u.names}
            if not check[2] <= covered or any(u.combos is None for u in group):
                continue
            if math.prod(len(u.combos or ()) for u in group) > JOINT_LIMIT:
                continue
            inside = [c for c in remaining if c[2] <= covered]
            joint = _enumerate(template, group, inside, bind)
            for unit in group:
                units.remove(unit)
            units.append(joint)
            remaining = [c for c in remaining if c not in inside]
            merged = True
            break
    return remaining


def _enumerate(template: Template, group: list[Step], checks: list[Check], bind: Binder) -> Step:
    names = tuple(n for u in group for n in u.names)
    combos: list[tuple[Any, ...]] = []
    for parts in itertools.product(*(u.combos or () for u in group)):
        values = tuple(v for part in parts for v in part)
        env: dict[str, Any] = {}
        bind(names, list(values), env)
        try:
            if all(run(function, env, source) for source, function, _ in checks):
                combos.append(values)
        except InputError:
            continue
    if not combos:
        shown = "; ".join(source for source, _, _ in checks)
        raise TemplateError(
            f"template {template.label}: no values of {', '.join(names)} satisfy {shown!r}; "
            "fix the template or leave it out with --templates."
        )
    return Step(names, combos=combos)


def _derivation(
    check: Check, evaluator: Evaluator, singles: dict[str, Step], derived: dict[str, Derived]
) -> Derived | None:
    source = check[0]
    node = ast.parse(source.strip(), mode="eval").body
    if not isinstance(node, ast.Compare) or [type(op) for op in node.ops] != [ast.Eq]:
        return None
    for side, other in ((node.left, node.comparators[0]), (node.comparators[0], node.left)):
        unit = singles.get(side.id) if isinstance(side, ast.Name) else None
        if unit is None or unit.combos is None or not isinstance(side, ast.Name):
            continue
        expression = ast.unparse(other)
        values = [combo[0] for combo in unit.combos]
        if side.id in names_in(expression) or not all(is_number(v) for v in values):
            continue
        if any(side.id in names_in(d.source) for d in derived.values()):
            continue
        counts = Counter(values)
        top = max(counts.values())
        weights = {value: (value, count / top) for value, count in counts.items()}
        return Derived(side.id, expression, evaluator.compile(expression), weights)
    return None


def _order(
    units: list[Step], derived: dict[str, Derived], checks: list[Check], variables: set[str]
) -> list[Step]:
    """Draw first what completes conditions soonest; derive as soon as inputs are bound."""
    bound: set[str] = set()
    steps: list[Step] = []
    pending = list(units)
    waiting = dict(derived)
    while pending or waiting:
        ready = [d for d in waiting.values() if (names_in(d.source) & variables) <= bound]
        if ready:
            step = Step((ready[0].name,), derived=waiting.pop(ready[0].name))
        elif pending:
            step = max(pending, key=lambda u: _score(u, bound, checks, pending))
            pending.remove(step)
        else:
            raise TemplateError(f"derived variables depend on each other: {sorted(waiting)}")
        bound.update(step.names)
        step.checks = [(s, f) for s, f, uses in checks if uses <= bound]
        checks = [c for c in checks if not c[2] <= bound]
        steps.append(step)
    if checks and steps:
        steps[-1].checks.extend((s, f) for s, f, _ in checks)
    return steps


def _score(
    unit: Step, bound: set[str], checks: list[Check], pending: list[Step]
) -> tuple[int, ...]:
    after = bound | set(unit.names)
    completed = sum(1 for _, _, uses in checks if uses <= after)
    involved = sum(1 for _, _, uses in checks if uses & set(unit.names))
    return (completed, involved, -pending.index(unit))


def derive(derived: Derived, env: dict[str, Any], chance: float) -> Any | None:
    """The derived value if it lies in the variable's domain and wins its weight, else None."""
    value = run(derived.compiled, env, derived.source)
    if not is_number(value):
        return None
    if isinstance(value, float) and is_int(value):
        value = round(value)
    found = derived.weights.get(value)
    if found is None or chance >= found[1]:
        return None
    return found[0]
