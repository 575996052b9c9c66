"""``run_sleep`` end to end on the scripted backends and a real SQLite store."""

from __future__ import annotations

import asyncio

import pytest

from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, ScriptedBackend, ToolCall
from sleeptime.errors import (
    BackendUnavailableError,
    BudgetExceededError,
    ContextTooLargeError,
    SleeptimeError,
)
from sleeptime.sleep import (
    RECIPE_VERSION,
    SleepBudget,
    SleepEvent,
    check_fits,
    combine_notes,
    parse_recipe,
    run_sleep,
)
from sleeptime.sleep.protocol import FINISH, RETHINK, TOOLS
from sleeptime.store import RevisionRecord, Store
from sleeptime.values import Usage

RETHINK_1 = parse_recipe("rethink")


def _user(request: ChatRequest) -> str:
    return request.messages[-1].content


def _system(request: ChatRequest) -> str:
    return request.messages[0].content


async def test_rethink_then_finish_writes_the_artifact(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["<notes>Rooms: 3. Seats: 24.</notes>", "<finish/>"], model="m1")
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=5))

    assert result.artifact.text == "Rooms: 3. Seats: 24."
    assert result.artifact.revision_id == revision.id
    assert store.latest_artifact(revision.id) == result.artifact
    [loop] = result.loops
    assert (loop.rounds, loop.finished, loop.malformed, loop.protocol) == (2, True, 0, "text")
    assert result.usage.calls == 2
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0

    run = store.get_run(result.run_id)
    assert run.status == "complete"
    assert run.error is None and run.partial_text is None
    assert run.rounds == 2
    assert (run.recipe, run.recipe_version, run.backend, run.model) == (
        "rethink",
        RECIPE_VERSION,
        "scripted",
        "m1",
    )
    assert run.prompt_tokens == result.usage.prompt_tokens
    assert run.completion_tokens == result.usage.completion_tokens
    assert run.usage.calls == 2
    assert run.settings["budget"]["max_rounds"] == 5
    assert run.settings["temperature"] == 0.0
    assert run.settings["k"] == 1
    assert run.settings["native_tools"] is False
    assert set(run.prompt_versions) == {
        "sleep_system",
        "sleep_tools",
        "sleep_text_protocol",
        "sleep_round",
    }
    assert run.details["loops"][0]["finished"] is True
    assert run.details["loops"][0]["rounds"] == 2


async def test_notes_and_finish_in_one_reply_take_one_round(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["<notes>Rooms: 3.</notes><finish/>"])
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    assert result.loops[0].rounds == 1
    assert len(backend.requests) == 1


async def test_each_round_is_a_fresh_request_with_a_stable_prefix(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["<notes>Rooms: 3.</notes>", "<notes>Rooms: 3. Seats: 24.</notes>"])
    budget = SleepBudget(max_rounds=2, round_max_tokens=300, memory_chars=1234)
    await run_sleep(store, revision, backend, RETHINK_1, budget, seed=7)

    first, second = backend.requests
    for request in (first, second):
        assert [m.role for m in request.messages] == ["system", "user"]
        assert request.max_tokens == 300
        assert request.temperature == 0.0
        assert request.seed == 7
        assert request.tools == ()
        assert _user(request).startswith(f"Context:\n<context>\n{revision.text}\n</context>\n")
        assert "1234 characters" in _system(request)
    assert _system(first) == _system(second)
    assert "You have no notes yet." in _user(first)
    assert "(Round 1 of 2.)" in _user(first)
    assert "<notes>\nRooms: 3.\n</notes>" in _user(second)
    assert "(Round 2 of 2.)" in _user(second)
    assert "<notes> and </notes>" in _user(first)  # the text protocol is explained


async def test_without_finish_the_loop_stops_at_max_rounds_and_completes(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(default_reply="<notes>Rooms: 3.</notes>")
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=3))
    assert len(backend.requests) == 3
    assert result.loops[0].rounds == 3
    assert result.loops[0].finished is False
    run = store.get_run(result.run_id)
    assert run.status == "complete"
    assert run.rounds == 3
    assert run.details["loops"][0]["finished"] is False


