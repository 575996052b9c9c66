"""Serving anticipated answers through ``Sleeptime.ask`` and storing them with the artifact."""

from __future__ import annotations

from sleeptime.app import Sleeptime
from sleeptime.backends import ScriptedBackend
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget

TEXT = "The office opens at 9 and closes at 17. It has 3 rooms with 8 seats each."
NOTES = (
    "Open 9-17 (8 hours). Rooms: 3. Seats: 24 in total.\n"
    "Q: How many seats are there in total?\n"
    "A: 3 rooms x 8 seats = 24. The answer is 24.\n"
    "Q: How many hours is the office open each day?\n"
    "A: 8 hours. The answer is 8."
)


async def _slept(app: Sleeptime, notes: str = NOTES, **budget: object) -> None:
    app.add_context("office", TEXT)
    sleeper = ScriptedBackend([f"<notes>{notes}</notes><finish/>"], model="sleeper")
    await app.sleep("office", backend=sleeper, budget=SleepBudget(**budget))  # type: ignore[arg-type]


async def test_sleep_stores_the_anticipated_pairs(app: Sleeptime, db_url: str) -> None:
    await _slept(app)
    _, revision = app.context("office")
    artifact = app.store.latest_artifact(revision.id)
    assert artifact is not None
    assert [a["question"] for a in artifact.anticipated] == [
        "How many seats are there in total?",
        "How many hours is the office open each day?",
    ]
    run = app.store.get_run(artifact.run_id)
    assert run.settings["budget"]["anticipate"] == "notes"
    assert run.details["anticipated"]["count"] == 2
    other = Sleeptime(Settings(database_url=db_url))  # a fresh connection reads the same
    try:
        again = other.store.latest_artifact(revision.id)
        assert again is not None and again.anticipated == artifact.anticipated
    finally:
        other.store.close()


async def test_anticipate_off_and_call(app: Sleeptime) -> None:
    await _slept(app, anticipate="off")
    _, revision = app.context("office")
    artifact = app.store.latest_artifact(revision.id)
    assert artifact is not None and artifact.anticipated == []
    app.add_context("office", TEXT + " Coffee is free.")
    sleeper = ScriptedBackend(
        [
            f"<notes>{NOTES}</notes><finish/>",
            '[{"question": "Is coffee free?", "answer": "Yes. The answer is yes."}]',
        ],
        model="sleeper",
    )
    result = await app.sleep("office", backend=sleeper, budget=SleepBudget(anticipate="call"))
    assert len(sleeper.requests) == 2
    assert [a["source"] for a in result.artifact.anticipated] == ["notes", "notes", "call"]
    run = app.store.get_run(result.run_id)
    assert run.prompt_versions["anticipate_extract"] == "anticipate_extract@v1"
    assert run.completion_tokens == result.usage.completion_tokens


async def test_a_verified_hit_makes_no_model_call(app: Sleeptime) -> None:
    await _slept(app)
    answerer = ScriptedBackend()
    result = await app.ask("office", "how many seats are there in total", backend=answerer)
    assert answerer.requests == []
    assert result.answer.text == "3 rooms x 8 seats = 24. The answer is 24."
    assert result.answer.final == "24"
    assert result.answer.usage.total_tokens == 0
    assert result.answer.finish_reason == "anticipated"
    details = result.query.details
    assert details["served"] == "anticipated"
    assert details["matched_question"] == "How many seats are there in total?"
    assert details["verifier"] == "structural"
    assert result.query.prompt_tokens == 0 and result.query.completion_tokens == 0
    assert result.query.model == "sleeper"  # credited to the model that precomputed it
    assert result.query.latency_s >= 0


async def test_a_changed_question_goes_to_the_model(app: Sleeptime) -> None:
    await _slept(app)
    answerer = ScriptedBackend(["16 seats. The answer is 16."])
    result = await app.ask("office", "How many seats are there in 2 rooms?", backend=answerer)
    assert len(answerer.requests) == 1
    assert result.answer.final == "16"
    assert result.query.details["served"] == "model"
    assert result.query.details["anticipated_checked"] == 2


async def test_anticipated_can_be_turned_off(app: Sleeptime) -> None:
    await _slept(app)
    answerer = ScriptedBackend(["The answer is 24."])
    result = await app.ask(
        "office", "How many seats are there in total?", backend=answerer, anticipated=False
    )
    assert len(answerer.requests) == 1
    assert result.query.details["served"] == "model"
    assert "anticipated_checked" not in result.query.details


async def test_model_verification_is_recorded_and_can_refuse(app: Sleeptime) -> None:
    await _slept(app)
    verifier = ScriptedBackend(["yes", "no", "The answer is 24."], model="checker")
    hit = await app.ask(
        "office", "How many seats are there in total?", backend=verifier, verify_with_model=True
    )
    assert hit.query.details["verifier"] == "structural+model"
    assert hit.answer.usage.completion_tokens > 0 and hit.query.model == "checker"
    refused = await app.ask(
        "office", "How many seats are there in total?", backend=verifier, verify_with_model=True
    )
    assert refused.query.details["served"] == "model"
    assert len(verifier.requests) == 3


async def test_baseline_mode_never_serves_anticipated(app: Sleeptime) -> None:
    await _slept(app)
    answerer = ScriptedBackend(["The answer is 24."])
    result = await app.ask(
        "office", "How many seats are there in total?", backend=answerer, mode="baseline"
    )
    assert len(answerer.requests) == 1 and result.query.details["served"] == "model"
