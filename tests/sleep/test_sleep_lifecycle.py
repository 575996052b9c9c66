"""How a sleep run ends when the world changes under it: its context deleted, its heartbeat."""

from __future__ import annotations

import asyncio

import pytest

from sleeptime.backends import ChatRequest, FunctionBackend
from sleeptime.errors import NotFoundError
from sleeptime.sleep import SleepBudget, parse_recipe, run_sleep
from sleeptime.store import RevisionRecord, Store


async def test_deleting_the_context_mid_run_says_so(store: Store, revision: RevisionRecord) -> None:
    def delete_then_reply(request: ChatRequest) -> str:
        store.delete_context("default", "office")
        return "<notes>Rooms: 3.</notes>"

    with pytest.raises(NotFoundError) as caught:
        await run_sleep(
            store, revision, FunctionBackend(delete_then_reply), parse_recipe("rethink"),
            SleepBudget(max_rounds=2),
        )  # fmt: skip
    message = str(caught.value)
    assert "no longer exists: its context was deleted while the run was going" in message
    assert "sleep on it" in message
    assert "start_run" not in message


async def test_the_heartbeat_ticks_during_a_long_round(
    store: Store, revision: RevisionRecord
) -> None:
    beats: list[object] = []

    async def slow(request: ChatRequest) -> str:
        [run] = store.list_runs(revision_id=revision.id)
        beats.append(run.heartbeat_at)
        await asyncio.sleep(0.5)
        [run] = store.list_runs(revision_id=revision.id)
        beats.append(run.heartbeat_at)
        return "<notes>Rooms: 3.</notes><finish/>"

    await run_sleep(
        store, revision, FunctionBackend(slow), parse_recipe("rethink"),
        SleepBudget(max_rounds=1), heartbeat_s=0.1,
    )  # fmt: skip
    assert beats[1] > beats[0]  # type: ignore[operator]