async def test_the_last_notes_win(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(["<notes>draft one</notes>", "<notes>draft two</notes>", "<finish/>"])
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    assert result.artifact.text == "draft two"


async def test_malformed_reply_is_fed_back_and_the_loop_goes_on(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["ok", "<notes>Rooms: 3.</notes><finish/>"])
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    assert result.artifact.text == "Rooms: 3."
    assert result.loops[0].malformed == 1
    assert "Feedback on your last reply: reply with <notes>" in _user(backend.requests[1])
    assert "Feedback" not in _user(backend.requests[0])
    assert store.get_run(result.run_id).details["loops"][0]["malformed"] == 1


async def test_untagged_notes_are_used_and_counted(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(["The office has 3 rooms of 8 seats.", "<finish/>"])
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    assert result.artifact.text == "The office has 3 rooms of 8 seats."
    assert result.loops[0].untagged == 1
    assert "between <notes> and </notes>" in _user(backend.requests[1])


async def test_strict_protocol_refuses_untagged_notes(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["The office has 3 rooms of 8 seats.", "<notes>Rooms: 3.</notes>"])
    budget = SleepBudget(max_rounds=2, strict_protocol=True)
    result = await run_sleep(store, revision, backend, RETHINK_1, budget)
    assert result.artifact.text == "Rooms: 3."
    assert (result.loops[0].malformed, result.loops[0].untagged) == (1, 0)


async def test_notes_over_the_memory_size_are_clipped_with_feedback(
    store: Store, revision: RevisionRecord
) -> None:
    long_notes = "\n".join(f"Fact number {i}: the value is {i * 7}." for i in range(40))
    backend = ScriptedBackend([f"<notes>{long_notes}</notes>", "<finish/>"])
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(memory_chars=200))
    assert len(result.artifact.text) <= 200
    assert long_notes.startswith(result.artifact.text)
    assert result.loops[0].clipped == 1
    assert "cut to 200 characters" in _user(backend.requests[1])


async def test_reply_cut_at_the_token_limit_is_kept_and_reported(
    store: Store, revision: RevisionRecord
) -> None:
    words = " ".join(f"fact{i}" for i in range(40))
    backend = ScriptedBackend([f"<notes>{words}</notes>", "<finish/>"])
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(round_max_tokens=16))
    assert result.artifact.text.startswith("fact0 fact1")
    assert "fact39" not in result.artifact.text
    assert "cut off at the token limit" in _user(backend.requests[1])


# native tool calls ---------------------------------------------------------------------


async def test_native_tool_calls_with_a_malformed_call_first(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(
        [
            ToolCall(RETHINK, {}, raw='{"new_memory": "Rooms'),
            ToolCall(RETHINK, {"new_memory": "Rooms: 3."}, id="c2"),
            ToolCall(FINISH, {}, id="c3"),
        ],
        native_tools=True,
    )
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    assert result.artifact.text == "Rooms: 3."
    [loop] = result.loops
    assert (loop.rounds, loop.finished, loop.malformed, loop.protocol) == (3, True, 1, "tools")

    for request in backend.requests:
        assert request.tools == TOOLS
        assert "rethink_memory" in _system(request)
        assert "<notes> and </notes>" not in _user(request)
    feedback = _user(backend.requests[1])
    assert "Feedback on your last reply" in feedback
    assert "new_memory" in feedback and "Rooms" in feedback
    assert "Feedback" not in _user(backend.requests[2])
    run = store.get_run(result.run_id)
    assert run.settings["native_tools"] is True
    assert run.details["loops"][0]["protocol"] == "tools"


async def test_native_rethink_and_finish_in_one_reply(
    store: Store, revision: RevisionRecord
) -> None:
    reply = ChatResult(
        text="",
        usage=Usage(prompt_tokens=100, completion_tokens=20, calls=1),
        tool_calls=(ToolCall(RETHINK, {"new_memory": "Rooms: 3."}), ToolCall(FINISH, {})),
        finish_reason="tool_calls",
    )
    backend = ScriptedBackend([reply], native_tools=True)
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    assert result.artifact.text == "Rooms: 3."
    assert result.loops[0].rounds == 1
    run = store.get_run(result.run_id)
    assert (run.prompt_tokens, run.completion_tokens) == (100, 20)


async def test_native_backend_replying_in_text_still_works(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["<notes>Rooms: 3.</notes>", ToolCall(FINISH, {})], native_tools=True)
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    assert result.artifact.text == "Rooms: 3."
    assert result.loops[0].finished


async def test_unknown_tool_then_valid(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(
        [ToolCall("lookup", {"q": "rooms"}), ToolCall(RETHINK, {"new_memory": "Rooms: 3."})],
        native_tools=True,
    )
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=2))
    assert result.artifact.text == "Rooms: 3."
    assert "'lookup'" in _user(backend.requests[1])


