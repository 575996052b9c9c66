"""Draw values for a template until its conditions hold, then render one instance.

Every ``#init`` line is evaluated once into a :class:`Draw` (its domain) and
:mod:`plan` orders the draws and condition checks; each try follows that plan and stops
at the first condition that fails. Tries are bounded: a template that cannot be
satisfied raises a :class:`TemplateError` that names it instead of looping for ever.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sleeptime.benchmark.generate.evaluator import (
    PAIR_PREFIX,
    Compiled,
    Evaluator,
    run,
)
from sleeptime.benchmark.generate.functions import DOMAIN_FUNCTIONS, EXPRESSION_FUNCTIONS, Draw
from sleeptime.benchmark.generate.known import ANSWER_SOURCE
from sleeptime.benchmark.generate.plan import derive, make_plan
from sleeptime.benchmark.generate.pools import pools
from sleeptime.benchmark.generate.render import (
    as_number,
    display,
    final_number,
    final_of,
    render_answer,
    render_question,
    same_number,
    with_final,
)
from sleeptime.benchmark.generate.template import Template, TemplateError
from sleeptime.errors import InputError

MAX_TRIES = 200_000
# Once a valid but repeated question turned up, look this much longer for a new one.
REPEAT_PATIENCE = 5_000


class InconsistentAnswerError(InputError):
    """The #answer value and the worked answer's #### disagree for one draw."""


@dataclass(frozen=True)
class Instance:
    """One generated problem: question, worked answer ending ``#### N``, and the values."""

    question: str
    answer: str
    final: str
    worked_final: str | None
    values: dict[str, str]


def expression_evaluator() -> Evaluator:
    """An evaluator for conditions, answers and worked-answer placeholders."""
    return Evaluator(EXPRESSION_FUNCTIONS)


def bind(
    names: tuple[str, ...],
    items: list[Any],
    env: dict[str, Any],
    picked: dict[str, Any] | None = None,
) -> None:
    """Bind drawn items to variables: a ``(text, value)`` pair shows text, computes value.

    ``picked`` collects the raw items, whose text :func:`texts_of` writes once a draw is
    accepted (most draws are rejected, so the text is not worth making earlier).
    """
    for name, item in zip(names, items, strict=True):
        if isinstance(item, tuple) and len(item) == 2:
            env[name] = item[1]
            env[PAIR_PREFIX + name] = item
        else:
            env[name] = item
            env.pop(PAIR_PREFIX + name, None)
        if picked is not None:
            picked[name] = item


def texts_of(picked: Mapping[str, Any]) -> dict[str, str]:
    """How each drawn item reads in the question (a pair's text, else the value)."""
    return {
        name: display(item[0] if isinstance(item, tuple) and len(item) == 2 else item)
        for name, item in picked.items()
    }


