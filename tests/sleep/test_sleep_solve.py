"""``solve:K`` end to end on the function backend and a real SQLite store."""

from __future__ import annotations

import asyncio
import re

import pytest

from sleeptime.answer import build_answer_prompt
from sleeptime.backends import ChatRequest, FunctionBackend
from sleeptime.errors import BudgetExceededError, InputError, SleeptimeError
from sleeptime.sleep import (
    RECIPE_VERSION,
    Recipe,
    SleepBudget,
    SleepEvent,
    SleepEventKind,
    compute_notes,
    parse_recipe,
    run_sleep,
)
from sleeptime.sleep.recipes import SOLVE_VERSION
from sleeptime.sleep.runner import run_prompt_versions
from sleeptime.store import RevisionRecord, Store
from sleeptime.values import AnswerMode

PREDICTED = (
    "Q1: How many people can the meeting rooms seat in total?\n"
    "Q2: How much do 4 cups of coffee cost?\n"
    "Q3: How many hours is the office open?"
)
SOLUTIONS = {
    "seat": "There are 3 rooms.\n3 * 8 = 24\nThe answer is 24.",
    "coffee": "4 * 2 = 8\nThe answer is 8 dollars.",
    "hours": "17 - 9 = 8\nThe answer is 8 hours.",
}


def _user(request: ChatRequest) -> str:
    return request.messages[-1].content


def _is_prediction(request: ChatRequest) -> bool:
    return "Predict the" in _user(request)


def _solver(request: ChatRequest) -> str:
    if _is_prediction(request):
        return PREDICTED
    question = _user(request).rsplit("Question:", 1)[-1]
    return next(reply for word, reply in SOLUTIONS.items() if word in question)


def test_solve_recipes_parse_with_their_own_version() -> None:
    assert parse_recipe("solve:1") == Recipe(k=1, kind="solve", questions=3)
    assert parse_recipe(" Solve:5:2 ").name == "solve:5:2"
    assert parse_recipe("solve:3").version == SOLVE_VERSION != RECIPE_VERSION
    assert parse_recipe("vote:3").version == RECIPE_VERSION
    for bad in ("solve:0", "solve:33", "solve:1:0", "solve:1:11", "solve", "solve:x"):
        with pytest.raises(InputError, match="solve:K"):
            parse_recipe(bad)


async def test_solve_writes_answer_first_notes_with_verified_anticipated_answers(
    store: Store, revision: RevisionRecord
) -> None:
    backend = FunctionBackend(_solver)
    recipe = parse_recipe("solve:1")
    result = await run_sleep(store, revision, backend, recipe, SleepBudget())

    notes = result.artifact.text
    assert notes.startswith(
        "Q: How many people can the meeting rooms seat in total?\nA: 24\nWorking:\n"
    )
    assert "A: 8 dollars" in notes and "A: 8 hours" in notes
    served = {a["question"]: a for a in result.artifact.anticipated}
    assert served["How much do 4 cups of coffee cost?"]["answer"] == "8 dollars"
    assert all(a["verified"] for a in served.values())
    # One prediction, then each question solved once, greedily.
    assert len(backend.requests) == 4
    assert {r.temperature for r in backend.requests} == {0.0}
    [run] = store.list_runs(revision_id=revision.id)
    assert (run.recipe, run.recipe_version) == ("solve:1", SOLVE_VERSION)
    assert run.prompt_versions == run_prompt_versions(SleepBudget(), recipe)
    assert "sleep_predict" in run.prompt_versions and "sleep_round" not in run.prompt_versions
    assert run.rounds == 4
    [loop] = result.loops
    assert (loop.protocol, loop.rounds, loop.finished, loop.slips_left) == ("solve", 4, True, 0)


async def test_each_question_is_solved_with_the_budget_4_baseline_prompt(
    store: Store, revision: RevisionRecord
) -> None:
    backend = FunctionBackend(_solver)
    await run_sleep(store, revision, backend, parse_recipe("solve:1:1"), SleepBudget())
    [_, solve] = backend.requests
    baseline = build_answer_prompt(
        mode=AnswerMode.BASELINE,
        layout="auto",
        context=revision.text,
        notes=None,
        question="How many people can the meeting rooms seat in total?",
        level=4,
    )
    assert solve.messages == baseline.messages
    assert "<context>" in _user(backend.requests[0])


async def test_k_solutions_vote_with_sampling_and_distinct_seeds(
    store: Store, revision: RevisionRecord
) -> None:
    replies = iter(["The answer is 25.", "3 * 8 = 24\nThe answer is 24.", "The answer is 24."])

    def solver(request: ChatRequest) -> str:
        return (
            "Q1: How many seats are there in total?" if _is_prediction(request) else next(replies)
        )

    backend = FunctionBackend(solver)
    result = await run_sleep(
        store, revision, backend, parse_recipe("solve:3:1"), SleepBudget(), seed=10
    )

    assert "A: 24 (reached by 2 of 3 workings)" in result.artifact.text
    [prediction, *solves] = backend.requests
    assert prediction.temperature == 0.0
    assert [r.temperature for r in solves] == [0.7] * 3
    assert sorted(r.seed for r in solves if r.seed is not None) == [10, 11, 12]
    [item] = result.artifact.anticipated
    assert item["verified"]
    details = store.list_runs(revision_id=revision.id)[0]
    assert details.status == "complete"