# failures ------------------------------------------------------------------------------


async def test_budget_cut_off_keeps_partial_notes_and_writes_no_artifact(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["<notes>Partial: rooms 3.</notes>", "<finish/>"])
    budget = SleepBudget(max_sleep_tokens=10)
    with pytest.raises(BudgetExceededError) as info:
        await run_sleep(store, revision, backend, RETHINK_1, budget)
    assert "max_sleep_tokens" in str(info.value)
    assert "--max-sleep-tokens" in (info.value.cli_hint or "")
    assert len(backend.requests) == 1  # checked after every round

    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "cut_off"
    assert run.partial_text == "Partial: rooms 3."
    assert run.error == str(info.value)
    assert run.rounds == 1
    assert run.prompt_tokens > 0
    assert run.finished_at is not None
    assert store.latest_artifact(revision.id) is None


async def test_budget_large_enough_does_not_cut_off(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(["<notes>Rooms: 3.</notes><finish/>"])
    result = await run_sleep(
        store, revision, backend, RETHINK_1, SleepBudget(max_sleep_tokens=100_000)
    )
    assert store.get_run(result.run_id).status == "complete"


async def test_backend_unavailable_mid_run_fails_the_run(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(
        ["<notes>Rooms: 3.</notes>", BackendUnavailableError("server down; start it again")]
    )
    with pytest.raises(BackendUnavailableError):
        await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed"
    assert run.error == "server down; start it again"
    assert run.rounds == 1
    assert run.prompt_tokens > 0  # the usage of the round that worked is kept
    assert run.finished_at is not None
    assert store.latest_artifact(revision.id) is None


async def test_model_writing_only_garbage_fails_with_a_clear_message(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(default_reply="ok")
    with pytest.raises(SleeptimeError) as info:
        await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=3))
    message = str(info.value)
    assert "wrote no notes" in message
    assert "run's record" in message
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed"
    assert run.error == message
    assert run.rounds == 3
    assert run.details["loops"][0]["malformed"] == 3
    assert store.latest_artifact(revision.id) is None


async def test_model_writing_only_empty_notes_fails(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(
        ["<notes>[empty]</notes>", "", "<finish/>"], default_reply="<finish/>"
    )
    with pytest.raises(SleeptimeError, match="wrote no notes"):
        await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=4))
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed"
    assert run.details["loops"][0]["empty_finishes_refused"] == 2
    assert store.latest_artifact(revision.id) is None


async def test_a_finish_before_any_notes_is_refused(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(["<finish/>", "<notes>Seats: 3 * 8 = 24.</notes><finish/>"])
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=4))
    assert result.artifact.text == "Seats: 3 * 8 = 24."
    assert "without writing any notes" in str(backend.requests[1].messages[-1].content)


async def test_context_too_large_is_refused_before_any_run_or_request(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["<notes>x</notes>"], context_window=1000, model="tiny")
    with pytest.raises(ContextTooLargeError) as info:
        await run_sleep(store, revision, backend, RETHINK_1, SleepBudget())
    message = str(info.value)
    assert "tiny" in message and "1000 tokens" in message and "memory_chars" in message
    # The library names settings; the command line adds its flags.
    assert "--" not in message and "--memory-chars" in (info.value.cli_hint or "")
    assert backend.requests == []
    assert store.list_runs(revision_id=revision.id) == []


