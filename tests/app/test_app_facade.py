"""``Sleeptime``: contexts, sleep, ask and stats through the front door, scripted backends."""

from __future__ import annotations

import pytest

from sleeptime.app import Sleeptime
from sleeptime.backends import ChatResult, ScriptedBackend, Usage
from sleeptime.errors import (
    ConfigError,
    ContextTooLargeError,
    InputError,
    NotFoundError,
    StoreError,
)
from sleeptime.settings import Settings
from sleeptime.sleep import SleepBudget

TEXT = "The office opens at 9 and closes at 17. It has 3 rooms with 8 seats each."
NOTES = "Open 9-17 (8 hours). Rooms: 3. Seats: 24 in total."


def _sleeper(notes: str = NOTES) -> ScriptedBackend:
    return ScriptedBackend([f"<notes>{notes}</notes><finish/>"], model="sleeper")


def _result(text: str, prompt: int, generated: int) -> ChatResult:
    return ChatResult(
        text=text, usage=Usage(prompt_tokens=prompt, completion_tokens=generated, calls=1)
    )


# contexts ------------------------------------------------------------------------------


def test_add_context_revisions(app: Sleeptime) -> None:
    context, first, created = app.add_context("office", TEXT)
    assert created and first.seq == 1 and context.tenant == "default"
    _, same, created = app.add_context("office", TEXT)
    assert not created and same.id == first.id
    _, second, created = app.add_context("office", TEXT + " Coffee is free.")
    assert created and second.seq == 2
    record, current = app.context("office")
    assert record.id == context.id
    assert current == second


def test_unknown_context_hints_how_to_add_it(app: Sleeptime) -> None:
    with pytest.raises(NotFoundError, match="add one with this name") as info:
        app.context("missing")
    assert "sleeptime context add missing" in (info.value.cli_hint or "")


def test_tenants_are_separate(db_url: str) -> None:
    a = Sleeptime(Settings(database_url=db_url, tenant="a"))
    b = Sleeptime(Settings(database_url=db_url), tenant="b")
    try:
        a.add_context("office", TEXT)
        with pytest.raises(NotFoundError):
            b.context("office")
    finally:
        a.store.close()
        b.store.close()


# backends ------------------------------------------------------------------------------


def test_backend_instances_pass_through_and_names_are_cached(app: Sleeptime) -> None:
    mine = ScriptedBackend()
    assert app.backend(mine) is mine
    assert app.backend("scripted") is app.backend("scripted")
    with pytest.raises(ConfigError, match="unknown backend 'nope'"):
        app.backend("nope")


# sleep ---------------------------------------------------------------------------------


