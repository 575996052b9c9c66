"""``solve:K``: spend sleep time the way a small model reasons well, one question at a time.

The paper's loop asks the model to write notes that anticipate questions; a 1.5B model
writes terse answers without working and gets them wrong, and a one-sentence answer then
copies them. Here sleep time instead (1) predicts the M most likely questions (prompt
``sleep_predict``), (2) solves each with exactly the step-by-step prompt of test-time
budget 4 on the context, K times (K = 1: greedy; K > 1: temperature 0.7, seeds differ),
keeping the majority final answer, and (3) writes ``c'`` as question, answer first, short
checked working (``solve_notes.py``). The anticipated Q/A lines then go through the same
extraction and verification as every recipe's.

``SleepBudget.max_rounds`` bounds the prediction attempts (at most 2: a reply with no
question gets one retry with feedback); ``round_max_tokens`` caps each solution;
``max_sleep_tokens`` cuts the run off after any request that passes it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sleeptime.answer.prompt import build_answer_prompt
from sleeptime.backends.base import Backend, ChatRequest, Message
from sleeptime.errors import SleeptimeError
from sleeptime.prompts import load_prompt
from sleeptime.sleep.arithmetic import check_notes
from sleeptime.sleep.events import EventSink, SleepEvent, SleepEventKind, ignore_events
from sleeptime.sleep.recipes import Recipe, SleepBudget
from sleeptime.sleep.rethink import LoopOutcome, SleepCutOff
from sleeptime.sleep.solve_notes import Solved, parse_predicted, render_notes, solved_from
from sleeptime.values import AnswerMode, Usage

SOLVE_LEVEL = 4
"""The test-time budget level whose prompt solves each predicted question."""
MAX_PREDICT_ATTEMPTS = 2
PREDICT_FEEDBACK = (
    "Your last reply held no question that could be read. Write only questions, each on "
    "its own line starting with Q1:, Q2: and so on, each ending with a question mark.\n"
)


def solve_prompt_versions() -> dict[str, str]:
    """The prompt keys a ``solve`` run depends on, for its record."""
    names = ["sleep_predict", "answer_system", "answer_baseline", "answer_question"]
    versions = {name: load_prompt(name).key for name in names}
    versions[f"budget_{SOLVE_LEVEL}"] = load_prompt(f"budget_{SOLVE_LEVEL}").key
    return versions


def predict_request(
    context: str, count: int, budget: SleepBudget, seed: int, feedback: str = ""
) -> ChatRequest:
    """The request that asks for the ``count`` most likely questions (greedy)."""
    text = load_prompt("sleep_predict").render(context=context, count=count, feedback=feedback)
    return ChatRequest(
        messages=(Message("user", text),),
        max_tokens=min(budget.round_max_tokens, 64 + 48 * count),
        temperature=0.0,
        seed=seed,
        background=True,
        reasoning_effort=budget.reasoning_effort,
        thinking_tokens=budget.thinking_tokens,
    )


def solve_request(
    context: str, question: str, budget: SleepBudget, temperature: float, seed: int
) -> ChatRequest:
    """The budget-4 baseline answer prompt for ``question`` on the context, as sent at test time."""
    prompt = build_answer_prompt(
        mode=AnswerMode.BASELINE,
        layout="context",
        context=context,
        notes=None,
        question=question,
        level=SOLVE_LEVEL,
    )
    return ChatRequest(
        messages=prompt.messages,
        max_tokens=budget.round_max_tokens,
        temperature=temperature,
        seed=seed,
        background=True,
        reasoning_effort=budget.reasoning_effort,
        thinking_tokens=budget.thinking_tokens,
    )


@dataclass(frozen=True, slots=True)
class SolveOutcome:
    """The notes of a ``solve`` run, its one ``LoopOutcome`` and what it did, for the record."""

    notes: str
    outcome: LoopOutcome
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Run:
    """A run in progress: its counters, its cut-off check and its events."""

    backend: Backend
    budget: SleepBudget
    run_usage: Usage
    on_event: EventSink
    planned: int
    outcome: LoopOutcome = field(
        default_factory=lambda: LoopOutcome(notes="", rounds=0, finished=False, protocol="solve")
    )
    solved: list[Solved] = field(default_factory=list)

    async def call(self, request: ChatRequest) -> str:
        self.outcome.rounds += 1
        number = self.outcome.rounds
        self._event(SleepEventKind.ROUND_START, number)
        result = await self.backend.chat(request)
        self.outcome.usage.add(result.usage)
        self.run_usage.add(result.usage)
        self._event(SleepEventKind.ROUND_END, number)
        return result.text

    def check_budget(self) -> None:
        limit = self.budget.max_sleep_tokens
        if limit is not None and self.run_usage.total_tokens > limit:
            partial, _ = render_notes(self.solved, self.budget.memory_chars)
            raise SleepCutOff(
                f"the sleep run used {self.run_usage.total_tokens} tokens, over its budget of "
                f"{limit}; raise the budget's max_sleep_tokens or solve fewer questions "
                "(solve:K:M with a smaller M)",
                partial_notes=partial,
                rounds=self.outcome.rounds,
            ).hinted("raise --max-sleep-tokens, or use solve:1:2")

    def _event(self, kind: SleepEventKind, number: int, message: str = "") -> None:
        self.on_event(
            SleepEvent(
                kind,
                round=number,
                max_rounds=max(self.planned, number),
                notes_chars=0,
                usage=self.run_usage,
                message=message,
            )
        )


async def solve_ahead(
    backend: Backend,
    context: str,
    recipe: Recipe,
    budget: SleepBudget,
    *,
    run_usage: Usage,
    temperature: float,
    seed: int = 0,
    on_event: EventSink = ignore_events,
) -> SolveOutcome:
    """Predict ``recipe.questions`` questions, solve each ``recipe.k`` times, write ``c'``.

    Raises ``SleepCutOff`` past ``max_sleep_tokens`` (with the notes solved so far) and
    ``SleeptimeError`` when no question could be predicted or none got a numeric answer.
    """
    attempts = min(MAX_PREDICT_ATTEMPTS, budget.max_rounds)
    run = _Run(backend, budget, run_usage, on_event, planned=1 + recipe.questions * recipe.k)
    questions: list[str] = []
    feedback = ""
    asked = 0
    for _ in range(attempts):
        asked += 1
        reply = await run.call(predict_request(context, recipe.questions, budget, seed, feedback))
        run.check_budget()
        questions = parse_predicted(reply, recipe.questions)
        if questions:
            break
        feedback = PREDICT_FEEDBACK
    if not questions:
        raise SleeptimeError(
            f"the model predicted no readable question in {run.outcome.rounds} replies; try "
            "a stronger model or another recipe (rethink)"
        ).hinted("--recipe rethink")
    run.planned = run.outcome.rounds + len(questions) * recipe.k
    for question in questions:
        # The K solutions of one question run side by side, like parallel rethink loops.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(
                        run.call(solve_request(context, question, budget, temperature, seed + i))
                    )
                    for i in range(recipe.k)
                ]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        run.solved.append(solved_from(question, [t.result() for t in tasks]))
        run.check_budget()
    notes, marked = render_notes(run.solved, budget.memory_chars)
    if not notes:
        raise SleeptimeError(
            f"none of the {len(questions)} predicted questions got a numeric answer; try a "
            "stronger model or another recipe (rethink)"
        ).hinted("--recipe rethink")
    outcome = run.outcome
    outcome.notes, outcome.finished = notes, True
    outcome.slips_found = sum(1 for s in run.solved if s.slip)
    outcome.slips_left = marked
    outcome.checked = check_notes(notes).checked
    on_event(
        SleepEvent(
            SleepEventKind.LOOP_END,
            round=outcome.rounds,
            max_rounds=outcome.rounds,
            notes_chars=len(notes),
            usage=run_usage,
            message="solved",
        )
    )
    details = {
        "combine": "solve",
        "lines_marked_by_calculator": marked,
        "solve": {
            "questions": [
                {
                    "question": s.question,
                    "answer": s.answer,
                    "support": s.support,
                    "samples": s.samples,
                    "slip": s.slip,
                }
                for s in run.solved
            ],
            "predicted": len(questions),
            "prediction_attempts": asked,
            "level": SOLVE_LEVEL,
        },
    }
    return SolveOutcome(notes=notes, outcome=outcome, details=details)