async def test_check_fits_counts_notes_and_reply(revision: RevisionRecord) -> None:
    context = revision.text
    backend = ScriptedBackend(context_window=100_000)
    small = SleepBudget(memory_chars=300, round_max_tokens=100)
    large = SleepBudget(memory_chars=3000, round_max_tokens=1000)
    need_small = await check_fits(backend, context, small)
    need_large = await check_fits(backend, context, large)
    assert need_large - need_small == (3000 - 300) // 3 + (1000 - 100)
    with pytest.raises(ContextTooLargeError):
        await check_fits(ScriptedBackend(context_window=need_small - 1), context, small)
    assert (
        await check_fits(ScriptedBackend(context_window=need_small), context, small) == need_small
    )


async def test_cancellation_marks_the_run_failed(store: Store, revision: RevisionRecord) -> None:
    calls = 0

    async def hang_on_second_round(request: ChatRequest) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            return "<notes>Rooms: 3.</notes>"
        await asyncio.Event().wait()  # never set
        raise AssertionError("unreachable")

    backend = FunctionBackend(hang_on_second_round)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(
            run_sleep(store, revision, backend, RETHINK_1, SleepBudget()), timeout=0.2
        )
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed"
    assert run.error is not None and run.error.startswith("interrupted")
    assert run.rounds == 1
    assert run.finished_at is not None
    assert store.latest_artifact(revision.id) is None


async def test_cancelling_a_parallel_run_marks_it_failed(
    store: Store, revision: RevisionRecord
) -> None:
    async def hang(request: ChatRequest) -> str:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    task = asyncio.create_task(
        run_sleep(store, revision, FunctionBackend(hang), parse_recipe("parallel:3"), SleepBudget())
    )
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed"
    assert run.error is not None and "CancelledError" in run.error


async def test_heartbeat_records_rounds_while_running(
    store: Store, revision: RevisionRecord
) -> None:
    seen: list[tuple[str, int]] = []

    def reply(request: ChatRequest) -> str:
        [run] = store.list_runs(revision_id=revision.id)
        seen.append((run.status, run.rounds))
        return f"<notes>Round {len(seen)} notes.</notes>"

    await run_sleep(
        store, revision, FunctionBackend(reply), RETHINK_1, SleepBudget(max_rounds=3),
        heartbeat_s=0.05,
    )  # fmt: skip
    # Rounds are written off the event loop as they end, so a read may trail by one.
    assert [status for status, _ in seen] == ["running"] * 3
    rounds = [n for _, n in seen]
    assert rounds == sorted(rounds) and rounds[-1] <= 2
    assert store.list_runs(revision_id=revision.id)[0].rounds == 3


# parallel ------------------------------------------------------------------------------


def _by_seed(request: ChatRequest) -> str:
    return f"<notes>Notes from seed {request.seed}.</notes><finish/>"


async def test_parallel_concatenates_loops_with_headers(
    store: Store, revision: RevisionRecord
) -> None:
    backend = FunctionBackend(_by_seed)
    result = await run_sleep(
        store, revision, backend, parse_recipe("parallel:3"), SleepBudget(), seed=10
    )
    assert result.artifact.text == (
        "[Notes 1]\nNotes from seed 10.\n\n"
        "[Notes 2]\nNotes from seed 11.\n\n"
        "[Notes 3]\nNotes from seed 12."
    )
    assert len(backend.requests) == 3
    assert {r.temperature for r in backend.requests} == {0.7}
    assert sorted(r.seed for r in backend.requests) == [10, 11, 12]
    assert len(result.loops) == 3
    run = store.get_run(result.run_id)
    assert run.recipe == "parallel:3"
    assert run.settings["k"] == 3
    assert run.settings["temperature"] == 0.7
    assert run.rounds == 3
    assert run.usage.calls == 3
    assert len(run.details["loops"]) == 3


