"""Anticipated answers with the real embedded model (SmolLM2-135M): the plumbing holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sleeptime.app import Sleeptime
from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_files import default_model_path
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget

pytestmark = pytest.mark.integration

CONTEXT = (
    "The Lakeside bakery sells bread for 4 dollars a loaf and muffins for 2 dollars each. "
    "On Saturday it sold 30 loaves and 45 muffins. The bakery opens at 7 and closes at 3."
)


@pytest.fixture(scope="module")
def embedded() -> Iterator[LlamaBackend]:
    yield LlamaBackend(default_model_path(), n_ctx=4096, n_threads=2)


async def test_sleep_stores_a_list_and_asking_still_works(
    tmp_path: Path, embedded: LlamaBackend
) -> None:
    app = Sleeptime(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    try:
        app.add_context("bakery", CONTEXT)
        slept = await app.sleep(
            "bakery",
            backend=embedded,
            budget=SleepBudget(max_rounds=1, round_max_tokens=128, memory_chars=600),
        )
        anticipated = slept.artifact.anticipated
        assert isinstance(anticipated, list)  # often empty: the model is tiny
        for entry in anticipated:
            assert set(entry) == {"question", "answer", "source", "verified", "verification"}
            assert entry["source"] == "notes" and isinstance(entry["verified"], bool)
        run = app.store.get_run(slept.run_id)
        assert run.details["anticipated"]["count"] == len(anticipated)
        verified = [entry for entry in anticipated if entry["verified"]]
        assert run.details["anticipated"]["verified"] == len(verified)
        question = verified[0]["question"] if verified else "How much is a muffin?"
        result = await app.ask("bakery", question, budget=0, backend=embedded)
        assert result.answer.text
        assert result.query.details["served"] in {"anticipated", "model"}
        if verified:  # only verified answers are served without the model
            assert result.query.details["served"] == "anticipated"
            assert result.answer.usage.total_tokens == 0
    finally:
        await app.aclose()
