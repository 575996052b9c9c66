"""Problems x conditions x budgets: the engine under the sweep, pass@k, ablation and bins.

Notes are computed once per problem and sleep condition and shared by every budget; the
conditions of one problem run in increasing K, so ``sleep:5`` replays the first two loops
of ``sleep:2`` from the call log (parallel loop i always uses seed + i).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sleeptime.answer import answer_question, build_answer_prompt, make_budget
from sleeptime.answer.budgets import Budget
from sleeptime.backends.base import Backend, ChatRequest, Message
from sleeptime.backends.reasoning import parse_effort
from sleeptime.benchmark.datasets import Problem
from sleeptime.benchmark.experiments.common import (
    Harness,
    ProgressBar,
    error_fields,
    grade,
    is_fatal,
    run_all,
    sleep_budget,
    usage_row,
)
from sleeptime.benchmark.experiments.config import (
    condition_effort,
    condition_k,
    condition_recipe,
)
from sleeptime.benchmark.grading import notes_coverage
from sleeptime.errors import ContextTooLargeError, SleeptimeError
from sleeptime.prompts import load_prompt
from sleeptime.sleep import Notes, compute_notes, parse_recipe
from sleeptime.sleep.rethink import prompt_versions
from sleeptime.sleep.solve import solve_prompt_versions
from sleeptime.values import AnswerMode, Stopwatch

CONTEXT_ONLY_EXTRA_TOKENS = 64
"""Context-only replies may also spend this many tokens writing the guessed question."""

Annotate = Callable[[Problem], Awaitable[dict[str, Any]]]


def answer_prompt_versions() -> dict[str, str]:
    """Every prompt an experiment may use, by name, for config.json."""
    names = ["answer_system", "answer_baseline", "answer_notes", "answer_context_and_notes"]
    names += ["answer_question", "context_only", *(f"budget_{level}" for level in range(5))]
    versions = {name: load_prompt(name).key for name in names}
    versions.update(prompt_versions())
    versions.update(solve_prompt_versions())
    return versions


def budget_for(harness: Harness, level: int, effort: str | None = None) -> Budget:
    """The budget level with the run's optional token cap, at a test-time ``effort``."""
    reasoning, thinking = parse_effort(effort or "none")
    return make_budget(level, harness.config.max_tokens, effort=reasoning, thinking_tokens=thinking)


async def _check_window(backend: Backend, messages: tuple[Message, ...]) -> None:
    window = backend.info.context_window
    if window is None:
        return
    needed = await backend.count_tokens("\n".join(m.content for m in messages))
    if needed + 16 > window:
        raise ContextTooLargeError(
            f"the prompt is about {needed} tokens, over the model window of {window} tokens"
        )


async def sleep_notes(
    harness: Harness,
    problem: Problem,
    k: int,
    effort: str | None = None,
    *,
    recipe: str | None = None,
) -> Notes:
    """Compute c' for the problem's context with K parallel loops (seeds seed + i), at a
    sleep-time reasoning ``effort`` if given; ``recipe`` (e.g. ``solve:1``) overrides."""
    return await compute_notes(
        harness.backend,
        problem.context,
        parse_recipe(recipe or f"{'vote' if harness.config.combine == 'vote' else 'parallel'}:{k}"),
        sleep_budget(harness.config, effort),
        seed=harness.config.seed,
    )


async def sampled_answer(
    harness: Harness,
    problem: Problem,
    condition: str,
    budget: Budget,
    notes: Notes | None,
    *,
    temperature: float,
    seed: int,
) -> tuple[str, Any, float, str, str]:
    """One answer at any temperature: (text, usage, latency, finish reason, prompt version)."""
    backend = harness.backend
    messages: tuple[Message, ...]
    if condition == "context-only":
        system = load_prompt("answer_system")
        body = load_prompt("context_only")
        user = f"{body.render(context=problem.context)}\n\n{budget.prompt.render()}"
        messages = (Message("system", system.render()), Message("user", user))
        version = "+".join([system.key, body.key, budget.prompt.key])
        max_tokens = budget.max_tokens + CONTEXT_ONLY_EXTRA_TOKENS
    else:
        prompt = build_answer_prompt(
            mode=AnswerMode.BASELINE if notes is None else AnswerMode.SLEEP,
            layout=harness.config.layout,
            context=problem.context,
            notes=None if notes is None else notes.text,
            question=problem.query,
            level=budget.level,
        )
        messages, version, max_tokens = prompt.messages, prompt.prompt_version, budget.max_tokens
    await _check_window(backend, messages)
    watch = Stopwatch()
    result = await backend.chat(
        ChatRequest(
            messages=messages,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            **budget.reasoning_fields(),
        )
    )
    return result.text, result.usage, watch.elapsed(), result.finish_reason, version


def _coverage(problem: Problem, notes: Notes | None) -> dict[str, Any]:
    """Whether the notes already held the reference answer (GSM problems with notes only)."""
    if notes is None or problem.dataset.startswith("aime"):
        return {}
    try:
        found = notes_coverage(notes.text, problem.answer)
    except SleeptimeError:
        return {}
    return {"notes_has_answer": found["anywhere"], "notes_answer_in_qa": found["in_answer"]}