async def test_parallel_respects_an_explicit_temperature(
    store: Store, revision: RevisionRecord
) -> None:
    backend = FunctionBackend(_by_seed)
    await run_sleep(
        store, revision, backend, parse_recipe("parallel:2"), SleepBudget(temperature=0.2)
    )
    assert {r.temperature for r in backend.requests} == {0.2}


async def test_parallel_skips_loops_that_wrote_nothing(
    store: Store, revision: RevisionRecord
) -> None:
    def reply(request: ChatRequest) -> str:
        return "<finish/>" if request.seed == 1 else _by_seed(request)

    result = await run_sleep(
        store, revision, FunctionBackend(reply), parse_recipe("parallel:3"), SleepBudget()
    )
    assert result.artifact.text == (
        "[Notes 1]\nNotes from seed 0.\n\n[Notes 2]\nNotes from seed 2."
    )


async def test_parallel_failure_in_one_loop_fails_the_run(
    store: Store, revision: RevisionRecord
) -> None:
    def reply(request: ChatRequest) -> str:
        if request.seed == 2:
            raise BackendUnavailableError("loop 3 lost its server")
        return _by_seed(request)

    with pytest.raises(BackendUnavailableError, match="loop 3"):
        await run_sleep(
            store, revision, FunctionBackend(reply), parse_recipe("parallel:3"), SleepBudget()
        )
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "failed"
    assert store.latest_artifact(revision.id) is None


async def test_parallel_cut_off_keeps_the_partial_notes(
    store: Store, revision: RevisionRecord
) -> None:
    backend = FunctionBackend(_by_seed)
    with pytest.raises(BudgetExceededError):
        await run_sleep(
            store,
            revision,
            backend,
            parse_recipe("parallel:3"),
            SleepBudget(max_sleep_tokens=10),
        )
    [run] = store.list_runs(revision_id=revision.id)
    assert run.status == "cut_off"
    assert run.partial_text is not None and "Notes from seed" in run.partial_text
    assert store.latest_artifact(revision.id) is None


def test_combine_notes() -> None:
    assert combine_notes(["only"]) == "only"
    assert combine_notes(["[empty]", "only", "  "]) == "only"
    assert combine_notes([]) == ""
    assert combine_notes(["a", "b"]) == "[Notes 1]\na\n\n[Notes 2]\nb"


# events --------------------------------------------------------------------------------


async def test_events_are_emitted_in_order(store: Store, revision: RevisionRecord) -> None:
    events: list[SleepEvent] = []
    backend = ScriptedBackend(["ok", "<notes>Rooms: 3.</notes>", "<finish/>"])
    result = await run_sleep(
        store, revision, backend, RETHINK_1, SleepBudget(max_rounds=4), on_event=events.append
    )
    assert [e.kind for e in events] == [
        "run_start",
        "round_start",
        "round_end",
        "round_start",
        "round_end",
        "round_start",
        "round_end",
        "loop_end",
        "run_end",
    ]
    start, end = events[0], events[-1]
    assert start.message == result.run_id and start.loops == 1 and start.max_rounds == 4
    assert end.message == result.run_id and end.notes_chars == len("Rooms: 3.")
    rounds = [e for e in events if e.kind == "round_end"]
    assert [e.round for e in rounds] == [1, 2, 3]
    assert [e.message for e in rounds] == ["malformed", "rethink", "finish"]
    assert [e.notes_chars for e in rounds] == [0, 9, 9]
    assert all(e.max_rounds == 4 for e in rounds)
    loop_end = events[-2]
    assert (loop_end.loop, loop_end.round, loop_end.notes_chars) == (0, 3, 9)
    assert loop_end.message == "finished"


async def test_parallel_events_follow_each_loop(store: Store, revision: RevisionRecord) -> None:
    events: list[SleepEvent] = []
    backend = FunctionBackend(_by_seed)
    await run_sleep(
        store, revision, backend, parse_recipe("parallel:2"), SleepBudget(), on_event=events.append
    )
    assert events[0].kind == "run_start" and events[0].loops == 2
    assert events[-1].kind == "run_end"
    for loop in (0, 1):
        kinds = [e.kind for e in events if e.loop == loop and e.kind != "run_start"][:3]
        assert kinds == ["round_start", "round_end", "loop_end"]


