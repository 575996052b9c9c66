"""The background worker on a real SQLite file: policy, debounce, supersede, faults, budgets."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from sleeptime.app import Runtime
from sleeptime.backends import ChatRequest, FunctionBackend, ScriptedBackend
from sleeptime.errors import BackendError
from sleeptime.sleep import SleepBudget, parse_recipe
from sleeptime.worker import Worker, enqueue_sleep

TEXT = "The ferry leaves at 9 and returns at 17. A ticket costs 12 dollars."
NOTES = "<notes>Round trip: 17 - 9 = 8 hours. Two tickets: 2 * 12 = 24 dollars.</notes><finish/>"


def _serve(runtime: Runtime, backend: FunctionBackend | ScriptedBackend) -> None:
    runtime.backends.add("function", None, backend)


async def _work(worker: Worker, *, max_runs: int | None = None, limit_s: float = 20) -> None:
    await asyncio.wait_for(worker.run(max_runs=max_runs, idle_exit_s=0.5), limit_s)


async def test_a_new_context_is_slept_on_and_answered_from_its_notes(runtime: Runtime) -> None:
    _serve(runtime, FunctionBackend(lambda _: NOTES))
    app = runtime.tenant("acme")
    app.add_context("ferry", TEXT)
    worker = Worker(runtime, name="w1")
    await _work(worker)
    assert worker.stats.completed == 1 and worker.stats.queued == 1
    [job] = app.jobs(statuses=())
    assert job.status == "complete" and job.origin == "worker" and job.attempt == 1
    view = app.show("ferry")
    assert view.artifact is not None and "24 dollars" in view.artifact.text
    # Nothing left to do: another pass queues nothing.
    assert await worker.tick() == 0


async def test_a_burst_of_updates_costs_one_run_on_the_last_revision(runtime: Runtime) -> None:
    """The quiet window is wide against the burst (10 writes 30 ms apart) so that a slow
    SQLite write on a loaded CI machine does not open a gap in it (with 0.6 s it did: two
    runs); the test then waits for the run to finish, not for a fixed time."""
    runtime.settings.__dict__["sleep_quiet_s"] = 2.0  # pydantic model: settings are frozen-ish
    _serve(runtime, FunctionBackend(lambda _: NOTES))
    app = runtime.tenant()
    worker = Worker(runtime)
    task = asyncio.create_task(worker.run())
    for n in range(10):
        app.add_context("log", f"{TEXT} Update {n}.")
        await asyncio.sleep(0.03)
    deadline = time.monotonic() + 60
    while not any(r.status == "complete" for r in app.runs("log")):
        assert time.monotonic() < deadline, "no sleep run finished within 60 s"
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    runs = app.runs("log")
    assert [r.status for r in runs] == ["complete"]
    assert runs[0].revision_seq == 10


async def test_a_newer_revision_stops_the_running_run_before_its_call_returns(
    runtime: Runtime,
) -> None:
    """The old run's model call takes 30 s; the run must be stopped long before (polling is
    sub-second, the 10 s allowance is for a loaded CI machine, not a latency claim)."""
    started = asyncio.Event()

    async def slow(request: ChatRequest) -> str:
        if "Version two" in str(request.messages):
            return NOTES
        started.set()
        await asyncio.sleep(30)
        return NOTES

    _serve(runtime, FunctionBackend(slow))
    app = runtime.tenant()
    app.add_context("doc", "Version one of the text.")
    worker = Worker(runtime, concurrency=2)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), 10)
    app.add_context("doc", "Version two of the text.")
    began = time.monotonic()
    while True:
        [*_, first] = app.runs("doc")
        if first.status != "running":
            break
        assert time.monotonic() - began < 10, "the old run was not stopped before its call ended"
        await asyncio.sleep(0.05)
    assert first.status == "superseded" and "revision 2" in (first.error or "")
    # Wait for both outcomes, not only the new artifact: under load the stopped run's
    # coroutine may record its stop after the new run has already written.
    for _ in range(200):
        if app.show("doc").artifact is not None and worker.stats.stopped == 1:
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    view = app.show("doc")
    assert view.artifact is not None and view.revision.seq == 2
    assert worker.stats.stopped == 1


async def test_garbage_payload_fails_its_run_with_the_reason(runtime: Runtime) -> None:
    _serve(runtime, FunctionBackend(lambda _: NOTES))
    app = runtime.tenant()
    _, revision, _ = app.add_context("doc", TEXT)
    run, _ = runtime.store.enqueue_run(
        revision.id, recipe="rethink", recipe_version="2", prompt_versions={},
        backend="function", model="default", settings={"budget": {"max_rounds": "many"}},
        job_key="garbage",
    )  # fmt: skip
    worker = Worker(runtime, auto_sleep=False)
    await _work(worker)
    bad = app.run(run.id)
    assert bad.status == "failed" and "cannot be started" in (bad.error or "")
    assert "max_rounds" in (bad.error or "") or "rounds" in (bad.error or "")


async def test_a_backend_that_always_fails_fails_the_run_once(runtime: Runtime) -> None:
    def broken(_: ChatRequest) -> str:
        raise BackendError("the endpoint refused the request (HTTP 500); check the server")

    _serve(runtime, FunctionBackend(broken))
    app = runtime.tenant()
    app.add_context("doc", TEXT)
    worker = Worker(runtime)
    await _work(worker)
    [run] = app.runs("doc")
    assert run.status == "failed" and "HTTP 500" in (run.error or "")
    assert await worker.tick() == 0  # not queued again and again


async def test_a_context_deleted_while_its_run_goes(runtime: Runtime) -> None:
    app = runtime.tenant()

    async def delete_then_reply(_: ChatRequest) -> str:
        app.delete_context("doc")
        return NOTES

    _serve(runtime, FunctionBackend(delete_then_reply))
    app.add_context("doc", TEXT)
    worker = Worker(runtime)
    await _work(worker)
    assert worker.stats.failed == 1 and app.contexts() == []


async def test_a_stopped_worker_gives_its_run_back(runtime: Runtime) -> None:
    started = asyncio.Event()

    async def hang(_: ChatRequest) -> str:
        started.set()
        await asyncio.sleep(60)
        return NOTES

    _serve(runtime, FunctionBackend(hang))
    app = runtime.tenant()
    app.add_context("doc", TEXT)
    task = asyncio.create_task(Worker(runtime).run())
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [run] = app.runs("doc")
    assert run.status == "queued" and run.attempt == 0
    assert "given back" in str(run.details.get("waiting"))
    _serve(runtime, FunctionBackend(lambda _: NOTES))
    await _work(Worker(runtime))
    [run] = app.runs("doc")
    assert run.status == "complete" and run.attempt == 1


async def test_over_budget_work_waits_visibly(runtime: Runtime) -> None:
    runtime.settings.__dict__["sleep_tokens_per_day_tenant"] = 10
    _serve(runtime, FunctionBackend(lambda _: NOTES))
    app = runtime.tenant()
    app.add_context("first", TEXT)
    await _work(Worker(runtime))
    app.add_context("second", TEXT + " Second.")
    await _work(Worker(runtime))
    [waiting] = app.runs("second")
    assert waiting.status == "queued" and waiting.not_before is not None
    assert "daily sleep budget of tenant 'default'" in waiting.details["waiting"]


async def test_two_workers_racing_on_one_job_commit_one_artifact(runtime: Runtime) -> None:
    calls = 0

    async def reply(_: ChatRequest) -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return NOTES

    _serve(runtime, FunctionBackend(reply))
    app = runtime.tenant()
    _, revision, _ = app.add_context("doc", TEXT)
    recipe, budget = parse_recipe("rethink"), SleepBudget()
    for _ in range(3):  # asked three times: one job
        enqueue_sleep(
            runtime.store, revision, recipe=recipe, budget=budget, seed=0,
            backend="function", model=None,
        )  # fmt: skip
    workers = [Worker(runtime, name=f"w{i}", auto_sleep=False) for i in range(2)]
    await asyncio.gather(*(_work(w) for w in workers))
    assert sum(w.stats.completed for w in workers) == 1
    assert [r.status for r in app.runs("doc")] == ["complete"]
    assert calls == 1


def test_budget_from_a_record_is_checked() -> None:
    budget = replace(SleepBudget(), max_rounds=3)
    assert SleepBudget.from_dict(budget.to_dict()) == budget
    for bad in ([], {"max_rounds": 0}, {"nonsense": 1}, {"max_rounds": "x"}):
        with pytest.raises(Exception, match=r"budget|rounds|max"):
            SleepBudget.from_dict(bad)


async def test_a_stop_that_lands_just_before_the_commit_ends_the_run_at_once(
    runtime: Runtime,
) -> None:
    app = runtime.tenant()

    async def reply(_: ChatRequest) -> str:
        # Asked to stop after the last look of the watcher: only the commit sees it.
        [run] = [r for r in app.runs("doc") if r.status == "running"]
        runtime.store.request_stop(run.id, tenant="default", reason="cancelled at the end")
        return NOTES

    _serve(runtime, FunctionBackend(reply))
    app.add_context("doc", TEXT)
    worker = Worker(runtime)
    await _work(worker)
    [run] = app.runs("doc")
    assert run.status == "failed" and run.error == "cancelled at the end"
    assert worker.stats.stopped == 1 and app.show("doc").artifact is None