async def test_sleep_with_a_backend_object(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    backend = _sleeper()
    result = await app.sleep("office", backend=backend, budget=SleepBudget(max_rounds=3))
    assert result.artifact.text == NOTES
    run = app.store.get_run(result.run_id)
    assert (run.status, run.model, run.settings["budget"]["max_rounds"]) == (
        "complete",
        "sleeper",
        3,
    )
    assert TEXT in backend.requests[0].messages[1].content


async def test_sleep_unknown_recipe_before_anything(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    backend = _sleeper()
    with pytest.raises(InputError, match="unknown sleep recipe"):
        await app.sleep("office", recipe="foo", backend=backend)
    assert backend.requests == []


async def test_sleep_unknown_context(app: Sleeptime) -> None:
    with pytest.raises(NotFoundError):
        await app.sleep("missing", backend=_sleeper())


async def test_sleep_parallel_recipe(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    backend = ScriptedBackend(default_reply="<notes>Rooms: 3.</notes><finish/>")
    result = await app.sleep("office", recipe="parallel:2", backend=backend)
    assert result.artifact.text == "[Notes 1]\nRooms: 3.\n\n[Notes 2]\nRooms: 3."
    assert {r.temperature for r in backend.requests} == {0.7}


# ask -----------------------------------------------------------------------------------


async def test_ask_baseline_and_sleep_record_queries(app: Sleeptime) -> None:
    context, revision, _ = app.add_context("office", TEXT)
    slept = await app.sleep("office", backend=_sleeper())

    base = await app.ask(
        "office",
        "How many seats?",
        mode="baseline",
        budget=0,
        backend=ScriptedBackend([_result("24 seats. The answer is 24.", 300, 9)], model="asker"),
    )
    assert base.artifact is None
    assert base.answer.final == "24"
    q = base.query
    assert (q.mode, q.budget, q.layout, q.artifact_id, q.max_tokens) == (
        "baseline",
        0,
        None,
        None,
        48,
    )
    assert (q.prompt_tokens, q.completion_tokens) == (300, 9)
    assert (q.context_id, q.revision_id) == (context.id, revision.id)
    assert (q.backend, q.model) == ("scripted", "asker")
    assert q.text == "How many seats?"
    assert q.answer == "24 seats. The answer is 24."
    assert q.details["final"] == "24"
    assert q.details["finish_reason"] == "stop"
    assert q.prompt_version == base.answer.prompt_version

    asker = ScriptedBackend([_result("The answer is 24.", 50, 5)])
    sleep = await app.ask(
        "office", " How many seats? ", budget=3, max_tokens=77, backend=asker, layout="replace"
    )
    assert sleep.artifact == slept.artifact
    q = sleep.query
    assert (q.mode, q.budget, q.layout, q.max_tokens) == ("sleep", 3, "replace", 77)
    assert q.artifact_id == slept.artifact.id
    assert (q.prompt_tokens, q.completion_tokens) == (50, 5)
    assert q.text == "How many seats?"
    assert asker.requests[0].max_tokens == 77
    user = asker.requests[0].messages[1].content
    assert NOTES in user and TEXT not in user

    recorded = app.store.list_queries(revision_id=revision.id)
    assert {x.id: x for x in recorded} == {base.query.id: base.query, sleep.query.id: sleep.query}


async def test_ask_layout_both_sends_context_and_notes(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    await app.sleep("office", backend=_sleeper())
    asker = ScriptedBackend(["The answer is 3."])
    result = await app.ask("office", "How many rooms?", layout="both", backend=asker)
    user = asker.requests[0].messages[1].content
    assert user.index(TEXT) < user.index(NOTES) < user.index("How many rooms?")
    assert result.query.layout == "both"
    assert "answer_context_and_notes@v" in result.query.prompt_version


async def test_ask_auto_layout_uses_notes_at_low_budgets_and_the_context_alone_at_high(
    app: Sleeptime,
) -> None:
    app.add_context("office", TEXT)
    await app.sleep("office", backend=_sleeper())
    asker = ScriptedBackend(["The answer is 3.", "The answer is 3."])
    low = await app.ask("office", "How many rooms?", budget=0, backend=asker)
    high = await app.ask("office", "How many rooms?", budget=4, backend=asker)
    low_user, high_user = (r.messages[1].content for r in asker.requests)
    assert TEXT in low_user and NOTES in low_user
    assert TEXT in high_user and NOTES not in high_user
    assert (low.query.layout, high.query.layout) == ("derived", "context")
    assert "auto@v3" in low.query.prompt_version and "auto@v3" in high.query.prompt_version
    assert low.query.artifact_id == high.query.artifact_id is not None


async def test_ask_sleep_mode_before_sleeping_says_to_sleep(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    asker = ScriptedBackend(["The answer is 3."])
    with pytest.raises(NotFoundError, match="has no notes yet"):
        await app.ask("office", "How many rooms?", backend=asker)
    assert asker.requests == []


async def test_artifact_of_an_old_revision_is_not_used(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    await app.sleep("office", backend=_sleeper())
    assert (await app.ask("office", "q?", backend=ScriptedBackend(["x"]))).artifact is not None

    app.add_context("office", TEXT + " A fourth room opened in May.")
    with pytest.raises(NotFoundError) as info:
        await app.ask("office", "How many rooms?", backend=ScriptedBackend(["x"]))
    assert "revision 2" in str(info.value)
    assert "sleeptime sleep office" in (info.value.cli_hint or "")
    # Baseline still works on the new revision and uses the new text.
    asker = ScriptedBackend(["The answer is 4."])
    base = await app.ask("office", "How many rooms?", mode="baseline", backend=asker)
    assert "fourth room" in asker.requests[0].messages[1].content
    assert base.revision.seq == 2


async def test_re_adding_old_text_creates_a_new_revision_without_notes(app: Sleeptime) -> None:
    app.add_context("office", TEXT)
    await app.sleep("office", backend=_sleeper())
    app.add_context("office", TEXT + " changed")
    _, third, created = app.add_context("office", TEXT)
    assert created and third.seq == 3
    with pytest.raises(NotFoundError):
        await app.ask("office", "q?", backend=ScriptedBackend(["x"]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "fast"}, "mode must be one of sleep, baseline"),
        ({"layout": "mixed"}, "layout must be one of auto, replace, both, derived, context"),
        ({"budget": 9}, "budget must be 0-4"),
        ({"max_tokens": 0}, "max tokens"),
    ],
)
async def test_ask_bad_options(app: Sleeptime, kwargs: dict[str, object], message: str) -> None:
    app.add_context("office", TEXT)
    asker = ScriptedBackend(["x"])
    with pytest.raises(InputError, match=message):
        await app.ask("office", "q?", backend=asker, **{"mode": "baseline", **kwargs})  # type: ignore[arg-type]
    assert asker.requests == []


async def test_ask_bad_question_records_nothing(app: Sleeptime) -> None:
    _, revision, _ = app.add_context("office", TEXT)
    with pytest.raises(InputError, match="empty"):
        await app.ask("office", "   ", mode="baseline", backend=ScriptedBackend(["x"]))
    assert app.store.list_queries(revision_id=revision.id) == []


async def test_ask_too_large_for_the_window_records_nothing(app: Sleeptime) -> None:
    _, revision, _ = app.add_context("office", TEXT)
    with pytest.raises(ContextTooLargeError):
        await app.ask(
            "office", "q?", mode="baseline", backend=ScriptedBackend(["x"], context_window=20)
        )
    assert app.store.list_queries(revision_id=revision.id) == []


async def test_aclose_closes_backends_and_store(db_url: str) -> None:
    app = Sleeptime(Settings(database_url=db_url))
    app.backend("scripted")
    await app.aclose()
    with pytest.raises(StoreError, match="closed"):
        app.add_context("office", TEXT)