async def test_loop_end_says_when_the_round_limit_ended_a_loop(
    store: Store, revision: RevisionRecord
) -> None:
    events: list[SleepEvent] = []
    backend = ScriptedBackend(default_reply="<notes>Rooms: 3.</notes>")
    await run_sleep(
        store, revision, backend, RETHINK_1, SleepBudget(max_rounds=2), on_event=events.append
    )
    [loop_end] = [e for e in events if e.kind == "loop_end"]
    assert loop_end.round == 2
    assert loop_end.message == "round limit"


async def test_failed_run_emits_no_run_end(store: Store, revision: RevisionRecord) -> None:
    events: list[SleepEvent] = []
    backend = ScriptedBackend([BackendUnavailableError("down")])
    with pytest.raises(BackendUnavailableError):
        await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(), on_event=events.append)
    assert [e.kind for e in events] == ["run_start", "round_start"]


async def test_extra_settings_are_recorded(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(["<notes>Rooms: 3.</notes><finish/>"])
    result = await run_sleep(
        store, revision, backend, RETHINK_1, SleepBudget(), extra_settings={"caller": "test"}
    )
    assert store.get_run(result.run_id).settings["caller"] == "test"


async def test_event_usage_is_a_snapshot_not_the_live_total(
    store: Store, revision: RevisionRecord
) -> None:
    # A log or a service may read events later; each must keep the usage of its moment.
    events: list[SleepEvent] = []
    backend = ScriptedBackend(["<notes>Rooms: 3.</notes>", "<notes>Rooms: 3, seats 24.</notes>"])
    result = await run_sleep(
        store, revision, backend, RETHINK_1, SleepBudget(max_rounds=2), on_event=events.append
    )
    totals = [e.usage.total_tokens for e in events]
    assert totals == sorted(totals)
    assert events[0].usage.total_tokens == 0  # run_start
    first_end, second_end = (e for e in events if e.kind == "round_end")
    assert first_end.usage.calls == 1 and second_end.usage.calls == 2
    assert 0 < first_end.usage.total_tokens < second_end.usage.total_tokens
    assert events[-1].usage.total_tokens == result.usage.total_tokens


async def test_calculator_slips_go_back_as_feedback_and_block_finishing(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(
        [
            "<notes>Seats: 3 * 8 = 25</notes>",
            "<finish/>",
            "<notes>Seats: 3 * 8 = 24</notes>",
            "<finish/>",
        ],
        model="m1",
    )
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=5))

    assert result.artifact.text == "Seats: 3 * 8 = 24"
    [loop] = result.loops
    assert (loop.rounds, loop.finished, loop.slips_found, loop.slips_left) == (4, True, 1, 0)
    requests = backend.requests
    assert "calculator" not in _user(requests[0])
    assert "'3 * 8 = 25' is wrong: 3 * 8 = 24" in _user(requests[1])
    assert "'3 * 8 = 25' is wrong" in _user(requests[2])  # the finish was refused
    assert "calculator" not in _user(requests[3])
    details = store.get_run(result.run_id).details
    assert details["loops"][0]["slips_found"] == 1


async def test_slips_left_when_rounds_run_out_are_marked_in_the_artifact(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend(["<notes>Seats: 3 * 8 = 25</notes>"], model="m1")
    result = await run_sleep(store, revision, backend, RETHINK_1, SleepBudget(max_rounds=1))
    assert result.artifact.text == "Seats: 3 * 8 = 25 [calculator: 3 * 8 = 24]"
    assert result.loops[0].slips_left == 1


async def test_calculator_can_be_turned_off(store: Store, revision: RevisionRecord) -> None:
    backend = ScriptedBackend(["<notes>Seats: 3 * 8 = 25</notes>", "<finish/>"], model="m1")
    budget = SleepBudget(max_rounds=5, check_arithmetic=False)
    result = await run_sleep(store, revision, backend, RETHINK_1, budget)
    assert result.artifact.text == "Seats: 3 * 8 = 25"
    assert result.loops[0].rounds == 2