async def test_a_malformed_prediction_is_retried_once_with_feedback() -> None:
    replies = iter(["I think people will ask things.", "1) How many seats are there in total?"])

    def solver(request: ChatRequest) -> str:
        return next(replies) if _is_prediction(request) else "3 * 8 = 24\nThe answer is 24."

    backend = FunctionBackend(solver)
    notes = await compute_notes(
        backend, "3 rooms seat 8 each.", parse_recipe("solve:1"), SleepBudget()
    )
    assert notes.text.startswith("Q: How many seats are there in total?\nA: 24")
    assert "held no question" in _user(backend.requests[1])
    assert notes.details["solve"]["prediction_attempts"] == 2


async def test_no_predicted_question_fails_the_run(store: Store, revision: RevisionRecord) -> None:
    backend = FunctionBackend(lambda request: "Nothing to predict here.")
    with pytest.raises(SleeptimeError, match="predicted no readable question"):
        await run_sleep(store, revision, backend, parse_recipe("solve:1"), SleepBudget())
    assert len(backend.requests) == 2
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed" and store.latest_artifact(revision.id) is None


async def test_slips_are_marked_and_their_answers_not_served(
    store: Store, revision: RevisionRecord
) -> None:
    def solver(request: ChatRequest) -> str:
        if _is_prediction(request):
            return "Q1: How many seats are there in total?"
        return "3 * 8 = 26\nThe answer is 26."

    result = await run_sleep(
        store, revision, FunctionBackend(solver), parse_recipe("solve:1"), SleepBudget()
    )
    assert "3 * 8 = 26 [calculator: 3 * 8 = 24]" in result.artifact.text
    [item] = result.artifact.anticipated
    assert not item["verified"]
    [run] = store.list_runs(revision_id=revision.id)
    assert run.details["lines_marked_by_calculator"] == 1
    assert run.details["solve"]["questions"][0]["slip"] is True


async def test_the_token_budget_cuts_the_run_off_with_the_notes_so_far(
    store: Store, revision: RevisionRecord
) -> None:
    # Measure what the run has used after each request, then allow exactly two requests.
    totals: list[int] = []

    def track(event: SleepEvent) -> None:
        if event.kind == SleepEventKind.ROUND_END:
            totals.append(event.usage.total_tokens)

    await compute_notes(
        FunctionBackend(_solver), revision.text, parse_recipe("solve:1"), SleepBudget(),
        on_event=track,
    )  # fmt: skip
    backend = FunctionBackend(_solver)
    budget = SleepBudget(max_sleep_tokens=totals[1])
    with pytest.raises(BudgetExceededError, match="solve fewer questions"):
        await run_sleep(store, revision, backend, parse_recipe("solve:1"), budget)
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "cut_off"
    assert len(backend.requests) == 3
    assert run.partial_text is not None
    assert run.partial_text.startswith("Q: How many people can the meeting rooms seat")
    assert "A: 8 dollars" in run.partial_text and "hours" not in run.partial_text
    assert store.latest_artifact(revision.id) is None


async def test_cancelling_a_solve_run_marks_it_failed(
    store: Store, revision: RevisionRecord
) -> None:
    started = asyncio.Event()

    async def hang_on_solving(request: ChatRequest) -> str:
        if _is_prediction(request):
            return PREDICTED
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    backend = FunctionBackend(hang_on_solving)
    task = asyncio.create_task(
        run_sleep(store, revision, backend, parse_recipe("solve:2"), SleepBudget())
    )
    await asyncio.wait_for(started.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed"
    assert run.error is not None and "CancelledError" in run.error
    assert store.latest_artifact(revision.id) is None
    assert len(backend.requests) == 3  # the prediction and the two solutions in flight


async def test_events_count_every_request(store: Store, revision: RevisionRecord) -> None:
    events: list[SleepEvent] = []
    await run_sleep(
        store, revision, FunctionBackend(_solver), parse_recipe("solve:1"), SleepBudget(),
        on_event=events.append,
    )  # fmt: skip
    ends = [e for e in events if e.kind == SleepEventKind.ROUND_END]
    assert [e.round for e in ends] == [1, 2, 3, 4]
    assert ends[-1].max_rounds == 4
    assert events[-1].kind == SleepEventKind.RUN_END


async def test_notes_respect_memory_chars() -> None:
    backend = FunctionBackend(_solver)
    notes = await compute_notes(
        backend, "The office has 3 rooms of 8 seats.", parse_recipe("solve:1"),
        SleepBudget(memory_chars=200),
    )  # fmt: skip
    assert 0 < len(notes.text) <= 200
    assert re.match(r"Q: How many people can the meeting rooms seat in total\?\nA: 24", notes.text)