async def answer_row(
    harness: Harness,
    problem: Problem,
    condition: str,
    level: int,
    notes: Notes | None,
    *,
    sample: int | None = None,
    temperature: float = 0.0,
    grader: str | None = None,
    extra: dict[str, Any] | None = None,
    test_effort: str | None = None,
) -> dict[str, Any]:
    """Answer, grade and write one sample row; a non-fatal error becomes an error row."""
    row: dict[str, Any] = {
        "problem_id": problem.id,
        "dataset": problem.dataset,
        "condition": condition,
        "budget": level,
        **({"test_effort": test_effort} if test_effort is not None else {}),
        "sample": sample,
        "sleep": usage_row(notes.usage) if notes is not None else None,
        "notes_chars": len(notes.text) if notes is not None else None,
        **_coverage(problem, notes),
        **(extra or {}),
    }
    seed = harness.config.seed + (sample or 0)
    try:
        budget = budget_for(harness, level, test_effort)
        if temperature == 0.0 and condition != "context-only":
            answer = await answer_question(
                harness.backend,
                question=problem.query,
                context=problem.context,
                notes=None if notes is None else notes.text,
                mode=AnswerMode.BASELINE if notes is None else AnswerMode.SLEEP,
                layout=harness.config.layout,
                budget=budget,
                seed=seed,
            )
            text, usage, latency = answer.text, answer.usage, answer.latency_s
            finish, version = answer.finish_reason, answer.prompt_version
        else:
            text, usage, latency, finish, version = await sampled_answer(
                harness, problem, condition, budget, notes, temperature=temperature, seed=seed
            )
        result = grade(problem, text, grader)
        row.update(
            correct=result.correct,
            extracted=result.extracted,
            reason=result.reason,
            error=None,
            test=usage_row(usage),
            # The model call's own wall time: replayed with the call, so resumed runs agree.
            latency_s=round(usage.wall_time_s or latency, 4),
            finish_reason=finish,
            prompt_version=version,
        )
    except Exception as exc:
        if is_fatal(exc):
            raise
        row.update(error_fields(exc), test=None, latency_s=None)
    harness.write(row)
    return row


async def run_problem(
    harness: Harness,
    problem: Problem,
    conditions: Sequence[str],
    budgets: Sequence[int],
    bar: ProgressBar,
    extra: dict[str, Any],
    efforts: Sequence[str | None] = (None,),
) -> None:
    """Every condition at every budget (and test-time effort) for one problem.

    Sleep conditions of one sleep-time effort run in increasing K, so larger K replay the
    loops of smaller ones; different sleep-time efforts run side by side.
    """
    cells = [(level, effort) for level in budgets for effort in efforts]

    async def answers(condition: str, notes: Notes | None) -> None:
        await asyncio.gather(
            *(
                answer_row(
                    harness, problem, condition, level, notes, extra=extra, test_effort=effort
                )
                for level, effort in cells
            )
        )
        bar.advance(len(cells))

    async def sleep_chain(chain: list[str]) -> None:
        for condition in sorted(chain, key=lambda c: condition_k(c) or 0):
            k = condition_k(condition) or 1
            try:
                notes = await sleep_notes(
                    harness,
                    problem,
                    k,
                    condition_effort(condition),
                    recipe=condition_recipe(condition, harness.config.combine),
                )
            except Exception as exc:
                if is_fatal(exc):
                    raise
                for level, effort in cells:
                    harness.write(
                        {
                            "problem_id": problem.id,
                            "dataset": problem.dataset,
                            "condition": condition,
                            "budget": level,
                            **({"test_effort": effort} if effort is not None else {}),
                            "sample": None,
                            "sleep": None,
                            "test": None,
                            "latency_s": None,
                            **extra,
                            **error_fields(exc),
                            "error_stage": "sleep",
                        }
                    )
                bar.advance(len(cells))
                continue
            await answers(condition, notes)

    chains: dict[str | None, list[str]] = {}
    for condition in conditions:
        if condition_k(condition) is not None:
            chains.setdefault(condition_effort(condition), []).append(condition)
    plain = [c for c in conditions if condition_k(c) is None]
    await asyncio.gather(
        *(sleep_chain(chain) for chain in chains.values()), *(answers(c, None) for c in plain)
    )


async def run_grid(
    harness: Harness,
    problems: Sequence[Problem],
    conditions: Sequence[str],
    budgets: Sequence[int],
    *,
    description: str,
    annotate: Annotate | None = None,
    efforts: Sequence[str | None] = (None,),
) -> None:
    """Run the grid over all problems with the harness's concurrency and a progress bar.

    ``efforts`` is the test-time reasoning axis (None: no reasoning parameter).
    """
    total = len(problems) * len(conditions) * len(budgets) * len(efforts)
    with ProgressBar(description, total, harness.config.progress) as bar:

        async def one(problem: Problem) -> None:
            extra = await annotate(problem) if annotate is not None else {}
            await run_problem(harness, problem, conditions, budgets, bar, extra, efforts)

        await run_all(problems, one, harness.config.concurrency)
