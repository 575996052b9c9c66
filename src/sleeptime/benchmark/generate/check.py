"""Check templates against themselves: do the default values give back the file's problem?

For every template the defaults (``{x,10}`` → 10, ``{frac,half}`` → 1/2) are put into the
question, the ``#answer`` expression, the worked answer and the conditions. In the main
set the file's ``question`` and ``answer`` are the problem the template was written from,
so the rendered question should equal it and ``#answer`` should equal its ``####`` number.
P1 and P2 files repeat the *original* GSM8K problem in those fields (their templates add
clauses), so there only the inner consistency is checked: ``#answer`` against the worked
answer's own ``####`` expression.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sleeptime.benchmark.generate.evaluator import run
from sleeptime.benchmark.generate.functions import is_number
from sleeptime.benchmark.generate.known import ANSWER_SOURCE
from sleeptime.benchmark.generate.plan import names_in
from sleeptime.benchmark.generate.pools import word_values
from sleeptime.benchmark.generate.render import (
    final_number,
    final_of,
    render_answer,
    render_defaults,
    same_number,
    strip_calculator,
)
from sleeptime.benchmark.generate.sampler import PreparedTemplate, bind
from sleeptime.errors import InputError

_WORDS = word_values()


@dataclass
class DefaultsReport:
    """What the defaults of one template give back, compared with the file's own text."""

    label: str
    question: str  # "exact", "whitespace", "differs", or "not comparable" (P1/P2)
    expected: str | None  # the file's #### number (main only)
    computed: str | None  # #answer on the defaults
    annotated: str | None  # the worked answer's #### on the defaults
    answer_text: str  # worked answer vs the file's answer, calculator notes dropped
    failed_conditions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unsolved: list[str] = field(default_factory=list)

    @property
    def answer_status(self) -> str:
        """``ok``; ``listed`` (a known #answer/worked-answer split, see ``known.py``);
        ``defaults break conditions`` (P1/P2 defaults often do, so a split there proves
        nothing); or ``mismatch``.
        """
        source = ANSWER_SOURCE.get(self.label, ("both", ""))[0]
        final = self.annotated if source == "worked" else self.computed
        agree = final is not None
        if self.expected is not None:
            agree = agree and same_number(final, self.expected)
        if source == "both":
            agree = agree and same_number(self.computed, self.annotated)
        if agree:
            return "listed" if source != "both" else "ok"
        if self.unsolved:
            return "missing defaults"
        return "defaults break conditions" if self.failed_conditions else "mismatch"


def _compare(rendered: str, original: str) -> str:
    if rendered.strip() == original.strip():
        return "exact"
    if rendered.split() == original.split():
        return "whitespace"
    return "differs"


def default_value(text: str, items: tuple[Any, ...]) -> Any:
    """Read a default as the draw would have produced it: a pool pair, a number, or text."""
    lowered = text.strip().lower()
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and str(item[0]).lower() == lowered:
            return item
    for cast in (int, float):
        try:
            return cast(text.replace(",", ""))
        except ValueError:
            pass
    if "/" in text:
        try:
            return Fraction(text.strip())
        except (ValueError, ZeroDivisionError):
            pass
    if lowered in _WORDS:
        return (text, _WORDS[lowered])
    return text


def check_defaults(prepared: PreparedTemplate) -> DefaultsReport:
    """Evaluate one template on its defaults and compare with the file's problem."""
    template = prepared.template
    main = template.variant == "main"
    expected = final_of(template.answer) if main else None
    env: dict[str, Any] = {}
    texts: dict[str, Any] = {}
    notes: list[str] = []
    defaults = {p.name: p.default for p in reversed(template.placeholders) if p.default}
    missing: list[str] = []
    for names, draw in prepared.draws:
        for name in names:
            if name in defaults:
                bind((name,), [default_value(defaults[name], draw.items)], env, texts)
            elif main and template.answer_expr.strip() == name and expected is not None:
                bind((name,), [default_value(expected, ())], env, texts)
                notes.append(f"{name} has no default; set to the file's answer {expected}")
            else:
                missing.append(name)
    unsolved = _solve_missing(prepared, missing, env, texts, notes)
    computed = annotated = None
    answer_text = "not comparable"
    try:
        computed = final_number(run(prepared.answer, env, template.answer_expr))
    except InputError as error:
        notes.append(f"#answer fails on the defaults: {error}")
    try:
        worked = render_answer(template, prepared.evaluator, env)
        annotated = final_of(worked)
        if main:
            answer_text = _compare(worked, strip_calculator(template.answer))
    except InputError as error:
        notes.append(f"worked answer fails on the defaults: {error}")
    failed = []
    for source in template.conditions:
        try:
            if not run(prepared.evaluator.compile(source), env, source):
                failed.append(source)
        except InputError as error:
            failed.append(f"{source} ({error})")
    question = _compare(render_defaults(template), template.question) if main else "not comparable"
    return DefaultsReport(
        template.label,
        question,
        expected,
        computed,
        annotated,
        answer_text,
        failed,
        notes,
        unsolved,
    )


def _solve_missing(
    prepared: PreparedTemplate,
    missing: list[str],
    env: dict[str, Any],
    texts: dict[str, Any],
    notes: list[str],
) -> list[str]:
    """Give variables without a default a value from their domain.

    A numeric one takes the first value (over at most 10,000 combinations, or the whole
    numbers -1000 to 10000 for a single variable) that makes the equality conditions about
    it hold, so ``x + y + z + ans == total`` pins ``ans``.
    """
    if not missing:
        return []
    domains = {n: d for names, d in prepared.draws for n in names}
    equalities = [
        c for c in prepared.template.conditions if "==" in c and names_in(c) & set(missing)
    ]
    numeric = [n for n in missing if all(is_number(_value(i)) for i in domains[n].items)]
    for name in missing:
        bind((name,), [domains[name].items[0]], env, texts)
    options: list[Any] = [domains[n].items for n in numeric]
    if len(numeric) == 1:
        options = [list(options[0]) + list(range(-1000, 10_001))]
    if not numeric or not equalities or math.prod(len(o) for o in options) > 20_000:
        notes.append(f"no default for {', '.join(missing)}; used the first domain value")
        return numeric
    for combo in itertools.product(*options):
        bind(tuple(numeric), list(combo), env, texts)
        try:
            if all(run(prepared.evaluator.compile(c), env, c) for c in equalities):
                notes.append(f"no default for {', '.join(numeric)}; solved from {equalities}")
                return []
        except InputError:
            continue
    notes.append(f"no default for {', '.join(numeric)}; no domain value satisfies {equalities}")
    return numeric


def _value(item: Any) -> Any:
    return item[1] if isinstance(item, tuple) and len(item) == 2 else item