class PreparedTemplate:
    """A template with its domains evaluated and its expressions compiled, ready to draw."""

    def __init__(self, template: Template, evaluator: Evaluator | None = None) -> None:
        self.template = template
        self.evaluator = evaluator or expression_evaluator()
        domain_evaluator = Evaluator(DOMAIN_FUNCTIONS)
        names = pools()
        self.draws: list[tuple[tuple[str, ...], Draw]] = []
        for line in template.init:
            draw = self._domain(domain_evaluator, line.source, names)
            if draw.count != len(line.targets) or draw.count > len(draw.items):
                raise TemplateError(
                    f"template {template.label}: '{', '.join(line.targets)} = {line.source}' "
                    f"draws {draw.count} of {len(draw.items)} values for "
                    f"{len(line.targets)} variable(s)."
                )
            self.draws.append((line.targets, draw))
        try:
            self.answer: Compiled = self.evaluator.compile(template.answer_expr)
            self.steps = make_plan(template, self.draws, self.evaluator, bind)
        except TemplateError:
            raise
        except InputError as error:
            raise TemplateError(f"template {template.label}: {error}") from None

    def _domain(self, evaluator: Evaluator, source: str, names: Mapping[str, Any]) -> Draw:
        try:
            value = evaluator.evaluate(source, names)
        except InputError as error:
            raise TemplateError(
                f"template {self.template.label}, #init {source!r}: {error}"
            ) from None
        if isinstance(value, Draw):
            return value
        if isinstance(value, list | tuple) and value:
            return Draw(tuple(value))
        raise TemplateError(
            f"template {self.template.label}, #init {source!r}: expected a list of values or "
            f"sample(...), got {value!r}."
        )

    def draw(self, rng: random.Random) -> tuple[dict[str, Any], dict[str, str]] | None:
        """Draw every variable following the plan; None as soon as a condition fails."""
        env: dict[str, Any] = {}
        picked: dict[str, Any] = {}
        for step in self.steps:
            if step.derived is not None:
                value = derive(step.derived, env, rng.random())
                if value is None:
                    return None
                bind(step.names, [value], env, picked)
            elif step.combos is not None:
                combo = step.combos[rng.randrange(len(step.combos))]
                bind(step.names, list(combo), env, picked)
            elif step.draw is not None:
                draw = step.draw
                size = len(draw.items)
                if draw.sequential:
                    start = rng.randrange(size)
                    picks = [(start + i) % size for i in range(draw.count)]
                elif draw.count == 1:
                    picks = [rng.randrange(size)]
                else:
                    picks = rng.sample(range(size), draw.count)
                bind(step.names, [draw.items[i] for i in picks], env, picked)
            for source, condition in step.checks:
                if not run(condition, env, source):
                    return None
        return env, texts_of(picked)

    def render(self, env: Mapping[str, Any], texts: Mapping[str, str]) -> Instance:
        """Render the question and worked answer, with one agreed number after ``####``.

        The ``#answer`` value and the worked answer's own ``####`` must agree, or the
        draw is rejected (:class:`InconsistentAnswerError`); templates listed in
        ``known.ANSWER_SOURCE`` name the side that is right instead.
        """
        worked = render_answer(self.template, self.evaluator, env)
        worked_final = final_of(worked)
        source = ANSWER_SOURCE.get(self.template.label, ("both", ""))[0]
        if source == "worked":
            number = as_number(worked_final)
            if number is None:
                raise InconsistentAnswerError(f"the worked answer ends {worked_final!r}")
            final = final_number(number)
        else:
            final = final_number(run(self.answer, env, self.template.answer_expr))
            if source == "both" and not same_number(final, worked_final):
                raise InconsistentAnswerError(
                    f"#answer gives {final} but the worked answer ends {worked_final}"
                )
        question = render_question(self.template, texts)
        return Instance(question, with_final(worked, final), final, worked_final, dict(texts))

    def sample(
        self, rng: random.Random, seen: set[str], max_tries: int = MAX_TRIES
    ) -> tuple[Instance, bool]:
        """Draw until the conditions hold and the question is new (``seen``).

        Returns the instance and whether it repeats an earlier question (only when no new
        one turned up within ``max_tries``). Raises :class:`TemplateError` when no try at
        all satisfied the conditions.
        """
        repeat: Instance | None = None
        last_error = ""
        patience = REPEAT_PATIENCE
        for _ in range(max_tries):
            if repeat is not None:
                patience -= 1
                if patience < 0:
                    break
            try:
                drawn = self.draw(rng)
                if drawn is None:
                    continue
                instance = self.render(*drawn)
            except InputError as error:
                last_error = str(error)
                continue
            if instance.question not in seen:
                return instance, False
            repeat = repeat or instance
        if repeat is not None:
            return repeat, True
        reason = f" (last error: {last_error})" if last_error else ""
        raise TemplateError(
            f"template {self.template.label}: no values satisfying its #conditions in "
            f"{max_tries} tries{reason}; fix the template or leave it out with --templates."
        )


def template_rng(seed: int, variant: str, template_id: int) -> random.Random:
    """A generator per (seed, variant, template), so subsets do not shift other templates."""
    digest = hashlib.sha256(f"{seed}:{variant}:{template_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))
