"""``solve:K`` on the real embedded model with tiny budgets: it runs, records and answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from sleeptime.anticipate.extract import parse_qa_pairs
from sleeptime.app import Sleeptime
from sleeptime.backends.llama import LlamaBackend
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget
from sleeptime.sleep.recipes import SOLVE_VERSION

pytestmark = pytest.mark.integration

CONTEXT = (
    "The Lakeside bakery sells bread for 4 dollars a loaf and muffins for 2 dollars each. "
    "On Saturday it sold 30 loaves and 45 muffins."
)


async def test_solve_ahead_then_answer_at_budget_0(tmp_path: Path, embedded: LlamaBackend) -> None:
    app = Sleeptime(Settings(database_url=f"sqlite:///{tmp_path / 'solve.db'}"))
    try:
        app.add_context("bakery", CONTEXT)
        budget = SleepBudget(round_max_tokens=96, memory_chars=600)
        slept = await app.sleep("bakery", recipe="solve:1:2", backend=embedded, budget=budget)
        run = app.store.get_run(slept.run_id)
        assert (run.status, run.recipe, run.recipe_version) == (
            "complete",
            "solve:1:2",
            SOLVE_VERSION,
        )
        assert "sleep_predict" in run.prompt_versions
        solved = run.details["solve"]["questions"]
        attempts = run.details["solve"]["prediction_attempts"]
        assert 1 <= len(solved) <= 2 and run.rounds == attempts + len(solved)
        notes = slept.artifact.text
        assert 0 < len(notes) <= 600
        # Every question that got a numeric answer is in the notes, answer first, and
        # comes back out of extraction with a verification verdict.
        pairs = parse_qa_pairs(notes)
        answered = [s for s in solved if s["answer"] is not None]
        assert [p["question"] for p in pairs] == [s["question"] for s in answered][: len(pairs)]
        assert len(slept.artifact.anticipated) == len(pairs)
        assert all(isinstance(a["verified"], bool) for a in slept.artifact.anticipated)
        answer = await app.ask(
            "bakery", "How much did bread sales bring in on Saturday?", budget=0, backend=embedded
        )
        assert answer.query.artifact_id == slept.artifact.id
        assert answer.answer.text
    finally:
        await app.aclose()
