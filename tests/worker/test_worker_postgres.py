"""Workers on a real PostgreSQL server: runs travel through procrastinate, each done once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from helpers.postgres import PostgresServer
from sleeptime.app import Runtime
from sleeptime.backends import ChatRequest, FunctionBackend
from sleeptime.settings import Settings
from sleeptime.worker import Worker

NOTES = "<notes>Total: 3 * 4 = 12.</notes><finish/>"


def _runtime(url: str, calls: list[str]) -> Runtime:
    rt = Runtime(
        Settings(
            database_url=url,
            backend="function",
            sleep_quiet_s=0,
            worker_poll_s=0.2,
            worker_lease_s=3,
        )
    )

    async def reply(request: ChatRequest) -> str:
        calls.append(str(request.messages[-1].content)[:40])
        await asyncio.sleep(0.05)
        return NOTES

    rt.backends.add("function", None, FunctionBackend(reply))
    return rt


@pytest.fixture
async def runtimes(postgres_url: str) -> AsyncIterator[tuple[Runtime, Runtime, list[str]]]:
    calls: list[str] = []
    first, second = _runtime(postgres_url, calls), _runtime(postgres_url, calls)
    yield first, second, calls
    await first.aclose()
    await second.aclose()


async def test_two_workers_share_the_queue_and_sleep_once_per_context(
    runtimes: tuple[Runtime, Runtime, list[str]],
) -> None:
    first, second, _ = runtimes
    app = first.tenant()
    for n in range(6):
        app.add_context(f"doc{n}", f"Document {n}: 3 boxes of 4 apples.")
    workers = [Worker(first, name="a"), Worker(second, name="b")]
    await asyncio.wait_for(asyncio.gather(*(w.run(idle_exit_s=1.5) for w in workers)), timeout=60)
    assert sum(w.stats.completed for w in workers) == 6
    for n in range(6):
        view = app.show(f"doc{n}")
        assert view.artifact is not None
        assert [r.status for r in app.runs(f"doc{n}")] == ["complete"]
    # Both took part (procrastinate spread the jobs), and nobody ran a run twice.
    ids = [run_id for w in workers for run_id in w.stats.run_ids]
    assert len(ids) == len(set(ids)) == 6


async def test_a_worker_rides_out_the_database_going_away(
    runtimes: tuple[Runtime, Runtime, list[str]], postgres_server: PostgresServer
) -> None:
    first, _, _ = runtimes
    app = first.tenant()
    app.add_context("before", "Before the outage: 3 boxes of 4 apples.")
    stop = asyncio.Event()
    worker = Worker(first, name="steady")
    task = asyncio.create_task(worker.run(stop=stop))
    try:
        for _ in range(200):
            if worker.stats.completed == 1:
                break
            await asyncio.sleep(0.05)
        assert worker.stats.completed == 1
        postgres_server.stop()
        await asyncio.sleep(2.0)  # the worker's passes fail meanwhile, and say so
        postgres_server.start()
        app.add_context("after", "After the outage: 5 crates of 6 pears.")
        for _ in range(400):
            if worker.stats.completed == 2:
                break
            await asyncio.sleep(0.05)
        assert worker.stats.completed == 2
        assert not task.done()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert app.show("after").artifact is not None


async def test_two_workers_with_the_same_name_still_run_each_job_once(
    runtimes: tuple[Runtime, Runtime, list[str]],
) -> None:
    first, second, calls = runtimes
    app = first.tenant()
    for n in range(4):
        app.add_context(f"twin{n}", f"Twin document {n}.")
    twins = [Worker(first, name="same"), Worker(second, name="same")]
    await asyncio.wait_for(asyncio.gather(*(w.run(idle_exit_s=1.5) for w in twins)), 60)
    assert sum(w.stats.completed for w in twins) == 4
    assert len(calls) == 4
